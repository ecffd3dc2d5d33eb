#!/usr/bin/env python3
"""Resident memory of a command through its run, from /proc/PID/status every 3 ms.

    benches/rss_timeline.py [--maps] COMMAND [ARGS...]

Prints the command's first stderr line, then a row each time the total resident memory moves
by more than 0.8 MB (milliseconds since start, total, anonymous and file-backed MB), and the
peak. GNU time's %M gives the peak alone; this says when it happens and what it is made of
(BENCHMARKS.md, "Stop 30": kiln's peak at 31,200 constraints is late in proving, anonymous).
With --maps it reads /proc/PID/smaps instead (slower, so fewer samples) and prints, for the
sample with the most resident memory, the resident KB of each mapping by file and permissions
(BENCHMARKS.md, "Stop 32": the pages of kiln's own executable).
"""
import subprocess
import sys
import time


def sample(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


def mappings(pid):
    """Resident KB per (file or [anon], permissions), and the total."""
    resident, key, total = {}, None, 0
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if fields[0] == "Rss:":
                resident[key] = resident.get(key, 0) + int(fields[1])
                total += int(fields[1])
            elif not fields[0].endswith(":"):
                key = (fields[5] if len(fields) > 5 else "[anon]", fields[1])
    return total, resident


def peak_mappings(command):
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = (0, {})
    while child.poll() is None:
        try:
            sample = mappings(child.pid)
        except (FileNotFoundError, ProcessLookupError):
            break
        peak = max(peak, sample, key=lambda s: s[0])
        time.sleep(0.001)
    stderr = child.stderr.read().strip().splitlines()
    print(stderr[0] if stderr else f"(exit {child.returncode}, no stderr)")
    print(f"peak {peak[0] / 1024:.1f} MB")
    for (name, perms), kb in sorted(peak[1].items(), key=lambda item: -item[1]):
        if kb >= 64:
            print(f"{kb:8d} KB  {perms}  {name}")
    sys.exit(child.returncode)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[1] == "--maps":
        peak_mappings(sys.argv[2:])
    child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    start = time.time()
    rows = []
    while child.poll() is None:
        try:
            fields = sample(child.pid)
        except (FileNotFoundError, ProcessLookupError):
            break
        if "VmRSS" in fields:
            rows.append((1000 * (time.time() - start), fields["VmRSS"], fields.get("RssAnon", 0), fields.get("RssFile", 0)))
        time.sleep(0.003)
    stderr = child.stderr.read().strip().splitlines()
    print(stderr[0] if stderr else f"(exit {child.returncode}, no stderr)")
    last = None
    for row in rows:
        if last is None or abs(row[1] - last[1]) > 0.8:
            print(f"{row[0]:8.1f} ms  rss {row[1]:7.1f} MB  anon {row[2]:7.1f}  file {row[3]:7.1f}")
            last = row
    if rows:
        peak = max(rows, key=lambda r: r[1])
        print(f"peak {peak[1]:.1f} MB at {peak[0]:.1f} ms (anon {peak[2]:.1f}, file {peak[3]:.1f})")
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
