"""Corpus scale: every reuse relation in a corpus, and reuse families.

Example (see docs/scan.md)::

    from wiretrace.scan import scan
    result = scan(["articles.jsonl"], "out/")
    result.pairs_frame().head()
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wiretrace.errors import WiretraceError
from wiretrace.scan.candidates import CandidateOptions
from wiretrace.scan.families import Family
from wiretrace.scan.local import Progress, run_local
from wiretrace.scan.options import ScanOptions
from wiretrace.scan.pairs import PairOptions, PairResult
from wiretrace.scan.records import Problem, Record, read_corpus
from wiretrace.scan.results import ScanResult, ScanSummary, read_outputs

ENGINES = ("local", "spark")


def scan(
    inputs: Sequence[str | Path] | str | Path,
    out: str | Path,
    options: ScanOptions | None = None,
    *,
    engine: str = "local",
    master: str | None = "local[2]",
    fresh: bool = False,
    progress: Progress | None = None,
) -> ScanResult:
    """Find every reuse relation in a corpus and group them into families.

    ``inputs`` are folders of ``.txt``/``.html`` files, JSON Lines or CSV files (each may
    be gzip or bz2). Results are written to ``out`` (see :mod:`wiretrace.scan.results`)
    and returned. A scan killed part-way resumes when run again with the same arguments;
    ``fresh=True`` starts over.
    """
    paths = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    if not paths:
        raise WiretraceError("give at least one input folder or file")
    options = options or ScanOptions()
    if engine == "local":
        return run_local(paths, Path(out), options, fresh=fresh, progress=progress)
    if engine == "spark":
        from wiretrace.scan.spark import run_spark

        return run_spark(paths, Path(out), options, master=master, fresh=fresh, progress=progress)
    raise WiretraceError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")


__all__ = [
    "CandidateOptions",
    "Family",
    "PairOptions",
    "PairResult",
    "Problem",
    "Progress",
    "Record",
    "ScanOptions",
    "ScanResult",
    "ScanSummary",
    "read_corpus",
    "read_outputs",
    "scan",
]
