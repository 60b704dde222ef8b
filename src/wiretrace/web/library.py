"""What the web app reads: the documents, relations and families of a scan and an index.

A :class:`Library` is a read-only view over up to two sources:

- a scan output folder (``wiretrace scan --out DIR``): its documents live in
  ``DIR/.wiretrace-scan/docs.sqlite``, its relations in ``pairs.parquet`` and its families in
  ``families.jsonl``. Word search uses an SQLite FTS5 table kept beside the documents in
  ``search.sqlite``, built on first use and rebuilt whenever the scan changes;
- a monitoring index (``wiretrace index add``), which has documents and FTS5 search but no
  precomputed relations: a document's related documents are found by matching it against
  the rest of the index, on request.

A document id found in both is taken from the scan.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wiretrace.errors import InputError
from wiretrace.index import fts_query, open_index
from wiretrace.scan.records import Record
from wiretrace.scan.store import WORK_DIR

FamilyOrder = Literal["size", "date"]


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document's metadata, as listed on corpus pages."""

    id: str
    title: str | None = None
    date: str | None = None
    outlet: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """One reuse relation seen from a document: the other document and the scan's verdict."""

    other: DocumentInfo
    derived: str | None
    containment: float | None
    coverage: float | None
    direction: Literal["source", "reuser", "unknown"]


@dataclass(frozen=True, slots=True)
class DocumentPage:
    """A document with its text and its relations: the sources it took from, and its reusers."""

    document: DocumentInfo
    text: str
    collection: Literal["scan", "index"]
    family: str | None
    sources: list[Relation] = field(default_factory=list)
    reused_by: list[Relation] = field(default_factory=list)
    related: list[Relation] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FamilySummary:
    """A family as listed: its size, its dates and its originals."""

    family: str
    size: int
    originals: list[DocumentInfo]
    first_date: str | None
    last_date: str | None


@dataclass(frozen=True, slots=True)
class FamilyEdge:
    """Who took from whom inside a family (``direction`` is ``unknown`` where undecided)."""

    source: str
    target: str
    direction: str
    derived: str | None
    containment: float | None


@dataclass(frozen=True, slots=True)
class FamilyPage:
    """A family with every member and every edge, for drawing its reuse graph."""

    family: str
    members: list[DocumentInfo]
    originals: list[str]
    edges: list[FamilyEdge]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A document whose title or text holds the searched words, with a snippet."""

    document: DocumentInfo
    snippet: str
    collection: Literal["scan", "index"]


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    """What is loaded, for the page header."""

    scan: str | None
    index: str | None
    documents: int
    families: int
    relations: int


class Library:
    """Read-only access to a scan output and a monitoring index, safe to share between threads.

    >>> Library().info().documents
    0
    """

    def __init__(self, scan_dir: str | Path | None = None, index_path: str | Path | None = None) -> None:
        self._scan = _ScanView(Path(scan_dir)) if scan_dir is not None else None
        self._index = open_index(index_path) if index_path is not None else None
        self._index_lock = threading.Lock()

    def close(self) -> None:
        """Close the databases."""
        if self._index is not None:
            self._index.close()
        if self._scan is not None:
            self._scan.close()

    def info(self) -> LibraryInfo:
        """Names and counts of what is loaded."""
        scan, index = self._scan, self._index
        documents = (scan.count() if scan else 0) + (len(index) if index else 0)
        return LibraryInfo(
            scan=str(scan.out_dir) if scan else None,
            index=str(index.path) if index else None,
            documents=documents,
            families=len(scan.families) if scan else 0,
            relations=len(scan.relations) if scan else 0,
        )

    # -- documents -----------------------------------------------------------------------------
    def record(self, doc_id: str) -> tuple[Record, Literal["scan", "index"]]:
        """A document's text and metadata, and which collection holds it."""
        if self._scan is not None and (record := self._scan.record(doc_id)) is not None:
            return record, "scan"
        if self._index is not None:
            with self._index_lock:
                try:
                    return self._index.get(doc_id), "index"
                except InputError:
                    pass
        raise KeyError(doc_id)

    def layout(self, collection: Literal["scan", "index"]) -> bool:
        """Whether the collection's documents keep their line layout (see ``--layout``)."""
        if collection == "scan" and self._scan is not None:
            return self._scan.layout
        return self._index.layout if self._index is not None else True

    def documents(self, limit: int = 50, offset: int = 0) -> list[DocumentInfo]:
        """Documents in the order they were read: the scan's first, then the index's."""
        found: list[DocumentInfo] = []
        if self._scan is not None:
            found = self._scan.documents(limit, offset)
            offset = max(0, offset - self._scan.count())
        if self._index is not None and len(found) < limit:
            with self._index_lock:
                ids = self._index.ids(limit - len(found), offset)
                found += [_info(self._index.get(i)) for i in ids]
        return found

    def page(self, doc_id: str, *, match_limit: int = 10) -> DocumentPage:
        """A document with its sources and reusers (scan), or its matches in the index."""
        record, collection = self.record(doc_id)
        if collection == "scan" and self._scan is not None:
            return self._scan.page(record)
        assert self._index is not None
        page = DocumentPage(_info(record), record.text, "index", None)
        with self._index_lock:
            for found in self._index.match(record, limit=match_limit):
                verdict = found.comparison.verdict
                other = _info(self._index.get(found.source))
                # match puts the indexed source on side a and this document on side b.
                direction = {"a": "source", "b": "reuser"}.get(verdict.source, "unknown")
                relation = Relation(other, verdict.derived, verdict.containment, verdict.coverage, direction)  # type: ignore[arg-type]
                {"source": page.sources, "reuser": page.reused_by}.get(direction, page.related).append(
                    relation
                )
        return page

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """Documents whose title or text holds every word of ``query``."""
        hits: list[SearchHit] = []
        if self._scan is not None:
            hits += self._scan.search(query, limit)
        if self._index is not None and len(hits) < limit:
            with self._index_lock:
                for row in self._index.search(query, limit - len(hits)):
                    doc = DocumentInfo(row["id"], row["title"], row["date"])
                    hits.append(SearchHit(doc, row["snippet"], "index"))
        return hits

    # -- families ------------------------------------------------------------------------------
    def families(
        self, order: FamilyOrder = "size", descending: bool = True, limit: int = 50, offset: int = 0
    ) -> list[FamilySummary]:
        """Families of the scan, sorted by size or by their first date."""
        if self._scan is None:
            return []
        return self._scan.family_list(order, descending, limit, offset)

    def family(self, family_id: str) -> FamilyPage:
        """One family with its members and edges; ``KeyError`` when there is none."""
        if self._scan is None:
            raise KeyError(family_id)
        return self._scan.family(family_id)


