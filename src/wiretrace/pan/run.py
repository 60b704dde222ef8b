"""``wiretrace pan``: align every pair of a PAN corpus and write one detection file each.

Pairs are grouped by suspicious document, so each worker reads and segments a document
once for all its pairs. Each pair's file is written atomically as soon as it is done, so
a killed run resumes where it stopped: pairs whose file exists are skipped.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path

from wiretrace.align import AlignOptions, Profiles, profile_units
from wiretrace.document import Document
from wiretrace.errors import InputError
from wiretrace.pan.corpus import PanPair, read_pairs
from wiretrace.pan.detect import PAN_ALIGN, PassageOptions, detect_passages
from wiretrace.pan.measures import Annotation
from wiretrace.pan.xml import pair_file_name, write_detections
from wiretrace.segment import segment


@dataclass(frozen=True, slots=True)
class PanRun:
    """What a PAN run did."""

    pairs: int
    skipped: int
    detections: int
    seconds: float


@dataclass(frozen=True, slots=True)
class _Job:
    susp_dir: Path
    src_dir: Path
    out_dir: Path
    pairs: tuple[PanPair, ...]
    align: AlignOptions
    passages: PassageOptions


def run_pan(
    pairs_file: Path,
    src_dir: Path,
    susp_dir: Path,
    out_dir: Path,
    *,
    workers: int | None = None,
    align_options: AlignOptions = PAN_ALIGN,
    passage_options: PassageOptions | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> PanRun:
    """Detect reused passages for every pair in ``pairs_file``; write PAN XML into ``out_dir``.

    ``on_progress(done, total)`` is called as pairs finish. Pairs whose output file
    already exists are skipped, which makes an interrupted run resumable.
    """
    started = time.perf_counter()
    pairs = read_pairs(pairs_file, src_dir, susp_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = [p for p in pairs if not (out_dir / pair_file_name(p.suspicious, p.source)).exists()]
    jobs = [
        _Job(susp_dir, src_dir, out_dir, tuple(group), align_options, passage_options or PassageOptions())
        for group in _by_suspicious(todo)
    ]
    done, detections = len(pairs) - len(todo), 0
    if on_progress:
        on_progress(done, len(pairs))
    for finished, found in _map(jobs, workers or os.cpu_count() or 1):
        done += finished
        detections += found
        if on_progress:
            on_progress(done, len(pairs))
    return PanRun(len(pairs), len(pairs) - len(todo), detections, time.perf_counter() - started)


def _by_suspicious(pairs: Sequence[PanPair], max_group: int = 16) -> Iterator[list[PanPair]]:
    """Pairs sharing a suspicious document, in groups small enough to balance the workers."""
    ordered = sorted(pairs, key=lambda p: (p.suspicious, p.source))
    for _, same in groupby(ordered, key=lambda p: p.suspicious):
        group = list(same)
        for k in range(0, len(group), max_group):
            yield group[k : k + max_group]


def _map(jobs: list[_Job], workers: int) -> Iterator[tuple[int, int]]:
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_run_job, jobs)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers) as pool:
        yield from pool.imap_unordered(_run_job, jobs, chunksize=1)


def _run_job(job: _Job) -> tuple[int, int]:
    found = 0
    for pair in job.pairs:
        susp, src = job.susp_dir / pair.suspicious, job.src_dir / pair.source
        found += len(detect_pair(susp, src, job.align, job.passages, out_dir=job.out_dir))
    return len(job.pairs), found


def detect_pair(
    suspicious: Path,
    source: Path,
    align_options: AlignOptions = PAN_ALIGN,
    passage_options: PassageOptions | None = None,
    out_dir: Path | None = None,
) -> list[Annotation]:
    """The detections for one pair of PAN documents, written to ``out_dir`` when given."""
    passages = detect_passages(
        _profiles(str(suspicious)), _profiles(str(source)), align_options, passage_options
    )
    detections = [
        Annotation(
            suspicious.name,
            p.this_start,
            p.this_end - p.this_start,
            source.name,
            p.source_start,
            p.source_end - p.source_start,
        )
        for p in passages
    ]
    if out_dir is not None:
        write_detections(out_dir, suspicious.name, source.name, detections)
    return detections


@lru_cache(maxsize=256)
def _profiles(path: str) -> Profiles:
    """Segmented, profiled units of a PAN document, cached because documents recur in pairs."""
    doc = Document(id=Path(path).name, text=read_pan_text(Path(path)))
    segment(doc, layout=False)
    return profile_units(doc.units)


def read_pan_text(path: Path) -> str:
    """A PAN document as the PAN evaluator reads it: UTF-8, universal newlines."""
    try:
        with path.open(encoding="utf-8") as stream:
            return stream.read()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text, as PAN documents must be") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
