#!/usr/bin/env python3
"""Runs a command and reports its wall time and peak memory, split the way the kernel counts
it: RssAnon (heap, stacks: memory the process owns) and RssFile (pages of mapped files such as
pack files: page cache the kernel can drop), sampled every 10 ms from /proc/PID/status, plus
the exact VmHWM (peak RSS, what `/usr/bin/time -f %M` reports).

    benches/rss.py -- keyreach scan REPO --history --format json --output /tmp/out.json
"""
import subprocess, sys, time

def status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "RssAnon", "RssFile"):
                    out[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out

args = sys.argv[1:]
if args and args[0] == "--":
    args = args[1:]
if not args:
    sys.exit(__doc__)
start = time.monotonic()
proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
peak = {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}
while proc.poll() is None:
    for key, value in status(proc.pid).items():
        peak[key] = max(peak[key], value)
    time.sleep(0.01)
wall = time.monotonic() - start
mib = {k: v / 1024 for k, v in peak.items()}
print(f"wall {wall:.2f} s  peak RSS {mib['VmHWM']:.0f} MiB  "
      f"(anon {mib['RssAnon']:.0f} MiB, file-backed {mib['RssFile']:.0f} MiB)  exit {proc.returncode}")
