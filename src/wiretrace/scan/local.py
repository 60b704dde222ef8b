"""The local engine: a whole scan on one machine, with a process per core.

Stages, each checkpointed in the output folder (see :mod:`wiretrace.scan.store`):

1. **ingest**: read the inputs into SQLite, noting every skipped document;
2. **features**: shingles of every document, and static-model vectors of its passages;
3. **candidates**: lexical and semantic candidate pairs;
4. **pairs**: every candidate judged by :func:`~wiretrace.scan.pairs.relate`, appended to
   a log as it is done, so a killed run picks up where it stopped;
5. **outputs**: families, then every output file, written atomically.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import reverse_cuthill_mckee

from wiretrace.collector import tune_worker_collector, tuned_collector
from wiretrace.document import Document, units_as_array
from wiretrace.scan.candidates import (
    Candidates,
    boilerplate_shingles,
    embed_passages,
    lexical_candidates,
    merge_candidates,
    semantic_candidates,
)
from wiretrace.scan.features import passages, shingles
from wiretrace.scan.options import ScanOptions
from wiretrace.scan.pairs import DocumentCache, PairResult, relate
from wiretrace.scan.records import Record, read_corpus
from wiretrace.scan.results import ScanResult, ScanSummary, assemble_result, write_outputs
from wiretrace.scan.store import ScanStore, checked_line
from wiretrace.segment import segment

#: ``progress(stage, done, total)``; ``total`` is None while it is unknown.
Progress = Callable[[str, int, int | None], None]
_PAIRS_PER_JOB = 24
#: Consecutive jobs a judging worker takes at once, so that neighbouring pairs, which share
#: documents, meet the same worker's cache (33,100 segmentations against 40,000 for one job
#: at a time, simulated on the benchmark corpus).
_JOBS_PER_WORKER_RUN = 20
_DOCS_PER_JOB = 64


def run_local(
    inputs: Sequence[str | Path],
    out_dir: Path,
    options: ScanOptions,
    *,
    fresh: bool = False,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan a corpus on this machine; see :func:`wiretrace.scan.scan`."""
    report = progress or (lambda *_: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    store = ScanStore(out_dir, options.fingerprint(inputs), fresh=fresh)
    seconds: dict[str, float] = {}
    with _timed(seconds, "ingest"):
        if not store.done("ingest"):
            report("reading documents", 0, None)
            store.load_documents(read_corpus(inputs, columns=options.columns, max_bytes=options.max_bytes))
    total = store.count()
    with _timed(seconds, "features"):
        if not store.done("features"):
            _features_stage(store, options, total, report)
    with _timed(seconds, "candidates"):
        if not store.done("candidates"):
            _candidates_stage(store, options, report)
    found = store.load_arrays("candidates")
    candidates = Candidates(found["a"], found["b"], found["shared"], found["similarity"])
    with _timed(seconds, "pairs"):
        judged = _pairs_stage(store, options, candidates, report)
    with _timed(seconds, "families"):
        result = _finish(store, options, candidates, judged, found, seconds)
    write_outputs(out_dir, result)
    return result


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    seconds[name] = round(time.perf_counter() - start, 2)


# -- features ----------------------------------------------------------------------------


class _BatchFeatures(NamedTuple):
    """What a worker computes for a batch of documents, in document order."""

    shingles: list[np.ndarray]
    units: list[np.ndarray]
    #: Static-model vectors of every passage of the batch, document after document.
    vectors: np.ndarray
    passage_counts: list[int]


def _features_stage(store: ScanStore, options: ScanOptions, total: int, report: Progress) -> None:
    shingle_sets: list[np.ndarray] = []
    unit_rows: list[np.ndarray] = []
    vector_rows: list[np.ndarray] = []
    passage_counts: list[int] = []
    batches = _batched((record.text for _, record in store.records()), _DOCS_PER_JOB)
    model = options.model if options.candidates.semantic else None
    if model:
        from wiretrace.static import get_static_model

        get_static_model(model)  # loaded (distilled if need be) once, before the workers fork from here
    cut = functools.partial(_batch_features, layout=options.pairs.layout, model=model)
    with _process_pool(options.workers) as pool:
        for batch in pool.imap(cut, batches) if pool else map(cut, batches):
            shingle_sets.extend(batch.shingles)
            unit_rows.extend(batch.units)
            vector_rows.append(batch.vectors)
            passage_counts.extend(batch.passage_counts)
            report("preparing documents", len(shingle_sets), total)
    vectors = [v for v in vector_rows if len(v)]
    store.save_arrays(
        "features",
        shingles=_flat(shingle_sets, np.uint64),
        lengths=np.array([len(a) for a in shingle_sets], dtype=np.int64),
        units=_flat(unit_rows, np.int32).reshape(-1, 3),
        unit_counts=np.array([len(u) for u in unit_rows], dtype=np.int64),
        vectors=np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32),
        # Store numbers are 0, 1, 2 ... in reading order, so a passage's owner is its position.
        owners=np.repeat(np.arange(len(passage_counts), dtype=np.int64), passage_counts),
    )
    store.mark_done("features")


