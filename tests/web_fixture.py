"""A small scanned corpus for the web app's tests, and a live server on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from tests.corpus_fixture import write_corpus
from wiretrace.scan import CandidateOptions, ScanOptions, scan

#: A reworded copy of the floods story whose title and text carry markup and script.
HOSTILE_ID = "hostile-floods"
HOSTILE_TITLE = '<img src=x onerror="window.hacked=1">Floods'
HOSTILE_TEXT = (
    "At least 14 people were killed when floods swept through the northern province of Kandor on "
    "Thursday, the regional governor said. <script>window.hacked=2</script> Rivers burst their banks "
    "after five days of torrential rain. The army sent 600 soldiers and three helicopters to help with "
    'evacuations. <a href="javascript:window.hacked=3">More</a>'
)


def scanned_corpus(folder: Path) -> Path:
    """Scan the test corpus plus the hostile copy; return the scan's output folder."""
    corpus = folder / "corpus.jsonl"
    write_corpus(corpus)
    with corpus.open("a", encoding="utf-8") as handle:
        record = {"id": HOSTILE_ID, "title": HOSTILE_TITLE, "date": "2024-05-05", "text": HOSTILE_TEXT}
        handle.write(json.dumps(record) + "\n")
    out = folder / "out"
    scan([corpus], out, ScanOptions(workers=1, candidates=CandidateOptions(max_df=5)))
    return out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
