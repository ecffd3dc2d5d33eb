#!/usr/bin/env python3
"""Writes link/hot_code.ld: the functions `kiln prove` runs, placed together in the executable.

    link/hot_code.py KILN [KEY WITNESS]...

KILN is a release `kiln` built with v0 symbol mangling (.cargo/config.toml sets it). The
interop fixtures' poseidon keys (Groth16 and PLONK), and each further KEY and WITNESS pair
given, are proved the ways a user proves: keys checked in full, recognised from the cache of checked keys,
and trusted. valgrind's callgrind lists every function that runs, however briefly; `perf`,
where it is allowed, adds what runs only on this CPU (callgrind hides AVX-512, so the IFMA
field code would be missed).

Why: a prover's resident memory includes the pages of its own executable that it touches, and
the kernel maps file pages in blocks around each fault (64 KB, or a whole large folio of the
page cache, up to 256 KB on ext4 here). The 1.3 to 1.9 MB of code a proof runs lay spread over
the 20 MB `.text` of a binary that also carries the service, the device backends and the setup
tools, so a small proof held 6.3 to 6.5 MB of code pages (BENCHMARKS.md, "Stop 32"). The linker
script puts the listed functions first, contiguous, in their own output section.

Names are written without what changes from build to build: the crate disambiguators of v0
symbols (`Cs<hash>_` becomes `Cs*_`) and the hash of legacy ones. Generic instances keep their
type arguments (the reason for v0: legacy names differ only in the hash). A function renamed
since the script last ran is simply laid out with the cold code again, so an old list costs
memory, never correctness. Rerun it after large changes to the proving path.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "hot_code.ld")
FIXTURE_PAIRS = [
    ("target/interop/poseidon/circuit.zkey", "target/interop/poseidon/witness.wtns"),
    ("target/interop/poseidon/plonk.zkey", "target/interop/poseidon/witness.wtns"),
]
# The ways `kiln prove` is run: every check, first sight of a key (checks, then the cache
# entry is written), a key found in the cache, a trusted key.
MODES = [["--no-key-cache"], [], [], ["--trusted-key"]]
# The order in which the runs' code is laid out, most frequent first (the index into MODES):
# a prover proves again and again with a key it has seen, sometimes with a trusted key, and
# checks a key only the first time. Groth16's runs come before PLONK's (Groth16 is what
# circom's users prove with). A run then touches one contiguous stretch of code rather than
# pages spread through the union of every way of proving.
MODE_ORDER = [2, 3, 1, 0]
MODE_NAMES = ["proofs with every check (--no-key-cache)", "a key's first proof",
              "proofs with a key in the cache", "proofs with a trusted key (--trusted-key)"]
PROTOCOLS = {1: "Groth16", 2: "PLONK"}


def pattern(symbol):
    """The symbol with its build-specific parts replaced by wildcards; None if not a function
    name a linker script can select (callgrind's `0x...` and `(below main)`)."""
    if symbol.startswith("_R"):
        symbol = re.sub(r"Cs[0-9A-Za-z]+_", "Cs*_", symbol)
        return re.sub(r"\.llvm\.[0-9]+$", ".llvm.*", symbol)
    if symbol.startswith("_ZN"):
        return re.sub(r"17h[0-9a-f]{16}E$", "17h*", symbol)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", symbol):
        return symbol
    return None


def callgrind_functions(kiln, runs, scratch):
    """For each run, every function name callgrind saw run, in any object: valgrind does not
    attribute code in a section other than .text to its binary (`ob=???`), so a laid-out kiln
    would lose most of its functions if the names were filtered by object here.
    `kiln_functions` keeps kiln's."""
    per_run = []
    for i, args in enumerate(runs):
        out = os.path.join(scratch, f"callgrind.{i}")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no",
             "--dump-instr=no", f"--callgrind-out-file={out}", kiln, *args],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out, errors="replace") as profile:
            per_run.append({line[3:].strip() for line in profile if line.startswith("fn=")})
    return per_run


