"""A scan's working state on disk, so that a killed run resumes where it stopped.

``OUT/.wiretrace-scan/`` holds the documents (SQLite), each stage's arrays (written
atomically, so a stage is either wholly there or not at all) and ``checked.jsonl``, one
line per candidate pair already judged. A kill can cut only that file's last line short;
it is dropped on resume and its pair judged again, so nothing is lost or counted twice.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from wiretrace.errors import WiretraceError
from wiretrace.outputs import atomic_write_text
from wiretrace.scan.records import Problem, Record

WORK_DIR = ".wiretrace-scan"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, text TEXT NOT NULL,
    title TEXT, date TEXT, outlet TEXT, url TEXT, origin TEXT
);
CREATE TABLE IF NOT EXISTS problems (origin TEXT, reason TEXT);
"""


class ScanStore:
    """The working directory of one scan."""

    def __init__(self, out_dir: Path, fingerprint: str, *, fresh: bool = False) -> None:
        self.root = out_dir / WORK_DIR
        if fresh and self.root.exists():
            for path in self.root.iterdir():
                path.unlink()
        self.root.mkdir(parents=True, exist_ok=True)
        state = self._state()
        if state.get("fingerprint") not in (None, fingerprint):
            raise WiretraceError(
                f"{out_dir} holds a scan of other inputs or settings; give another --out, or add --fresh to start over"
            )
        if "fingerprint" not in state:
            self._save_state({"fingerprint": fingerprint, "done": []})

    # -- stages -------------------------------------------------------------------------
    def done(self, stage: str) -> bool:
        """Whether ``stage`` finished in an earlier run (or this one)."""
        return stage in self._state().get("done", [])

    def mark_done(self, stage: str) -> None:
        """Record that ``stage`` finished; its files are already in place."""
        state = self._state()
        state["done"] = [*state.get("done", []), stage]
        self._save_state(state)

    def _state(self) -> dict[str, Any]:
        path = self.root / "state.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def _save_state(self, state: dict[str, Any]) -> None:
        atomic_write_text(self.root / "state.json", json.dumps(state))

    # -- documents ----------------------------------------------------------------------
    def connect(self) -> sqlite3.Connection:
        """A connection to the document table (one per process)."""
        connection = sqlite3.connect(self.root / "docs.sqlite", timeout=60)
        connection.executescript(_SCHEMA)
        return connection

    def load_documents(self, items: Iterable[Record | Problem], batch: int = 500) -> None:
        """Store the corpus, replacing anything a killed earlier ingest left behind."""
        with self.connect() as connection:
            connection.execute("DELETE FROM docs")
            connection.execute("DELETE FROM problems")
            pending: list[tuple[Any, ...]] = []
            for item in items:
                if isinstance(item, Problem):
                    connection.execute("INSERT INTO problems VALUES (?, ?)", (item.origin, item.reason))
                    continue
                pending.append(
                    (item.id, item.text, item.title, item.date, item.outlet, item.url, item.origin)
                )
                if len(pending) >= batch:
                    _insert(connection, pending)
                    pending = []
            _insert(connection, pending)
        self.mark_done("ingest")

    def count(self) -> int:
        """How many documents the corpus holds."""
        with self.connect() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def problems(self) -> list[Problem]:
        """Every document skipped while reading, in reading order."""
        with self.connect() as connection:
            rows = connection.execute("SELECT origin, reason FROM problems ORDER BY rowid").fetchall()
        return [Problem(origin, reason) for origin, reason in rows]

    def records(self, numbers: Iterable[int] | None = None) -> Iterator[tuple[int, Record]]:
        """Documents by number (0-based, in reading order), streamed from disk."""
        connection = self.connect()
        try:
            if numbers is None:
                rows: Iterable[tuple[Any, ...]] = connection.execute(
                    "SELECT n, id, text, title, date, outlet, url, origin FROM docs ORDER BY n"
                )
                yield from ((n - 1, Record(*rest)) for n, *rest in rows)
                return
            for number in numbers:
                row = connection.execute(
                    "SELECT id, text, title, date, outlet, url, origin FROM docs WHERE n = ?", (number + 1,)
                ).fetchone()
                yield number, Record(*row)
        finally:
            connection.close()

    def ids_and_dates(self) -> tuple[list[str], dict[str, str | None]]:
        """Every document id in order, and each one's date."""
        with self.connect() as connection:
            rows = connection.execute("SELECT id, date FROM docs ORDER BY n").fetchall()
        return [r[0] for r in rows], {r[0]: r[1] for r in rows}

    # -- arrays -------------------------------------------------------------------------
    def save_arrays(self, name: str, **arrays: np.ndarray) -> None:
        """Write a stage's arrays whole, or not at all."""
        tmp = self.root / f".{name}.npz.part"
        with tmp.open("wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.root / f"{name}.npz")

    def array_names(self, name: str) -> list[str]:
        """The names of the arrays saved under ``name``."""
        with np.load(self.root / f"{name}.npz") as data:
            return list(data.files)

    def load_arrays(self, name: str, keys: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """Arrays saved by :meth:`save_arrays`: all of them, or those named in ``keys``."""
        with np.load(self.root / f"{name}.npz") as data:
            return {key: data[key] for key in (data.files if keys is None else keys)}

    # -- judged pairs -------------------------------------------------------------------
    def checked_pairs(self) -> list[dict[str, Any]]:
        """Pairs judged so far; a line cut short by a kill is dropped from the file."""
        path = self.root / "checked.jsonl"
        if not path.is_file():
            return []
        records, good_bytes = [], 0
        with path.open("rb") as handle:
            for line in handle:
                if not line.endswith(b"\n"):
                    break
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    break
                good_bytes += len(line)
        if good_bytes != path.stat().st_size:
            with path.open("r+b") as handle:
                handle.truncate(good_bytes)
        return records

    def append_checked(self) -> CheckedWriter:
        """A writer that appends judged pairs durably."""
        return CheckedWriter(self.root / "checked.jsonl")


def checked_line(record: dict[str, Any]) -> str:
    """A judged pair as a line of ``checked.jsonl``.

    Judging workers make their lines themselves: sending records to the writing process
    as Python objects cost it more than writing them (unpickling, then encoding again).
    """
    return json.dumps(record, ensure_ascii=False) + "\n"


class CheckedWriter:
    """Appends one JSON line per judged pair, syncing to disk every ``every`` lines."""

    def __init__(self, path: Path, every: int = 200) -> None:
        self._handle = path.open("a", encoding="utf-8")
        self._every = every
        self._pending = 0

    def write(self, record: dict[str, Any]) -> None:
        """Append one record."""
        self.write_line(checked_line(record))

    def write_line(self, line: str) -> None:
        """Append one record already made a line by :func:`checked_line`."""
        self._handle.write(line)
        self._pending += 1
        if self._pending >= self._every:
            self.sync()

    def sync(self) -> None:
        """Make everything written so far durable."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._pending = 0

    def close(self) -> None:
        """Sync and close."""
        self.sync()
        self._handle.close()

    def __enter__(self) -> CheckedWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _insert(connection: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        connection.executemany(
            "INSERT INTO docs (id, text, title, date, outlet, url, origin) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
        )
