"""Runs a command and reports the peak memory of it and all its descendants together (the sum of
their resident sets, sampled every 0.2 s from /proc): Spark's driver JVM, Python workers and all.
GNU time's figure misses processes the command never waits for.

    python3 scripts/peak-rss.py OUT_FILE CMD...     (writes the peak in MiB to OUT_FILE)
"""

import os
import subprocess
import sys
import time


def tree_rss_kib(root: int) -> int:
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, ValueError, IndexError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            continue
    return total


def main():
    out, command = sys.argv[1], sys.argv[2:]
    process = subprocess.Popen(command)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kib(process.pid))
        time.sleep(0.2)
    with open(out, "w") as f:
        f.write(f"{peak // 1024}\n")
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
