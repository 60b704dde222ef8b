"""Which document pairs of a corpus are worth aligning: never all of them.

Two sources of candidates, unioned:

* **Lexical, passage-level containment.** Shingles (see :mod:`wiretrace.scan.features`)
  are posted into windows of ``window`` consecutive shingles, on two grids offset by half
  a window so that no shared passage is cut in two on both. A pair of windows that share
  at least ``min_shared`` shingles makes its documents candidates. Counting inside windows
  rather than over whole documents is what finds a short brief inside a long article:
  document-level Jaccard is tiny there, passage-level containment is not.
* **Semantic.** Passages of about fifty words are embedded with the static model and
  searched with faiss; a passage whose near neighbour in another document is at least
  ``semantic_threshold`` similar, or stands out from both passages' neighbourhoods by
  ``margin``, makes the pair a candidate. This catches paraphrase and summary, which share
  few shingles.

Shingles found in more than ``max_df`` documents are boilerplate learned from the corpus
(stock formulas, sign-offs, bylines) and count for nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wiretrace.errors import WiretraceError
from wiretrace.outputs import atomic_path

CHUNK_BITS = 14  # windows per document and grid, before the window index is clamped
MAX_CHUNK = (1 << CHUNK_BITS) - 1
_EXACT_SEARCH_LIMIT = 60_000  # passages; above this faiss searches an IVF index
_SEARCH_BATCH = 4096


@dataclass(frozen=True, slots=True)
class CandidateOptions:
    """Settings for candidate search. The defaults were chosen on PAN 2013 (docs/scan.md)."""

    window: int = 30
    min_shared: int = 4
    max_df: int = 50
    semantic: bool = True
    semantic_threshold: float = 0.86
    neighbours: int = 8
    #: A neighbour this many times as similar as the two passages' neighbourhoods are on
    #: average (their ``margin_neighbours`` nearest passages elsewhere) is a candidate too,
    #: when it is at least ``margin_floor`` similar.
    margin: float = 1.035
    margin_neighbours: int = 16
    margin_floor: float = 0.75


@dataclass(frozen=True, slots=True)
class Candidates:
    """Candidate pairs ``a[i] < b[i]`` (document numbers), with the evidence for each."""

    a: np.ndarray
    b: np.ndarray
    shared: np.ndarray  # most shingles shared by one pair of windows
    similarity: np.ndarray  # best passage similarity, 0 where not searched or not found

    def __len__(self) -> int:
        return len(self.a)

    def pairs(self) -> list[tuple[int, int]]:
        """The pairs as plain tuples, in order."""
        return list(zip(self.a.tolist(), self.b.tolist(), strict=True))


def keep_best(best: dict[int, Any], keys: list[int], values: list[Any]) -> None:
    """Keep, for each pair key (``a << 32 | b``), the highest value seen."""
    for key, value in zip(keys, values, strict=True):
        if value > best.get(key, 0):
            best[key] = value


def split_pair_keys(best: dict[int, Any], dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, b, value)`` arrays, sorted by pair, from a ``{a << 32 | b: value}`` table."""
    keys = np.array(sorted(best), dtype=np.int64)
    return keys >> 32, keys & 0xFFFFFFFF, np.array([best[k] for k in keys.tolist()], dtype=dtype)


def boilerplate_shingles(shingle_sets: Iterable[np.ndarray], max_df: int) -> np.ndarray:
    """Shingles in more than ``max_df`` documents, sorted: the corpus's stock phrases."""
    unique = [np.unique(s) for s in shingle_sets]
    if not unique:
        return np.zeros(0, dtype=np.uint64)
    values, counts = np.unique(np.concatenate(unique), return_counts=True)
    return values[counts > max_df]