def perf_functions(kiln, runs, scratch, repeats=3):
    """For each run, the functions sampled natively in `repeats` runs of it; empty sets where
    perf is missing or not permitted."""
    per_run = [set() for _ in runs]
    if shutil.which("perf") is None:
        return per_run
    for i, args in enumerate(runs * repeats):
        data = os.path.join(scratch, f"perf.{i}")
        recorded = subprocess.run(["perf", "record", "-q", "-F", "20000", "-o", data, kiln, *args],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if recorded.returncode != 0:
            return [set() for _ in runs]
        script = subprocess.run(["perf", "script", "-i", data, "--no-demangle", "-F", "ip,sym,dso"],
                                capture_output=True, text=True)
        for line in script.stdout.splitlines():
            # "    55d0c0a0b1c2 _RNv... (/path/to/kiln)"
            sample = re.fullmatch(r"\s*[0-9a-f]+ (\S+) \((.*)\)", line)
            if sample and os.path.realpath(sample.group(2)) == os.path.realpath(kiln):
                per_run[i % len(runs)].add(sample.group(1))
    return per_run


def zkey_protocol(path):
    """1 for a Groth16 zkey, 2 for PLONK: the first field of the header section (type 1)."""
    with open(path, "rb") as f:
        magic, _version, sections = struct.unpack("<4sII", f.read(12))
        if magic != b"zkey":
            sys.exit(f"{path} is not a zkey")
        for _ in range(sections):
            kind, size = struct.unpack("<IQ", f.read(12))
            if kind == 1:
                return struct.unpack("<I", f.read(4))[0]
            f.seek(size, os.SEEK_CUR)
    sys.exit(f"{path} has no header section")


def kiln_functions(kiln, symbols):
    """Those of the symbols that are functions of kiln's binary, with every other name of the
    same code. LLVM merges identical functions, so one body can carry several names, and the
    profilers report any one of them; the linker script must name the section, which carries
    the name of the one that was kept."""
    listing = subprocess.run(["nm", "--defined-only", kiln], capture_output=True, text=True,
                             check=True).stdout
    names_at, address_of = {}, {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            names_at.setdefault(parts[0], []).append(parts[2])
            address_of[parts[2]] = parts[0]
    found = set()
    for symbol in symbols:
        if symbol in address_of:
            found.update(names_at[address_of[symbol]])
    return found


def main():
    if len(sys.argv) < 2 or len(sys.argv) % 2 != 0:
        sys.exit(__doc__)
    kiln = os.path.abspath(sys.argv[1])
    pairs = [(os.path.join(ROOT, k), os.path.join(ROOT, w)) for k, w in FIXTURE_PAIRS]
    pairs += zip(sys.argv[2::2], sys.argv[3::2])
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed (apt install valgrind)")
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["KILN_CACHE_DIR"] = os.path.join(scratch, "checked-keys")
        proof, public = os.path.join(scratch, "proof.json"), os.path.join(scratch, "public.json")
        runs, rank = [], []
        for key, witness in pairs:
            protocol = zkey_protocol(key)
            for m, mode in enumerate(MODES):
                runs.append(["prove", key, witness, proof, public, "--backend", "cpu", *mode])
                rank.append((protocol, MODE_ORDER.index(m)))
        # valgrind runs one thread at a time, so rayon's work stealing hardly happens there;
        # the native samples, taken three times over, catch most of it.
        seen = zip(callgrind_functions(kiln, runs, scratch), perf_functions(kiln, runs, scratch))
        # Each function goes with the most frequent run that calls it.
        tier = {}
        for r, (traced, sampled) in zip(rank, seen):
            for symbol in kiln_functions(kiln, traced | sampled):
                tier[symbol] = min(tier.get(symbol, r), r)
    if not any(s.startswith("_R") for s in tier):
        sys.exit(f"{kiln} has no v0 symbols: build it with -C symbol-mangling-version=v0")
    rank_of = {}
    for symbol, r in tier.items():
        p = pattern(symbol)
        if p:
            rank_of[p] = min(rank_of.get(p, r), r)
    patterns = sorted(rank_of, key=lambda p: (rank_of[p], p))
    with open(OUT, "w") as script:
        script.write("/* Generated by link/hot_code.py: the functions `kiln prove` runs, kept together\n"
                     "   so that a proof touches few pages of the executable. Regenerate, do not edit. */\n")
        script.write("SECTIONS {\n  .text.hot : {\n")
        heading = None
        for p in patterns:
            if rank_of[p] != heading:
                heading = rank_of[p]
                protocol, mode = heading
                script.write(f"    /* {PROTOCOLS[protocol]}: first run by "
                             f"{MODE_NAMES[MODE_ORDER[mode]]} */\n")
            # `.text.*`: LLVM puts functions it deems cold (panics, growth paths) in
            # .text.unlikely.NAME rather than .text.NAME
            script.write(f"    *(.text.*{p})\n")
        script.write("  }\n} INSERT BEFORE .text;\n")
    print(f"{OUT}: {len(patterns)} patterns from {len(tier)} functions")


if __name__ == "__main__":
    main()
