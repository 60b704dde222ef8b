"""``wiretrace pan``: align every pair of a PAN corpus and write one detection file each.

Pairs are grouped by suspicious document: a worker reads and segments the document once
for all its pairs, and gives each of its stretches to the source that explains it best
(:func:`~wiretrace.pan.detect.best_sources`). Each pair's file is written atomically once
its document is done, so a killed run resumes where it stopped: documents whose files all
exist are skipped, and a document left half-written is done again whole, which gives the
same files.
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
from wiretrace.collector import tune_worker_collector
from wiretrace.document import Document
from wiretrace.errors import InputError
from wiretrace.pan.corpus import PanPair, read_pairs
from wiretrace.pan.detect import PAN_ALIGN, Passage, PassageOptions, best_sources, detect_passages
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

    ``on_progress(done, total)`` is called as pairs finish. Suspicious documents whose
    output files all exist already are skipped, which makes an interrupted run resumable.
    """
    started = time.perf_counter()
    pairs = read_pairs(pairs_file, src_dir, susp_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    options = passage_options or PassageOptions()
    groups = list(_by_suspicious(pairs))
    todo = [
        g for g in groups if not all((out_dir / pair_file_name(p.suspicious, p.source)).exists() for p in g)
    ]
    jobs = [_Job(susp_dir, src_dir, out_dir, tuple(group), align_options, options) for group in todo]
    skipped = len(pairs) - sum(len(g) for g in todo)
    done, detections = skipped, 0
    if on_progress:
        on_progress(done, len(pairs))
    for finished, found in _map(jobs, workers or os.cpu_count() or 1):
        done += finished
        detections += found
        if on_progress:
            on_progress(done, len(pairs))
    return PanRun(len(pairs), skipped, detections, time.perf_counter() - started)


def _by_suspicious(pairs: Sequence[PanPair]) -> Iterator[list[PanPair]]:
    """Pairs sharing a suspicious document, one group per document."""
    ordered = sorted(pairs, key=lambda p: (p.suspicious, p.source))
    for _, same in groupby(ordered, key=lambda p: p.suspicious):
        yield list(same)


def _map(jobs: list[_Job], workers: int) -> Iterator[tuple[int, int]]:
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_run_job, jobs)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers, initializer=tune_worker_collector) as pool:
        yield from pool.imap_unordered(_run_job, jobs, chunksize=1)


def _run_job(job: _Job) -> tuple[int, int]:
    susp = job.susp_dir / job.pairs[0].suspicious
    sources = [job.src_dir / pair.source for pair in job.pairs]
    found = detect_document(susp, sources, job.align, job.passages)
    for src in sources:
        write_detections(job.out_dir, susp.name, src.name, found[src.name])
    return len(job.pairs), sum(len(d) for d in found.values())


def detect_document(
    suspicious: Path,
    sources: Sequence[Path],
    align_options: AlignOptions = PAN_ALIGN,
    passage_options: PassageOptions | None = None,
) -> dict[str, list[Annotation]]:
    """The detections for one suspicious document against each of its sources, by source name.

    Each pair is aligned on its own (:func:`detect_pair`); then a stretch found against
    several sources stays only with the one that explains it best
    (``PassageOptions.rival_overlap``).
    """
    options = passage_options or PassageOptions()
    by_source = {src.name: _passages(suspicious, src, align_options, options) for src in sources}
    if len(by_source) > 1:
        by_source = best_sources(by_source, options.rival_overlap)
    return {name: _annotations(suspicious.name, name, found) for name, found in by_source.items()}


def detect_pair(
    suspicious: Path,
    source: Path,
    align_options: AlignOptions = PAN_ALIGN,
    passage_options: PassageOptions | None = None,
    out_dir: Path | None = None,
) -> list[Annotation]:
    """The detections for one pair of PAN documents, written to ``out_dir`` when given.

    The pair alone: ``wiretrace pan`` also weighs a suspicious document's other sources
    (:func:`detect_document`).
    """
    detections = _annotations(
        suspicious.name, source.name, _passages(suspicious, source, align_options, passage_options)
    )
    if out_dir is not None:
        write_detections(out_dir, suspicious.name, source.name, detections)
    return detections


def _passages(
    suspicious: Path, source: Path, align_options: AlignOptions, options: PassageOptions | None
) -> list[Passage]:
    return detect_passages(
        pan_profiles(str(suspicious)),
        pan_profiles(str(source)),
        align_options,
        options,
        source_text=pan_text(str(source)),
    )


def _annotations(suspicious: str, source: str, passages: Sequence[Passage]) -> list[Annotation]:
    return [
        Annotation(
            suspicious,
            p.this_start,
            p.this_end - p.this_start,
            source,
            p.source_start,
            p.source_end - p.source_start,
        )
        for p in passages
    ]


@lru_cache(maxsize=256)
def pan_profiles(path: str) -> Profiles:
    """Segmented, profiled units of a PAN document, cached because documents recur in pairs.

    Detection reads a document this way; so must anything that scores its passages'
    units (``bench/pan_edge_model.py``).
    """
    doc = Document(id=Path(path).name, text=pan_text(path))
    segment(doc, layout=False)
    return profile_units(doc.units)


@lru_cache(maxsize=256)
def pan_text(path: str) -> str:
    """A PAN document's text (:func:`read_pan_text`), cached as its profiles are."""
    return read_pan_text(Path(path))


def read_pan_text(path: Path) -> str:
    """A PAN document as the PAN evaluator reads it: UTF-8, universal newlines."""
    try:
        with path.open(encoding="utf-8") as stream:
            return stream.read()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text, as PAN documents must be") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
