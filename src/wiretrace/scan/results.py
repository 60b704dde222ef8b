"""What a scan returns and writes: related pairs, families and a run summary.

Files in the output folder, each written whole or not at all:

``pairs.jsonl`` / ``pairs.parquet``
    One record per reuse relation (see :class:`~wiretrace.scan.pairs.PairResult`): the two
    ids, the original and the rewrite when known, compare's verdict, and the links with
    their units and shared spans as character offsets into each document's text. A pair
    whose sentence links are too few but whose rewritten passages the passage detector
    finds (random edits, translation chains) lists those ``passages`` instead.
``families.jsonl`` / ``families.parquet``
    One record per family: ``family``, ``members``, ``originals`` and the direction ``edges``.
``summary.json``
    Counts, timings, the settings used, and every document skipped with its file and line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wiretrace.outputs import atomic_path, atomic_write_text
from wiretrace.scan.families import Family
from wiretrace.scan.pairs import PairResult

if TYPE_CHECKING:
    import pandas as pd


@dataclass(slots=True)
class ScanSummary:
    """Counts and timings of a scan."""

    documents: int
    skipped: list[str]
    candidates: int
    lexical_candidates: int
    semantic_candidates: int
    pairs_judged: int
    related_pairs: int
    families: int
    seconds: dict[str, float] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    engine: str = "local"

    def to_dict(self) -> dict[str, Any]:
        """The ``summary.json`` content."""
        return asdict(self)


@dataclass(slots=True)
class ScanResult:
    """Everything a scan found: the related pairs, the families, and the run summary."""

    pairs: list[PairResult]
    families: list[Family]
    summary: ScanSummary

    def pairs_frame(self) -> pd.DataFrame:
        """The related pairs as a pandas DataFrame, one row per pair."""
        import pandas as pd

        return pd.DataFrame([_flat_pair(p) for p in self.pairs], columns=_PAIR_COLUMNS)

    def families_frame(self) -> pd.DataFrame:
        """The families as a pandas DataFrame, one row per family."""
        import pandas as pd

        return pd.DataFrame(
            [f.to_dict() for f in self.families], columns=["family", "members", "originals", "edges"]
        )


_PAIR_COLUMNS = [
    "a",
    "b",
    "source",
    "target",
    "derived",
    "containment",
    "coverage",
    "credit",
    "shared",
    "similarity",
    "direction_reason",
    "verdict",
    "links",
    "passages",
]


def assemble_result(
    judged: list[PairResult], dates: dict[str, str | None], summary: ScanSummary
) -> ScanResult:
    """Sort the related pairs, build the families, and complete the summary's counts."""
    from wiretrace.scan.families import build_families

    related = sorted((p for p in judged if p.related), key=lambda p: (p.a, p.b))
    families = build_families(related, dates)
    summary.pairs_judged, summary.related_pairs, summary.families = len(judged), len(related), len(families)
    return ScanResult(pairs=related, families=families, summary=summary)


def _flat_pair(pair: PairResult) -> dict[str, Any]:
    verdict = pair.verdict
    return {
        "a": pair.a,
        "b": pair.b,
        "source": pair.source,
        "target": pair.target,
        "derived": verdict.get("derived"),
        "containment": verdict.get("containment"),
        "coverage": verdict.get("coverage"),
        "credit": verdict.get("credit"),
        "shared": pair.shared,
        "similarity": pair.similarity,
        "direction_reason": pair.direction_reason,
        "verdict": json.dumps(verdict, ensure_ascii=False),
        "links": json.dumps(pair.links, ensure_ascii=False),
        "passages": json.dumps(pair.passages, ensure_ascii=False),
    }


def write_outputs(out_dir: Path, result: ScanResult) -> None:
    """Write every output file atomically; see the module docstring for the formats."""
    atomic_write_text(out_dir / "pairs.jsonl", _jsonl(p.to_dict() for p in result.pairs))
    atomic_write_text(out_dir / "families.jsonl", _jsonl(f.to_dict() for f in result.families))
    _write_parquet(out_dir / "pairs.parquet", [_flat_pair(p) for p in result.pairs], _pair_schema())
    _write_parquet(out_dir / "families.parquet", [f.to_dict() for f in result.families], _family_schema())
    atomic_write_text(out_dir / "summary.json", json.dumps(result.summary.to_dict(), indent=2) + "\n")


def _jsonl(records: Any) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _pair_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    text, number = pa.string(), pa.float64()
    return pa.schema(
        [
            ("a", text),
            ("b", text),
            ("source", text),
            ("target", text),
            ("derived", text),
            ("containment", number),
            ("coverage", number),
            ("credit", text),
            ("shared", pa.int64()),
            ("similarity", number),
            ("direction_reason", text),
            ("verdict", text),
            ("links", text),
            ("passages", text),
        ]
    )


def _family_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    edge = pa.struct(
        [
            ("source", pa.string()),
            ("target", pa.string()),
            ("direction", pa.string()),
            ("derived", pa.string()),
            ("containment", pa.float64()),
        ]
    )
    return pa.schema(
        [
            ("family", pa.string()),
            ("members", pa.list_(pa.string())),
            ("originals", pa.list_(pa.string())),
            ("edges", pa.list_(edge)),
        ]
    )


def _write_parquet(path: Path, rows: list[dict[str, Any]], schema: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=schema)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_outputs(out_dir: Path) -> ScanResult:
    """Read a finished scan back from its output folder."""
    pairs = [PairResult.from_dict(json.loads(line)) for line in _lines(out_dir / "pairs.jsonl")]
    families = [Family(**json.loads(line)) for line in _lines(out_dir / "families.jsonl")]
    summary = ScanSummary(**json.loads((out_dir / "summary.json").read_text()))
    return ScanResult(pairs=pairs, families=families, summary=summary)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
