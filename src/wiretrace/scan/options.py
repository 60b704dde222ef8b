"""Settings of a scan, shared by both engines."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wiretrace.embed import DEFAULT_MODEL
from wiretrace.ingest import DEFAULT_MAX_BYTES
from wiretrace.scan.candidates import CandidateOptions
from wiretrace.scan.pairs import PairOptions


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Everything that decides what a scan finds, plus how many processes it uses."""

    candidates: CandidateOptions = field(default_factory=CandidateOptions)
    pairs: PairOptions = field(default_factory=PairOptions)
    #: The sentence model the static model is distilled from (any sentence-transformers model).
    model: str = DEFAULT_MODEL
    #: CSV or JSON Lines field names, when they differ: ``{"id": "article_id", "text": "body"}``.
    columns: Mapping[str, str] = field(default_factory=dict)
    max_bytes: int = DEFAULT_MAX_BYTES
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)

    def describe(self) -> dict[str, Any]:
        """The settings that shape the results, as plain data (``workers`` does not)."""
        settings = asdict(self)
        settings.pop("workers")
        settings["columns"] = dict(self.columns)
        return settings

    def fingerprint(self, inputs: Sequence[str | Path]) -> str:
        """A digest of the settings and inputs, so a resumed scan is the same scan."""
        listing = [_describe_input(Path(p)) for p in inputs]
        payload = json.dumps({"settings": self.describe(), "inputs": listing}, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:20]


def _describe_input(path: Path) -> list[Any]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return [str(path.resolve()), [[str(p.relative_to(path)), p.stat().st_size] for p in files]]
    size = path.stat().st_size if path.exists() else None
    return [str(path.resolve()), size]
