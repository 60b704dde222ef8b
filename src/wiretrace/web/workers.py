"""Comparisons for the web app, run in worker processes that each load the model once.

A comparison is seconds of CPU work in Python. Run in threads, it would hold the GIL and
make the event loop (the pages, the health check) wait; in processes, the server's own
process stays free to answer while comparisons queue for a worker.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from wiretrace.compare import compare
from wiretrace.document import Document
from wiretrace.embed import Encoder, get_encoder

_encoder: Encoder | None = None
_semantic = True


def _start_worker(model: str, semantic: bool) -> None:
    global _encoder, _semantic
    # Ctrl+C reaches the whole process group; the server shuts the workers down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _semantic = semantic
    _encoder = get_encoder(model) if semantic else None


def _exit_with_parent(parent: int) -> None:
    """End this worker when the server is gone, even if it was killed and could not say so."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _ready(pause: float) -> bool:
    time.sleep(pause)  # keeps each worker busy a moment, so every worker starts during warm-up
    return True


def _compare_job(doc_a: Document, doc_b: Document, layout: bool) -> dict[str, Any]:
    return compare(doc_a, doc_b, semantic=_semantic, encoder=_encoder, layout=layout).to_dict()


class ComparePool:
    """A pool of ``workers`` processes that compare documents; started on first use or by :meth:`start`."""

    def __init__(self, workers: int, model: str, semantic: bool) -> None:
        self._workers = workers
        self._model = model
        self._semantic = semantic
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start every worker now and wait until each has loaded the model."""
        pool = self._get()
        list(pool.map(_ready, [0.3] * self._workers))

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self._model, self._semantic),
                )
            return self._pool

    async def compare(self, doc_a: Document, doc_b: Document, layout: bool) -> dict[str, Any]:
        """The compare report of two documents, computed by a worker."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._get(), _compare_job, doc_a, doc_b, layout)
        except BrokenProcessPool:
            self._discard()  # a worker died (killed, out of memory): the next request gets a fresh pool
            raise

    def _discard(self, wait: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers once running comparisons end; queued ones are cancelled."""
        self._discard(wait=True)
