"""Peak memory of a process and all its children, sampled from /proc (Linux).

`ru_maxrss` reports the largest single process, which undercounts a pool of workers;
this sums the resident memory of the whole tree at each sample and keeps the maximum.

Two sums are kept. RSS counts a page shared by several processes (a forked worker's
copy-on-write memory, a shared library) once per process, so it overstates a forked pool.
PSS (proportional set size, from /proc/PID/smaps_rollup) splits each shared page between
the processes that share it, so the tree's PSS is the memory the run really occupies.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path
from typing import NamedTuple


class Measured(NamedTuple):
    """A finished run: wall time, peak tree RSS and PSS in MB, and exit status."""

    wall: float
    peak_rss_mb: float
    peak_pss_mb: float
    status: int


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(x) for x in task.read_text().split()]
        except OSError:
            continue
    return found


def _status_kb(pid: int, path: str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        stack += _children(p)
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every descendant, in MB (shared pages counted per process)."""
    return sum(_status_kb(p, "status", "VmRSS:") for p in _tree(pid)) / 1024


def tree_pss_mb(pid: int) -> float:
    """Proportional memory of ``pid`` and every descendant, in MB (shared pages split between them)."""
    return sum(_status_kb(p, "smaps_rollup", "Pss:") for p in _tree(pid)) / 1024


def run_measured(cmd: list[str], interval: float = 0.2, **kwargs: object) -> Measured:
    """Run ``cmd``; return its wall time, peak tree RSS and PSS, and exit status."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **kwargs)  # type: ignore[call-overload]
    peak_rss = peak_pss = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        count = 0
        while not done.is_set():
            peak_rss = max(peak_rss, tree_rss_mb(proc.pid))
            # Reading smaps_rollup walks the page tables and slows a big process down; do it 1 time in 5.
            if count % 5 == 0:
                peak_pss = max(peak_pss, tree_pss_mb(proc.pid))
            count += 1
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return Measured(wall, peak_rss, peak_pss, status)
