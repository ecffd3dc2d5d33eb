#!/usr/bin/env python3
"""Resident memory of a command through its run, from /proc/PID/status every 3 ms.

    benches/rss_timeline.py COMMAND [ARGS...]

Prints the command's first stderr line, then a row each time the total resident memory moves
by more than 0.8 MB (milliseconds since start, total, anonymous and file-backed MB), and the
peak. GNU time's %M gives the peak alone; this says when it happens and what it is made of
(BENCHMARKS.md, "Stop 30": kiln's peak at 31,200 constraints is late in proving, anonymous).
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


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
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
