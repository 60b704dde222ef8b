"""A persistent index of source documents, for monitoring new articles against them.

One SQLite file holds everything: the documents with their segmentation and the facts of
their sentences (so that ``match`` neither segments nor reads a source again), an FTS5
full-text index of their titles and text, the shingle postings that lexical candidates
come from, and the static-model vectors of their passages for semantic candidates. SQLite runs in WAL mode, so readers
(``match``, the web app) work while a writer adds documents.

Each document is added in one transaction with its postings and vectors: a kill during
``index add`` leaves the index as it was before that document, and adding the same
document again (same id, same text) changes nothing.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "wire.db"
>>> from wiretrace.scan.records import Record
>>> with Index(path, semantic=False) as index:
...     index.add_records([Record("w1", "Floods hit the northern province on Monday, killing five people, "
...                                     "officials said, as rivers burst their banks after days of rain.")]).added
1
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from wiretrace.align import unit_facts
from wiretrace.compare import Comparison, compare_segmented
from wiretrace.document import Document, Role, spans_from_array, units_as_array
from wiretrace.embed import DEFAULT_MODEL
from wiretrace.errors import InputError, WiretraceError
from wiretrace.facts import FACTS_VERSION, Fact, FactKind
from wiretrace.scan.candidates import nearest, stored_vector_index
from wiretrace.scan.features import passages, shingles
from wiretrace.scan.pairs import SCAN_ALIGN, DocumentCache
from wiretrace.scan.records import Problem, Record, read_corpus
from wiretrace.segment import SEGMENTER_VERSION, segment

_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, text TEXT NOT NULL, title TEXT,
    date TEXT, outlet TEXT, url TEXT, digest TEXT NOT NULL, units BLOB, facts BLOB
);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, text, content='docs', content_rowid='n');
CREATE TRIGGER IF NOT EXISTS docs_ai AFTER INSERT ON docs BEGIN
    INSERT INTO docs_fts(rowid, title, text) VALUES (new.n, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS docs_ad AFTER DELETE ON docs BEGIN
    INSERT INTO docs_fts(docs_fts, rowid, title, text) VALUES ('delete', old.n, old.title, old.text);
END;
CREATE TABLE IF NOT EXISTS postings (hash INTEGER NOT NULL, doc INTEGER NOT NULL, window INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS postings_doc ON postings(doc);
CREATE TABLE IF NOT EXISTS vectors (doc INTEGER NOT NULL, start INTEGER, end INTEGER, vector BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS vectors_doc ON vectors(doc);
"""
#: Brings a file made by an earlier version up to date. The postings index covers the
#: lookup by hash, so matching reads the index alone; it replaces the hash-only index of
#: older files (half the lookup time for an 800-word article).
_UPGRADE = """
DROP INDEX IF EXISTS postings_hash;
CREATE INDEX IF NOT EXISTS postings_lookup ON postings(hash, doc, window);
"""
_WINDOW = 30
_QUERY_CHUNK = 900  # SQLite's limit on bound parameters is 999 in older builds


@dataclass(slots=True)
class AddReport:
    """What ``index add`` did."""

    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Match:
    """An indexed source that a new article reuses, and how (compare's report)."""

    source: str
    #: Most non-boilerplate shingles shared by one window of each (0: found by meaning only).
    shared: int
    #: Best cosine of a passage pair under the static model (0.0: found by shared words only).
    similarity: float
    comparison: Comparison

    def to_dict(self) -> dict[str, Any]:
        """The match as JSON-ready data: the evidence, then compare's full report."""
        return {
            "source": self.source,
            "shared": self.shared,
            "similarity": round(self.similarity, 4),
            "report": self.comparison.to_dict(),
        }