def _batch_features(texts: list[str], layout: bool, model: str | None) -> _BatchFeatures:
    """Shingles, segmentation and passage vectors of each text.

    Judging aligns a document against many others; cutting it once here saves cutting it
    again in every worker that meets it. Workers embed too, so each document is read
    from the store once and every process does the same kind of work.
    """
    cut = [segment(Document("", text), layout=layout) for text in texts]
    spans = [passages(text) for text in texts] if model else [[] for _ in texts]
    passage_texts = [text[p.start : p.end] for text, found in zip(texts, spans, strict=True) for p in found]
    return _BatchFeatures(
        shingles=[shingles(text) for text in texts],
        units=[units_as_array(units) for units in cut],
        vectors=_static_vectors(passage_texts, model)
        if passage_texts and model
        else np.zeros((0, 0), np.float32),
        passage_counts=[len(found) for found in spans],
    )


def _static_vectors(texts: list[str], model_name: str) -> np.ndarray:
    from wiretrace.static import get_static_model

    model = get_static_model(model_name)
    return embed_passages(texts, lambda batch: model.encode(batch, batch_size=1024))


def _flat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)


def split_shingles(flat: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    """The per-document shingle arrays saved by the features stage."""
    return np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []


# -- candidates ----------------------------------------------------------------------------


def _candidates_stage(store: ScanStore, options: ScanOptions, report: Progress) -> None:
    features = store.load_arrays("features")
    report("finding candidates", 0, None)
    shingle_sets = split_shingles(features["shingles"], features["lengths"])
    boilerplate = boilerplate_shingles(shingle_sets, options.candidates.max_df)
    empty = np.zeros(0, dtype=np.int64)
    semantic = (empty, empty, np.zeros(0, dtype=np.float32))
    # The lexical search runs on one core in numpy, beside the vector search: faiss does not
    # keep both cores busy all the time, and the stage took 4 s less of about 29 s this way.
    with ThreadPoolExecutor(1) as beside:
        lexical_done = beside.submit(lexical_candidates, shingle_sets, options.candidates, boilerplate)
        if options.candidates.semantic and len(features["vectors"]):
            semantic = semantic_candidates(features["vectors"], features["owners"], options.candidates)
        lexical = lexical_done.result()
    merged = merge_candidates(lexical, semantic)
    store.save_arrays(
        "candidates",
        a=merged.a,
        b=merged.b,
        shared=merged.shared,
        similarity=merged.similarity,
        lexical=np.array([len(lexical[0])]),
        semantic=np.array([len(semantic[0])]),
        boilerplate=boilerplate,
    )
    store.mark_done("candidates")


# -- pairs ---------------------------------------------------------------------------------

_worker: dict[str, Any] = {}


def _pairs_stage(
    store: ScanStore, options: ScanOptions, candidates: Candidates, report: Progress
) -> list[dict[str, Any]]:
    done_keys = {(r["n_a"], r["n_b"]) for r in store.checked_pairs()}
    todo = [
        (a, b, sim)
        for a, b, sim in zip(
            candidates.a.tolist(), candidates.b.tolist(), candidates.similarity.tolist(), strict=True
        )
        if (a, b) not in done_keys
    ]
    total = len(candidates)
    report("judging pairs", len(done_keys), total)
    boilerplate = store.load_arrays("candidates")["boilerplate"]
    features = store.load_arrays("features", keys=("shingles", "lengths"))
    units = _stored_units(store)
    jobs = _cache_friendly_jobs(todo)
    # Workers are forked after this, so they share the shingles and units of the features
    # stage instead of hashing and segmenting every document again.
    _worker.update(
        store=store,
        options=options,
        boilerplate=boilerplate,
        shingles=features["shingles"],
        bounds=np.concatenate(([0], np.cumsum(features["lengths"]))),
        units=units,
    )
    done = len(done_keys)
    with store.append_checked() as writer:
        for results in _pool_map(_judge_job, jobs, options.workers, chunksize=_JOBS_PER_WORKER_RUN):
            for line in results:
                writer.write_line(line)
            done += len(results)
            report("judging pairs", done, total)
    # Read back once the workers have exited: kept here while they ran, the results added
    # a third of a gigabyte to the peak of the whole corpus scan.
    return store.checked_pairs()


def _stored_units(store: ScanStore) -> tuple[np.ndarray, np.ndarray] | None:
    """Each document's units from the features stage, or None for a checkpoint written
    before units were stored there (its documents are segmented as they are judged)."""
    if "units" not in store.array_names("features"):
        return None
    found = store.load_arrays("features", keys=("units", "unit_counts"))
    return found["units"], np.concatenate(([0], np.cumsum(found["unit_counts"])))


def _cache_friendly_jobs(todo: list[tuple[int, int, float]]) -> list[list[tuple[int, int, float]]]:
    """Candidate pairs in jobs ordered so that workers find documents still in their caches.

    Documents are ranked along a reverse Cuthill-McKee ordering of the candidate graph,
    which puts the two documents of most pairs close together; pairs are sorted by their
    ranks and grouped by the first. Simulated on the benchmark corpus (16,183 documents in
    64,934 candidate pairs) with two workers of 384 documents each, documents are
    profiled 33,161 times instead of 57,600. Results do not depend on the order.
    """
    if not todo:
        return []
    first = np.array([a for a, _, _ in todo], dtype=np.int64)
    second = np.array([b for _, b, _ in todo], dtype=np.int64)
    size = int(max(first.max(), second.max())) + 1
    edges = np.ones(2 * len(todo), dtype=np.int8)
    graph = csr_matrix((edges, (np.r_[first, second], np.r_[second, first])), shape=(size, size))
    rank = np.empty(size, dtype=np.int64)
    rank[reverse_cuthill_mckee(graph, symmetric_mode=True)] = np.arange(size)
    ranks = rank.tolist()
    ordered = sorted(todo, key=lambda t: (min(ranks[t[0]], ranks[t[1]]), max(ranks[t[0]], ranks[t[1]])))
    groups = [list(g) for _, g in groupby(ordered, key=lambda t: min(ranks[t[0]], ranks[t[1]]))]
    return [g[i : i + _PAIRS_PER_JOB] for g in groups for i in range(0, len(g), _PAIRS_PER_JOB)]


def _judge_job(job: list[tuple[int, int, float]]) -> list[str]:
    """Judge one job's pairs in a worker; each result comes back as its ``checked.jsonl`` line."""
    store: ScanStore = _worker["store"]
    options: ScanOptions = _worker["options"]
    cache = _worker.setdefault("cache", DocumentCache(options.pairs.layout))
    numbers = sorted({n for a, b, _ in job for n in (a, b)})
    records = dict(store.records(numbers))
    flat, bounds = _worker["shingles"], _worker["bounds"]
    for number in numbers:
        cache.add_shingles(records[number], flat[bounds[number] : bounds[number + 1]])
    if _worker.get("units") is not None:
        rows, unit_bounds = _worker["units"]
        for number in numbers:
            cache.add_units(records[number], rows[unit_bounds[number] : unit_bounds[number + 1]])
    out = []
    for a, b, similarity in job:
        result = judge_pair(records[a], records[b], similarity, options, _worker["boilerplate"], cache)
        out.append(checked_line({"n_a": a, "n_b": b, **result.to_dict()}))
    return out


def judge_pair(
    record_a: Record,
    record_b: Record,
    similarity: float,
    options: ScanOptions,
    boilerplate: np.ndarray,
    cache: DocumentCache,
) -> PairResult:
    """The per-pair function both engines run on each candidate."""
    return relate(
        record_a,
        record_b,
        options.pairs,
        similarity=similarity,
        semantic_threshold=options.candidates.semantic_threshold,
        boilerplate=boilerplate,
        cache=cache,
    )


# -- outputs -------------------------------------------------------------------------------


def _finish(
    store: ScanStore,
    options: ScanOptions,
    candidates: Candidates,
    judged: list[dict[str, Any]],
    found: dict[str, np.ndarray],
    seconds: dict[str, float],
) -> ScanResult:
    ids, dates = store.ids_and_dates()
    pairs = [PairResult.from_dict({k: v for k, v in r.items() if k not in ("n_a", "n_b")}) for r in judged]
    summary = ScanSummary(
        documents=len(ids),
        skipped=[str(p) for p in store.problems()],
        candidates=len(candidates),
        lexical_candidates=int(found["lexical"][0]),
        semantic_candidates=int(found["semantic"][0]),
        pairs_judged=0,
        related_pairs=0,
        families=0,
        seconds=seconds,
        settings=options.describe(),
        engine="local",
    )
    return assemble_result(pairs, dates, summary)


# -- helpers -------------------------------------------------------------------------------


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _process_pool(workers: int) -> Iterator[Any]:
    """A process pool (forked, so workers share what the parent loaded), or None for one worker."""
    if workers <= 1:
        with tuned_collector():
            yield None
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(workers, initializer=tune_worker_collector) as pool:
        yield pool


def _pool_map(
    function: Callable[[Any], Any], jobs: Iterable[Any], workers: int, chunksize: int = 1
) -> Iterator[Any]:
    """``map`` over a process pool; each worker takes ``chunksize`` consecutive jobs at a time."""
    with _process_pool(workers) as pool:
        if pool is None:
            yield from map(function, jobs)
        else:
            yield from pool.imap(function, jobs, chunksize=chunksize)
