"""The garbage collector's settings for worker processes of the corpus engines.

Aligning a document against many others builds millions of small objects (profiles,
tokens, facts) that stay in a worker's caches for as long as the worker runs. With
Python's default thresholds a fifth of a scan worker's time went into scanning them again
and again; these settings spare it that without changing any result.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between collections of the youngest generation (Python's default is 700),
#: and how many collections of each generation trigger one of the next.
WORKER_THRESHOLDS = (50_000, 20, 100)


def tune_worker_collector() -> None:
    """Set this process's collector for a long run over many long-lived objects.

    Meant as a process pool's ``initializer``. What the process holds now (for a forked
    worker, what its parent held) is frozen and never scanned again; later objects are
    collected after 50,000 allocations instead of 700. On the scan benchmark corpus the
    judging stage took 143 and 151 s instead of 169 and 190 s, and ``bench/pan.py`` 96
    and 102 s instead of 106 and 108 s, with the same results (docs/benchmarks.md).
    """
    gc.freeze()
    gc.set_threshold(*WORKER_THRESHOLDS)


@contextmanager
def tuned_collector() -> Iterator[None]:
    """:func:`tune_worker_collector` for work done in this process, undone afterwards.

    >>> before = gc.get_threshold()
    >>> with tuned_collector():
    ...     gc.get_threshold() == WORKER_THRESHOLDS
    True
    >>> gc.get_threshold() == before
    True
    """
    before = gc.get_threshold()
    tune_worker_collector()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