class Index:
    """A monitoring index in one SQLite file; see the module docstring."""

    def __init__(
        self,
        path: str | Path,
        *,
        model: str = DEFAULT_MODEL,
        semantic: bool = True,
        max_df: int = 50,
        min_shared: int = 4,
        semantic_threshold: float = 0.86,
        layout: bool = True,
        create: bool = True,
    ) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise InputError(f"{self.path}: no such index; create it with 'wiretrace index add'")
        if self.path.is_dir():
            raise InputError(f"{self.path} is a folder; give the index file's name")
        try:
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path} is not a wiretrace index ({exc})") from exc
        self.model = self._setting("model", model)
        self.semantic = self._setting("semantic", str(semantic)) == "True"
        self.layout = self._setting("layout", str(layout)) == "True"
        self._store_units, self._store_facts = self._upgrade()
        self.max_df = max_df
        self.min_shared = min_shared
        self.semantic_threshold = semantic_threshold
        self._vectors: tuple[int, np.ndarray, Any, np.ndarray] | None = None
        self._cache = DocumentCache(layout=self.layout, size=512)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def _upgrade(self) -> tuple[bool, bool]:
        """Update a file made by an earlier version; say whether documents keep their units,
        and whether they keep their facts.

        Stored segmentations must be this segmenter's: a file whose units another version
        of wiretrace or nupunkt made has its sources segmented afresh at match time. Facts
        are stored by unit, so they need the units and this version's fact rules. A
        read-only file of an earlier version is read as it is, without either.
        """
        try:
            self._db.executescript(_UPGRADE)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(docs)")}
            for column in ("units", "facts"):
                if column not in columns:
                    self._db.execute(f"ALTER TABLE docs ADD COLUMN {column} BLOB")
            units = self._setting("segmenter", SEGMENTER_VERSION) == SEGMENTER_VERSION
            facts = self._setting("facts", FACTS_VERSION) == FACTS_VERSION
            return units, units and facts
        except sqlite3.OperationalError:
            return False, False

    def _setting(self, key: str, default: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row:
            return str(row[0])
        self._db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, default))
        return default

    # -- adding -----------------------------------------------------------------------------
    def add(
        self,
        inputs: Sequence[str | Path],
        *,
        columns: dict[str, str] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AddReport:
        """Add every document of the inputs (as ``wiretrace scan`` reads them)."""
        return self.add_records(read_corpus(inputs, columns=columns), progress=progress)

    def add_records(
        self, items: Iterable[Record | Problem], *, progress: Callable[[int], None] | None = None
    ) -> AddReport:
        """Add documents one transaction each; the same id with the same text is left alone."""
        report = AddReport()
        encode = self._encoder() if self.semantic else None
        for count, item in enumerate(items, start=1):
            if isinstance(item, Problem):
                report.skipped.append(str(item))
                continue
            outcome = self._add_one(item, encode)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if progress:
                progress(count)
        return report

    def _add_one(self, record: Record, encode: Callable[[list[str]], np.ndarray] | None) -> str:
        digest = hashlib.sha256(record.text.encode()).hexdigest()
        row = self._db.execute("SELECT n, digest FROM docs WHERE id = ?", (record.id,)).fetchone()
        if row and row[1] == digest:
            return "unchanged"
        values = shingles(record.text)
        doc = _segmented(record, self.layout) if self._store_units else None
        units = _encode_units(doc) if doc else None
        facts = _encode_facts(doc) if doc and self._store_facts else None
        spans = passages(record.text)
        vectors = encode([record.text[p.start : p.end] for p in spans]) if encode and spans else None
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if row:
                self._delete(row[0])
            cursor = self._db.execute(
                "INSERT INTO docs (id, text, title, date, outlet, url, digest, units, facts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.text,
                    record.title,
                    record.date,
                    record.outlet,
                    record.url,
                    digest,
                    units,
                    facts,
                ),
            )
            number = int(cursor.lastrowid or 0)
            postings = {(int(h), (i // _WINDOW)) for i, h in enumerate(values.view(np.int64).tolist())}
            self._db.executemany(
                "INSERT INTO postings VALUES (?, ?, ?)", [(h, number, w) for h, w in postings]
            )
            if vectors is not None:
                self._db.executemany(
                    "INSERT INTO vectors VALUES (?, ?, ?, ?)",
                    [
                        (number, p.start, p.end, v.astype(np.float32).tobytes())
                        for p, v in zip(spans, vectors, strict=True)
                    ],
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return "replaced" if row else "added"

    def _delete(self, number: int) -> None:
        self._db.execute("DELETE FROM postings WHERE doc = ?", (number,))
        self._db.execute("DELETE FROM vectors WHERE doc = ?", (number,))
        self._db.execute("DELETE FROM docs WHERE n = ?", (number,))

    def _encoder(self) -> Callable[[list[str]], np.ndarray]:
        from wiretrace.static import get_static_model

        model = get_static_model(self.model)
        return lambda texts: model.encode(texts, batch_size=1024)

    # -- reading ------------------------------------------------------------------------------
    def get(self, doc_id: str) -> Record:
        """The indexed document with this id."""
        row = self._db.execute(
            "SELECT id, text, title, date, outlet, url FROM docs WHERE id = ?", (doc_id,)
        ).fetchone()
        if row is None:
            raise InputError(f"no document {doc_id!r} in {self.path}")
        return Record(*row, origin=str(self.path))

    def ids(self, limit: int = 1000, offset: int = 0) -> list[str]:
        """Document ids in the order they were added."""
        rows = self._db.execute("SELECT id FROM docs ORDER BY n LIMIT ? OFFSET ?", (limit, offset))
        return [r[0] for r in rows]

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Documents matching words of ``query`` (FTS5 syntax is not needed: words are quoted)."""
        expression = fts_query(query)
        if not expression:
            return []
        rows = self._db.execute(
            "SELECT d.id, d.title, d.date, snippet(docs_fts, 1, '[', ']', ' … ', 12) "
            "FROM docs_fts JOIN docs d ON d.n = docs_fts.rowid WHERE docs_fts MATCH ? ORDER BY rank LIMIT ?",
            (expression, limit),
        ).fetchall()
        return [{"id": r[0], "title": r[1], "date": r[2], "snippet": r[3]} for r in rows]

    # -- matching -----------------------------------------------------------------------------
    def match(self, article: Record, *, limit: int = 10) -> list[Match]:
        """Which indexed sources ``article`` reuses, best first, each with compare's report."""
        values = shingles(article.text)
        lexical = self._lexical_candidates(values)
        semantic = self._semantic_candidates(article.text) if self.semantic else {}
        found = {n: (lexical.get(n, 0), semantic.get(n, 0.0)) for n in {*lexical, *semantic}}
        ranked = sorted(found, key=lambda n: (-found[n][0], -found[n][1]))[: limit * 3]
        # Every candidate already shares ``min_shared`` shingles in one window, or a passage
        # at least ``semantic_threshold`` alike: each is worth comparing.
        candidates = [(number, *found[number]) for number in ranked]
        matches = self._judge(article, candidates)
        matches.sort(key=lambda m: (-m.comparison.verdict.containment, m.source))
        return matches[:limit]

    def _judge(self, article: Record, candidates: list[tuple[int, int, float]]) -> list[Match]:
        """Compare ``article`` with each candidate ``(source, shared, similarity)``; keep the
        sources it reuses."""
        doc, prof = self._cache.get(article)
        matches: list[Match] = []
        for number, shared, similarity in candidates:
            source, units, facts = self._record(number)
            if source.id == article.id:
                continue
            s_doc, s_prof = self._cache.get(source, units)
            if facts is not None and s_doc.facts is None:
                s_doc.facts = _decode_facts(facts, source.text)
            comparison = compare_segmented(s_doc, doc, s_prof, prof, SCAN_ALIGN)
            if comparison.verdict.derived != "none":
                matches.append(Match(source.id, shared, similarity, comparison))
        return matches

    def _record(self, number: int) -> tuple[Record, list[tuple[int, int, Role]] | None, bytes | None]:
        """An indexed document, with its stored segmentation and facts where they can be used."""
        # A read-only old file has neither column.
        units_column = "units" if self._store_units else "NULL"
        facts_column = "facts" if self._store_facts else "NULL"
        row = self._db.execute(
            f"SELECT id, text, title, date, outlet, url, {units_column}, {facts_column} FROM docs WHERE n = ?",
            (number,),
        ).fetchone()
        units = _decode_units(row[6]) if row[6] is not None else None
        facts = row[7] if units is not None else None
        return Record(*row[:6], origin=str(self.path)), units, facts

    def _lexical_candidates(self, values: np.ndarray) -> dict[int, int]:
        """Indexed documents with a window sharing ``min_shared`` shingles with one of the article's."""
        positions: dict[int, list[int]] = defaultdict(list)
        for i, h in enumerate(values.view(np.int64).tolist()):
            positions[h].append(i)
        hits: dict[int, list[tuple[int, int]]] = defaultdict(list)
        keys = list(positions)
        for first in range(0, len(keys), _QUERY_CHUNK):
            chunk = keys[first : first + _QUERY_CHUNK]
            marks = ",".join("?" * len(chunk))
            for h, doc, window in self._db.execute(
                f"SELECT hash, doc, window FROM postings WHERE hash IN ({marks})", chunk
            ):
                hits[h].append((doc, window))
        counts: dict[tuple[int, int, int], int] = defaultdict(int)
        for h, found in hits.items():
            if len({doc for doc, _ in found}) > self.max_df:
                continue  # boilerplate: in too many indexed documents
            article_windows = {p // _WINDOW for p in positions[h]} | {
                (p + _WINDOW // 2) // _WINDOW + 10**6 for p in positions[h]
            }
            for doc, window in set(found):
                for own in article_windows:
                    counts[(doc, window, own)] += 1
        best: dict[int, int] = {}
        for (doc, _, _), count in counts.items():
            if count >= self.min_shared and count > best.get(doc, 0):
                best[doc] = count
        return best

    def _semantic_candidates(self, text: str) -> dict[int, float]:
        spans = passages(text)
        if not spans:
            return {}
        owners, index, vectors = self._vector_index()
        if index is None:
            return {}
        queries = self._encoder()([text[p.start : p.end] for p in spans])
        sims, found = nearest(index, vectors, queries.astype(np.float32), min(8, index.ntotal))
        best: dict[int, float] = {}
        for sim, position in zip(sims.ravel().tolist(), found.ravel().tolist(), strict=True):
            if position >= 0 and sim >= self.semantic_threshold:
                doc = int(owners[position])
                best[doc] = max(best.get(doc, 0.0), sim)
        return best

    def _vector_index(self) -> tuple[np.ndarray, Any, np.ndarray]:
        """All passage vectors in a faiss index, rebuilt when documents were added since:
        ``(owners, index, vectors)``."""
        stamp = self._db.execute("SELECT COUNT(*), MAX(rowid), TOTAL(rowid) FROM vectors").fetchone()
        if self._vectors is not None and self._vectors[0] == stamp:
            return self._vectors[1:]
        if stamp[0] == 0:
            return np.zeros(0, dtype=np.int64), None, np.zeros((0, 0), dtype=np.float32)
        rows = self._db.execute("SELECT doc, vector FROM vectors ORDER BY rowid").fetchall()
        owners = np.array([r[0] for r in rows], dtype=np.int64)
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        matrix = np.ascontiguousarray(matrix)
        self._vectors = (stamp, owners, stored_vector_index(matrix, self._faiss_file(matrix)), matrix)
        return self._vectors[1:]

    def _faiss_file(self, matrix: np.ndarray) -> Path:
        """Where the trained faiss index of these vectors is kept, beside the database.

        The file is named by a digest of the vectors themselves; files kept for other
        vectors are removed.
        """
        digest = xxhash.xxh3_128_hexdigest(matrix.tobytes())[:20]
        path = self.path.with_name(f"{self.path.name}.{digest}.faiss")
        for stale in self.path.parent.glob(f"{glob.escape(self.path.name)}.*.faiss"):
            if stale != path:
                with contextlib.suppress(OSError):  # a read-only folder keeps its files
                    stale.unlink(missing_ok=True)
        return path


_FACT_KINDS = list(FactKind)


def _segmented(record: Record, layout: bool) -> Document:
    doc = Document(record.id, record.text)
    segment(doc, layout=layout)
    return doc


def _encode_units(doc: Document) -> bytes:
    """A document's segmentation, stored: segmenting a long source was a sixth of a match."""
    return units_as_array(doc.units).tobytes()


def _encode_facts(doc: Document) -> bytes:
    """The facts of a segmented document's units as ``(unit, start, end, kind)`` int32 rows:
    reading the facts of a source was a third of a match."""
    rows = [
        (unit, f.start, f.end, _FACT_KINDS.index(f.kind))
        for unit, found in unit_facts(doc).items()
        for f in found
    ]
    return np.array(rows, dtype=np.int32).reshape(-1, 4).tobytes()


def _decode_facts(blob: bytes, text: str) -> dict[int, list[Fact]]:
    """Facts by unit index; their text is read from the document, by offsets."""
    facts: dict[int, list[Fact]] = {}
    for unit, start, end, kind in np.frombuffer(blob, dtype=np.int32).reshape(-1, 4).tolist():
        facts.setdefault(unit, []).append(Fact(_FACT_KINDS[kind], text[start:end], start, end))
    return facts


def _decode_units(blob: bytes) -> list[tuple[int, int, Role]]:
    return spans_from_array(np.frombuffer(blob, dtype=np.int32))


def fts_query(query: str) -> str:
    """An FTS5 expression that needs every word of ``query``; FTS5's own syntax is taken literally.

    >>> fts_query('flood "warning" NEAR(x)')
    '"flood" "warning" "NEAR" "x"'
    """
    return " ".join(f'"{word}"' for word in re.findall(r"\w+", query))


def open_index(path: str | Path) -> Index:
    """Open an existing index, refusing a path that holds none."""
    try:
        return Index(path, create=False)
    except sqlite3.Error as exc:
        raise WiretraceError(f"{path}: {exc}") from exc
