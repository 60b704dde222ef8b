"""Peak memory of a process and all its children, sampled from /proc (Linux).

`ru_maxrss` reports the largest single process, which undercounts a pool of workers;
this sums the resident memory of the whole tree at each sample and keeps the maximum.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(x) for x in task.read_text().split()]
        except OSError:
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every descendant, in MB."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += _rss_kb(p)
        stack += _children(p)
    return total / 1024


def run_measured(cmd: list[str], interval: float = 0.2, **kwargs: object) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall seconds, peak tree RSS in MB, exit status)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kwargs)  # type: ignore[call-overload]
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return wall, peak, status
