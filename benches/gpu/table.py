#!/usr/bin/env python3
"""The CUDA section of BENCHMARKS.md from a bench.sh or session.sh output folder: kiln bench's JSON (resident
data, arkworks in the same run) and criterion's estimates (transfers included, cpu backend in the
same run). Medians in milliseconds."""
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "target/gpu-bench"

OP_ORDER = ["msm-g1", "msm-g2", "ntt", "groth16"]

def kiln_bench():
    """Rows of every `kiln bench --json` report in the folder (bench.sh writes one per op,
    session.sh one per step), in op order then size."""
    rows = []
    device = None
    for name in sorted(os.listdir(out)):
        if not name.endswith(".json"):
            continue
        try:
            report = json.load(open(os.path.join(out, name)))
        except ValueError:
            continue
        if not isinstance(report, dict) or "results" not in report:
            continue
        device = report.get("device", device)
        for r in report["results"]:
            rows.append((r["op"], r["log_size"], r["backend"]["median_ms"], r["reference"]["median_ms"],
                         r["reference_name"], r["speedup"]))
    order = lambda row: (OP_ORDER.index(row[0]) if row[0] in OP_ORDER else len(OP_ORDER), row[0], row[1])
    return device, sorted(rows, key=order)

def criterion():
    """{(group, function, log): median ms} from CRITERION_HOME/<group>/<function>/<log>/new/estimates.json."""
    base = os.path.join(out, "criterion")
    found = {}
    if not os.path.isdir(base):
        return found
    for group in os.listdir(base):
        gdir = os.path.join(base, group)
        if not os.path.isdir(gdir):
            continue
        for function in os.listdir(gdir):
            fdir = os.path.join(gdir, function)
            if not os.path.isdir(fdir):
                continue
            for log in os.listdir(fdir):
                est = os.path.join(fdir, log, "new", "estimates.json")
                if os.path.exists(est):
                    median_ns = json.load(open(est))["median"]["point_estimate"]
                    found[(group, function, log)] = median_ns / 1e6
    return found

device, rows = kiln_bench()
print(f"GPU: {device or 'unknown'}\n")
print("### Resident data, `kiln bench --backend cuda` (reference: arkworks in the same run)\n")
print("| op | size | cuda median ms | arkworks median ms | reference | arkworks / cuda |")
print("| --- | --- | ---: | ---: | --- | ---: |")
for op, log, ours, ref, ref_name, speedup in rows:
    print(f"| {op} | 2^{log} | {ours:.3f} | {ref:.3f} | {ref_name} | {speedup:.1f}x |")

crit = criterion()
if crit:
    print("\n### Criterion, `benches/cuda.rs` (cuda and cpu backends in the same run)\n")
    print("| op | size | cuda resident | cuda with transfers | cpu resident | cpu / cuda (resident) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    keys = sorted({(g, int(l)) for (g, f, l) in crit})
    for group, log in keys:
        get = lambda f: crit.get((group, f, str(log)))
        res, tr, cpu = get("cuda-resident"), get("cuda-transfer"), get("cpu-resident")
        fmt = lambda v: f"{v:.3f}" if v is not None else "not run"
        ratio = f"{cpu / res:.1f}x" if cpu and res else "-"
        print(f"| {group} | 2^{log} | {fmt(res)} | {fmt(tr)} | {fmt(cpu)} | {ratio} |")