class _ScanView:
    """A finished scan's output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        work = out_dir / WORK_DIR
        missing = [p.name for p in (out_dir / "families.jsonl", out_dir / "summary.json") if not p.is_file()]
        if missing or not (work / "docs.sqlite").is_file():
            raise InputError(
                f"{out_dir} is not a finished scan output; run 'wiretrace scan ... --out {out_dir}'"
            )
        summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
        self.layout = bool(summary.get("settings", {}).get("pairs", {}).get("layout", False))
        self._db = sqlite3.connect(f"file:{work / 'docs.sqlite'}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.relations = _read_relations(out_dir)
        self._by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for relation in self.relations:
            self._by_doc[relation["a"]].append(relation)
            self._by_doc[relation["b"]].append(relation)
        self.families = [json.loads(line) for line in _lines(out_dir / "families.jsonl")]
        self._family_of = {m: f["family"] for f in self.families for m in f["members"]}
        self._families_by_id = {f["family"]: f for f in self.families}
        dates = dict(self._query("SELECT id, date FROM docs WHERE date IS NOT NULL AND date != ''"))
        #: Each family's first and last member date, or ``None`` when no member is dated.
        self._date_span: dict[str, tuple[str, str] | None] = {}
        for family in self.families:
            known = [d for m in family["members"] if (d := dates.get(m))]
            self._date_span[family["family"]] = (min(known), max(known)) if known else None
        state = json.loads((work / "state.json").read_text()) if (work / "state.json").is_file() else {}
        stamp = f"{state.get('fingerprint', '')}:{self.count()}"
        self._search = _SearchIndex(work, self._db, stamp=stamp)

    def close(self) -> None:
        self._db.close()
        self._search.close()

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM docs")[0][0])

    def record(self, doc_id: str) -> Record | None:
        rows = self._query("SELECT id, text, title, date, outlet, url FROM docs WHERE id = ?", (doc_id,))
        return Record(*rows[0]) if rows else None

    def infos(self, ids: list[str]) -> dict[str, DocumentInfo]:
        found: dict[str, DocumentInfo] = {}
        for first in range(0, len(ids), 900):
            chunk = ids[first : first + 900]
            marks = ",".join("?" * len(chunk))
            for row in self._query(
                f"SELECT id, title, date, outlet, url FROM docs WHERE id IN ({marks})", tuple(chunk)
            ):
                found[row[0]] = DocumentInfo(*row)
        return {i: found.get(i, DocumentInfo(i)) for i in ids}

    def documents(self, limit: int, offset: int) -> list[DocumentInfo]:
        rows = self._query(
            "SELECT id, title, date, outlet, url FROM docs ORDER BY n LIMIT ? OFFSET ?", (limit, offset)
        )
        return [DocumentInfo(*row) for row in rows]

    def page(self, record: Record) -> DocumentPage:
        relations = self._by_doc.get(record.id, [])
        others = self.infos([r["b"] if r["a"] == record.id else r["a"] for r in relations])
        page = DocumentPage(_info(record), record.text, "scan", self._family_of.get(record.id))
        for relation in relations:
            other = relation["b"] if relation["a"] == record.id else relation["a"]
            if relation["source"] == other:
                page.sources.append(_relation(others[other], relation, "source"))
            elif relation["source"] == record.id:
                page.reused_by.append(_relation(others[other], relation, "reuser"))
            else:
                page.related.append(_relation(others[other], relation, "unknown"))
        return page

    def search(self, query: str, limit: int) -> list[SearchHit]:
        return [
            SearchHit(DocumentInfo(*row[:5]), row[5], "scan") for row in self._search.search(query, limit)
        ]

    def family_list(
        self, order: FamilyOrder, descending: bool, limit: int, offset: int
    ) -> list[FamilySummary]:
        def key(family: dict[str, Any]) -> tuple[Any, ...]:
            if order == "date":
                span = self._date_span[family["family"]]
                # Undated families sort last whichever way the list runs.
                return (bool(span) == descending, span[0] if span else "", len(family["members"]))
            return (len(family["members"]), family["family"])

        ordered = sorted(self.families, key=key, reverse=descending)[offset : offset + limit]
        originals = self.infos(sorted({o for f in ordered for o in f["originals"]}))
        listed = []
        for family in ordered:
            span = self._date_span[family["family"]]
            listed.append(
                FamilySummary(
                    family["family"],
                    len(family["members"]),
                    [originals[o] for o in family["originals"]],
                    span[0] if span else None,
                    span[1] if span else None,
                )
            )
        return listed

    def family(self, family_id: str) -> FamilyPage:
        family = self._families_by_id[family_id]
        members = self.infos(family["members"])
        edges = [
            FamilyEdge(
                e["source"],
                e["target"],
                e.get("direction", "unknown"),
                e.get("derived"),
                e.get("containment"),
            )
            for e in family["edges"]
        ]
        return FamilyPage(family_id, list(members.values()), family["originals"], edges)


class _SearchIndex:
    """FTS5 over a scan's documents, in ``search.sqlite`` beside them; rebuilt when the scan changes.

    When the scan folder cannot be written, the table is built in memory instead.
    """

    def __init__(self, work: Path, docs: sqlite3.Connection, stamp: str) -> None:
        self._lock = threading.Lock()
        path = work / "search.sqlite"
        if not _search_is_current(path, stamp):
            try:
                _build_search(path, docs, stamp)
            except (OSError, sqlite3.OperationalError):
                path = Path(":memory:")
        if str(path) == ":memory:":
            self._db = sqlite3.connect(":memory:", check_same_thread=False)
            _fill_search(self._db, docs, stamp)
        else:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def close(self) -> None:
        self._db.close()

    def search(self, query: str, limit: int) -> list[tuple[Any, ...]]:
        expression = fts_query(query)
        if not expression:
            return []
        with self._lock:
            return self._db.execute(
                "SELECT id, title, date, outlet, url, snippet(fts, 1, '[', ']', ' … ', 12) "
                "FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT ?",
                (expression, limit),
            ).fetchall()


def _search_is_current(path: Path, stamp: str) -> bool:
    if not path.is_file():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone() == (stamp,)
    except sqlite3.Error:
        return False


def _build_search(path: Path, docs: sqlite3.Connection, stamp: str) -> None:
    """Build the table in a side file, then move it into place, so no half-built table is ever read."""
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    try:
        with sqlite3.connect(part) as db:
            _fill_search(db, docs, stamp)
        db.close()
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)


def _fill_search(db: sqlite3.Connection, docs: sqlite3.Connection, stamp: str) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(title, text, id UNINDEXED, date UNINDEXED, "
        "outlet UNINDEXED, url UNINDEXED)"
    )
    rows = docs.execute("SELECT title, text, id, date, outlet, url FROM docs ORDER BY n")
    db.executemany("INSERT INTO fts (title, text, id, date, outlet, url) VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.execute("INSERT INTO meta VALUES ('stamp', ?)", (stamp,))
    db.commit()


def _read_relations(out_dir: Path) -> list[dict[str, Any]]:
    """The related pairs without their links: the page lists them, and compare redraws them."""
    columns = ["a", "b", "source", "target", "derived", "containment", "coverage"]
    parquet = out_dir / "pairs.parquet"
    if parquet.is_file():
        import pyarrow.parquet as pq

        return pq.read_table(parquet, columns=columns).to_pylist()
    relations = []
    for line in _lines(out_dir / "pairs.jsonl"):
        pair = json.loads(line)
        verdict = pair.get("verdict", {})
        relations.append(
            {k: pair.get(k) for k in columns[:4]}
            | {
                "derived": verdict.get("derived"),
                "containment": verdict.get("containment"),
                "coverage": verdict.get("coverage"),
            }
        )
    return relations


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _info(record: Record) -> DocumentInfo:
    return DocumentInfo(record.id, record.title, record.date, record.outlet, record.url)


def _relation(
    other: DocumentInfo, relation: dict[str, Any], direction: Literal["source", "reuser", "unknown"]
) -> Relation:
    return Relation(other, relation["derived"], relation["containment"], relation["coverage"], direction)
