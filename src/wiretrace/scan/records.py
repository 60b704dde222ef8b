"""Reading a corpus: folders of text or HTML files, JSON Lines, CSV, each maybe gzip or bz2.

Every reader yields :class:`Record` objects, and a :class:`Problem` for each document it
had to skip, with the file and line it came from. Nothing is dropped silently: the engines
count problems in the run summary.

JSON Lines records carry ``id`` and ``text``, and may carry ``title``, ``date``, ``outlet``
(or ``series``, as in passim) and ``url``. CSV files use the same column names unless a
column mapping says otherwise, for example ``{"id": "article_id", "text": "body"}``.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from wiretrace.errors import InputError
from wiretrace.ingest import DEFAULT_MAX_BYTES, decode_bytes, document_from_html

FIELDS = ("id", "text", "title", "date", "outlet", "url")
_TEXT_SUFFIXES = {".txt", ".text"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_CSV_SUFFIXES = {".csv"}
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open}


@dataclass(frozen=True, slots=True)
class Record:
    """One document of a corpus, as read."""

    id: str
    text: str
    title: str | None = None
    date: str | None = None
    outlet: str | None = None
    url: str | None = None
    origin: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """A document that was skipped, where it was, and why."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


def read_corpus(
    inputs: Iterable[str | Path],
    *,
    columns: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Record | Problem]:
    """Yield every document of the inputs, and a :class:`Problem` for each one skipped.

    A document whose id was already seen is a problem too: the first one is kept.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "c.jsonl").write_text('{"id": "x", "text": "Rain fell."}\\n{"id": "x", "text": "Again."}\\n')
    >>> items = list(read_corpus([folder / "c.jsonl"]))
    >>> items[0].id, str(items[1]).split(": ", 1)[1]  # doctest: +ELLIPSIS
    ('x', "duplicate id 'x' (first at ...c.jsonl:1); skipped")
    """
    first_seen: dict[str, str] = {}
    for source in inputs:
        for item in _read_input(Path(source), columns or {}, max_bytes):
            if isinstance(item, Record):
                if item.id in first_seen:
                    yield Problem(
                        item.origin, f"duplicate id {item.id!r} (first at {first_seen[item.id]}); skipped"
                    )
                    continue
                first_seen[item.id] = item.origin
            yield item


def _read_input(path: Path, columns: Mapping[str, str], max_bytes: int) -> Iterator[Record | Problem]:
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        yield from _read_folder(path, max_bytes)
        return
    kind = _kind(path)
    if kind == "jsonl":
        yield from _read_jsonl(path, columns)
    elif kind == "csv":
        yield from _read_csv(path, columns)
    elif kind in ("text", "html"):
        yield _read_text_file(path, path.name, max_bytes)
    else:
        raise InputError(f"{path}: not a folder, .txt, .html, .jsonl or .csv file (optionally .gz or .bz2)")


def _kind(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    for kind, known in (
        ("jsonl", _JSONL_SUFFIXES),
        ("csv", _CSV_SUFFIXES),
        ("text", _TEXT_SUFFIXES),
        ("html", _HTML_SUFFIXES),
    ):
        if last in known:
            return kind
    return None


def _read_folder(folder: Path, max_bytes: int) -> Iterator[Record | Problem]:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if _kind(path) not in ("text", "html"):
            continue
        yield _read_text_file(path, path.relative_to(folder).as_posix(), max_bytes)


def _read_text_file(path: Path, doc_id: str, max_bytes: int) -> Record | Problem:
    origin = str(path)
    try:
        with _open_binary(path) as handle:
            data = handle.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        return Problem(origin, f"cannot be read ({exc})")
    if len(data) > max_bytes:
        return Problem(origin, f"larger than the {max_bytes / 1e6:.1f} MB limit; skipped")
    try:
        text = decode_bytes(data, origin)
        if _kind(path) == "html":
            doc = document_from_html(text, doc_id=doc_id, label=origin)
            return Record(doc.id, doc.text, doc.title, doc.date, None, doc.url, origin)
    except InputError as exc:
        return Problem(origin, _without_label(str(exc), origin) + "; skipped")
    if not text.strip():
        return Problem(origin, "is empty; skipped")
    return Record(doc_id, text, origin=origin)


def _read_jsonl(path: Path, columns: Mapping[str, str]) -> Iterator[Record | Problem]:
    number = 0
    try:
        with _open_binary(path) as handle:
            for number, raw in enumerate(handle, start=1):
                yield from _jsonl_line(raw, f"{path}:{number}", columns)
    except (OSError, EOFError) as exc:
        yield Problem(f"{path}:{number + 1}", f"cannot be read ({exc}); the rest of the file is skipped")


def _jsonl_line(raw: bytes, origin: str, columns: Mapping[str, str]) -> Iterator[Record | Problem]:
    if not raw.strip():
        return
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        yield Problem(origin, "not UTF-8; skipped")
        return
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        yield Problem(origin, f"malformed JSON ({exc.msg}); skipped")
        return
    if not isinstance(value, dict):
        yield Problem(origin, "a line must hold a JSON object; skipped")
        return
    yield _record_from_fields(value, columns, origin)


def _read_csv(path: Path, columns: Mapping[str, str]) -> Iterator[Record | Problem]:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                yield _record_from_fields(row, columns, f"{path}:{reader.line_num}")
        except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
            yield Problem(
                f"{path}:{reader.line_num + 1}", f"unreadable CSV ({exc}); the rest of the file is skipped"
            )


def _record_from_fields(
    value: Mapping[str, object], columns: Mapping[str, str], origin: str
) -> Record | Problem:
    fields: dict[str, str | None] = {}
    for name in FIELDS:
        key = columns.get(name, name)
        raw = value.get(key)
        if raw is None and name == "outlet":
            raw = value.get(columns.get("series", "series"))
        fields[name] = None if raw is None or raw == "" else str(raw)
    if fields["id"] is None:
        return Problem(origin, f"no {columns.get('id', 'id')!r} field; skipped")
    if fields["text"] is None or not fields["text"].strip():
        return Problem(origin, f"no {columns.get('text', 'text')!r} field, or it is empty; skipped")
    return Record(
        id=fields["id"],
        text=fields["text"],
        title=fields["title"],
        date=fields["date"],
        outlet=fields["outlet"],
        url=fields["url"],
        origin=origin,
    )


def _open_binary(path: Path) -> IO[bytes]:
    opener = _COMPRESSED.get(path.suffix.lower())
    return opener(path, "rb") if opener else path.open("rb")  # type: ignore[return-value]


def _open_text(path: Path) -> IO[str]:
    try:
        raw = _open_binary(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _without_label(message: str, label: str) -> str:
    return message.removeprefix(label).lstrip(": ").strip()