def lexical_candidates(
    shingle_sets: Sequence[np.ndarray], options: CandidateOptions, boilerplate: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Document pairs with a pair of windows sharing ``min_shared`` shingles: ``(a, b, shared)``.

    ``boilerplate`` is :func:`boilerplate_shingles` of the sets, computed here when not given.
    """
    best: dict[int, int] = {}
    boiler = boilerplate if boilerplate is not None else boilerplate_shingles(shingle_sets, options.max_df)
    for offset in (0, options.window // 2):
        hashes, keys = window_postings(shingle_sets, options.window, offset, boiler)
        a, b, count = window_pair_counts(hashes, keys, options.max_df)
        keep = count >= options.min_shared
        doc_pairs = (a[keep] >> CHUNK_BITS) << 32 | (b[keep] >> CHUNK_BITS)
        keep_best(best, doc_pairs.tolist(), count[keep].tolist())
    return split_pair_keys(best, np.int32)


def window_postings(
    shingle_sets: Sequence[np.ndarray], window: int, offset: int, boiler: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(shingle, document window)`` postings, sorted by shingle, then window.

    Computed over the whole corpus at once: one sort of every posting costs a fraction of
    sorting each document's postings apart (3 s against 20 s for the benchmark corpus).
    """
    lengths = np.array([len(values) for values in shingle_sets], dtype=np.int64)
    if lengths.sum() == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    values = np.concatenate(shingle_sets)
    doc = np.repeat(np.arange(len(shingle_sets), dtype=np.int64), lengths)
    position = np.arange(len(values), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    chunk = np.minimum((position + offset) // window, MAX_CHUNK)
    keep = ~np.isin(values, boiler) if len(boiler) else np.ones(len(values), dtype=bool)
    hashes = values[keep].view(np.int64)
    keys = (doc[keep] << CHUNK_BITS) | chunk[keep]
    order = np.lexsort((keys, hashes))
    hashes, keys = hashes[order], keys[order]
    distinct = np.r_[True, (hashes[1:] != hashes[:-1]) | (keys[1:] != keys[:-1])]
    return hashes[distinct], keys[distinct]


def window_pair_counts(
    hashes: np.ndarray, keys: np.ndarray, max_df: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pair of windows in different documents, how many shingles they share."""
    if len(hashes) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(hashes)])
    firsts, seconds = [], []
    # A shingle posts once per window it falls in, so a group may exceed max_df a little.
    for size in range(2, 2 * max_df + 1):
        group_starts = starts[sizes == size]
        if len(group_starts) == 0:
            continue
        block = keys[group_starts[:, None] + np.arange(size)]
        left, right = np.triu_indices(size, 1)
        x, y = block[:, left].ravel(), block[:, right].ravel()
        cross = (x >> CHUNK_BITS) != (y >> CHUNK_BITS)
        firsts.append(np.minimum(x, y)[cross])
        seconds.append(np.maximum(x, y)[cross])
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    bits = int(max(a.max(), b.max())).bit_length()
    if 2 * bits <= 63:
        # Both windows in one integer: sorting one key is twice as fast as lexsort on two.
        joined = np.sort((a << bits) | b)
        edges = np.flatnonzero(np.r_[True, joined[1:] != joined[:-1]])
        first = joined[edges]
        return first >> bits, first & ((1 << bits) - 1), np.diff(np.r_[edges, len(joined)])
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    edges = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])])
    counts = np.diff(np.r_[edges, len(a)])
    return a[edges], b[edges], counts


def semantic_candidates(
    vectors: np.ndarray, owners: np.ndarray, options: CandidateOptions, *, seed: int = 7
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Document pairs whose passages are near neighbours: ``(a, b, similarity)``.

    A neighbour in another document counts when it is ``semantic_threshold`` similar, or
    when it stands out from both passages' neighbourhoods by ``margin`` (see
    :func:`neighbourhood_similarity`): in a dense topic, where many unrelated passages are
    0.8 alike, a paraphrase is often no more similar than that in absolute terms, but it is
    clearly more similar than the rest.
    """
    if len(vectors) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    index = vector_index(vectors, seed)
    near, found, local = _search_all(index, vectors, owners, options)
    theirs = owners[found]
    with np.errstate(invalid="ignore"):
        margin = near / ((local[:, None] + local[found]) / 2)
    keep = (theirs != owners[:, None]) & (
        (near >= options.semantic_threshold) | ((near >= options.margin_floor) & (margin >= options.margin))
    )
    x = np.broadcast_to(owners[:, None], keep.shape)[keep]
    y = theirs[keep]
    pair_keys = np.minimum(x, y).astype(np.int64) << 32 | np.maximum(x, y)
    best: dict[int, float] = {}
    keep_best(best, pair_keys.tolist(), near[keep].tolist())
    return split_pair_keys(best, np.float32)


def _search_all(
    index: Any, vectors: np.ndarray, owners: np.ndarray, options: CandidateOptions
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each passage's ``neighbours + 1`` nearest passages and its neighbourhood similarity.

    Returns ``(similarities, positions, neighbourhood)``; a missing neighbour has similarity
    -inf and position 0. Only the nearest columns are kept, so memory grows with the
    passages, not with the neighbourhood searched.
    """
    near_k = min(options.neighbours + 1, len(vectors))
    # Twice the neighbourhood, because a passage's nearest passages are often in its own document.
    k = min(max(near_k, 2 * options.margin_neighbours + 1), len(vectors))
    near = np.empty((len(vectors), near_k), dtype=np.float32)
    found = np.empty((len(vectors), near_k), dtype=np.int64)
    local = np.empty(len(vectors), dtype=np.float32)
    for first in range(0, len(vectors), _SEARCH_BATCH):
        last = first + _SEARCH_BATCH
        sims, positions = nearest(index, vectors, vectors[first:last], k, exact=near_k)
        other = (positions >= 0) & (owners[np.maximum(positions, 0)] != owners[first:last, None])
        local[first:last] = neighbourhood_similarity(sims, other, options.margin_neighbours)
        near[first:last] = sims[:, :near_k]
        found[first:last] = np.maximum(positions[:, :near_k], 0)
    return near, found, local


def neighbourhood_similarity(sims: np.ndarray, other: np.ndarray, size: int) -> np.ndarray:
    """Each passage's mean similarity to its ``size`` nearest passages in other documents.

    ``sims`` holds each passage's search results, nearest first; ``other`` marks those in
    another document. NaN where none was found, so that no margin is computed there.
    This is the denominator of margin-based mining (Artetxe and Schwenk, 2019).

    >>> sims = np.array([[1.0, 0.9, 0.8, 0.4], [1.0, 0.7, 0.5, 0.3]], dtype=np.float32)
    >>> other = np.array([[False, True, True, True], [False, False, True, True]])
    >>> [round(float(v), 2) for v in neighbourhood_similarity(sims, other, 2)]
    [0.85, 0.4]
    """
    rank = np.cumsum(other, axis=1)
    taken = other & (rank <= size)
    count = taken.sum(axis=1)
    total = np.where(taken, sims, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan).astype(np.float32)


def vector_index(vectors: np.ndarray, seed: int = 7):  # type: ignore[no-untyped-def]
    """A faiss inner-product index of ``vectors``: exact up to 60,000, inverted lists above.

    Above that size the lists hold the vectors in half precision, which searches a third
    faster; :func:`nearest` scores what it finds on the full vectors again.
    """
    import faiss

    dim = vectors.shape[1]
    if len(vectors) <= _EXACT_SEARCH_LIMIT:
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index
    lists = int(4 * np.sqrt(len(vectors)))
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dim), dim, lists, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
    )
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), 40 * lists), replace=False))]
    index.cp.seed = seed
    index.train(sample)
    index.add(vectors)
    index.nprobe = 16
    return index


def stored_vector_index(vectors: np.ndarray, path: Path) -> Any:
    """:func:`vector_index` of ``vectors``, kept in the file ``path`` when it has inverted lists.

    Training the lists of a large index takes seconds (12 s for the 20,000-document
    benchmark corpus), which every process opening a monitoring index would pay again.
    ``path`` must name these vectors (the caller puts their fingerprint in it): a file
    there is read instead of training, one that cannot be read is built again, and a
    folder that cannot be written to only means the next process trains too.
    """
    import faiss

    if len(vectors) > _EXACT_SEARCH_LIMIT and path.is_file():
        try:
            return faiss.read_index(str(path))
        except RuntimeError:
            pass  # a damaged file: build the index again and replace it
    index = vector_index(vectors)
    if len(vectors) > _EXACT_SEARCH_LIMIT:
        try:
            with atomic_path(path) as staging:
                faiss.write_index(index, str(staging))
        except (OSError, RuntimeError, WiretraceError):
            pass  # only a cache: a read-only folder or a full disk costs time, not results
    return index


def nearest(
    index: Any, vectors: np.ndarray, queries: np.ndarray, k: int, exact: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest of ``vectors`` (as indexed by :func:`vector_index`) to each query.

    Returns ``(similarities, positions)``; positions are -1 where fewer were found.
    Similarities of the first ``exact`` (default: all) are inner products of the full
    vectors, whatever precision the index keeps, so a threshold means the same for every
    index size; the rest keep the index's own scores, which cost nothing more to read.
    """
    approximate, found = index.search(queries, k)
    exact = k if exact is None else min(exact, k)
    sims = approximate.astype(np.float32)
    sims[:, :exact] = np.einsum("qd,qkd->qk", queries, vectors[np.maximum(found[:, :exact], 0)])
    sims[found < 0] = -np.inf
    return sims, found


def merge_candidates(
    lexical: tuple[np.ndarray, np.ndarray, np.ndarray],
    semantic: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Candidates:
    """One sorted list of pairs with both kinds of evidence."""
    table: dict[tuple[int, int], list[float]] = {}
    for a, b, shared in zip(*(x.tolist() for x in lexical), strict=True):
        table[(a, b)] = [shared, 0.0]
    for a, b, sim in zip(*(x.tolist() for x in semantic), strict=True):
        table.setdefault((a, b), [0, 0.0])[1] = sim
    keys = sorted(table)
    return Candidates(
        a=np.array([k[0] for k in keys], dtype=np.int64),
        b=np.array([k[1] for k in keys], dtype=np.int64),
        shared=np.array([table[k][0] for k in keys], dtype=np.int32),
        similarity=np.array([round(table[k][1], 4) for k in keys], dtype=np.float32),
    )


def embed_passages(
    texts: Iterable[str], encode: Callable[[list[str]], np.ndarray], batch: int = 2048
) -> np.ndarray:
    """Vectors for passage texts, encoded in batches so memory holds one batch of text at a time."""
    rows, pending = [], []
    for text in texts:
        pending.append(text)
        if len(pending) >= batch:
            rows.append(encode(pending))
            pending = []
    if pending:
        rows.append(encode(pending))
    return np.concatenate(rows).astype(np.float32) if rows else np.zeros((0, 0), dtype=np.float32)
