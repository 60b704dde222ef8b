"""Shared content words between every pair of units of two documents, counted in compiled code.

Alignment scores each unit pair that shares content words. Two long documents make
millions of (stem, unit) postings per pair, which a Python loop walks slowly, so the
counting runs in numba over integer stem ids.

Stem ids come from one vocabulary per process. They differ between processes, and
nothing computed here depends on their values, only on which ids are equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
from numba import njit

_VOCABULARY: dict[str, int] = {}
_WORDS: list[str] = []


class Stacked(NamedTuple):
    """The units of one document as flat arrays: unit ``k`` owns ``ids[ptr[k]:ptr[k + 1]]``.

    ``ids`` are each unit's stem ids, sorted; ``bigram_keys`` its bigrams as sorted
    ``first << 32 | second`` keys; ``vocabulary`` and ``counts`` the document's distinct
    stem ids and the number of units holding each.
    """

    ptr: np.ndarray
    ids: np.ndarray
    bigram_ptr: np.ndarray
    bigram_keys: np.ndarray
    roles: np.ndarray
    vocabulary: np.ndarray
    counts: np.ndarray


def stack(units: Sequence[tuple[Iterable[str], Iterable[tuple[str, str]], int]]) -> Stacked:
    """Stems, bigrams and role code of each unit of a document, as :class:`Stacked` arrays.

    Stems missing from this process's vocabulary are added to it.
    """
    vocabulary, words = _VOCABULARY, _WORDS
    ids: list[int] = []
    keys: list[int] = []
    ptr, bigram_ptr, roles = [0], [0], []
    for stems, bigrams, role in units:
        unit_ids = []
        for stem in stems:
            found = vocabulary.get(stem)
            if found is None:
                found = vocabulary[stem] = len(words)
                words.append(stem)
            unit_ids.append(found)
        ids.extend(sorted(unit_ids))
        keys.extend(sorted((vocabulary[a] << 32) | vocabulary[b] for a, b in bigrams))
        ptr.append(len(ids))
        bigram_ptr.append(len(keys))
        roles.append(role)
    flat = np.array(ids, dtype=np.int64)
    distinct, counts = np.unique(flat, return_counts=True)
    return Stacked(
        np.array(ptr, dtype=np.int64),
        flat,
        np.array(bigram_ptr, dtype=np.int64),
        np.array(keys, dtype=np.int64),
        np.array(roles, dtype=np.int64),
        distinct,
        counts.astype(np.int64),
    )


def stems_of(ids: np.ndarray) -> list[str]:
    """The stems behind ``ids``."""
    words = _WORDS
    return [words[i] for i in ids.tolist()]


def unit_counts(sides: Sequence[Stacked]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct stem ids of several documents and the number of their units holding each."""
    if not sides:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    vocabulary, counts = sides[0].vocabulary, sides[0].counts
    for side in sides[1:]:
        vocabulary, counts = _merged_counts(vocabulary, counts, side.vocabulary, side.counts)
    return vocabulary, counts


def compile_kernels() -> None:
    """Compile the kernels now (about 10 s the first time), or load them from numba's cache.

    Otherwise the first alignment after installing pays for it.
    """
    one = stack([(["warm"], [], 0)])
    vocabulary, counts = unit_counts([one, one])
    overlap(one, one, vocabulary, counts, np.ones((1, 1), dtype=np.bool_), 1.0, 1, (0.0, 0.0))


class Overlap(NamedTuple):
    """Every compatible unit pair sharing enough stems, in (derived, source) order.

    Weights are integers in the caller's fixed-point units; the ratios are computed from
    them exactly as Python would, so results do not depend on which code computed them.
    """

    derived: np.ndarray
    source: np.ndarray
    shared_words: np.ndarray
    coverage: np.ndarray
    reverse: np.ndarray
    order: np.ndarray


def overlap(
    derived: Stacked,
    source: Stacked,
    vocabulary: np.ndarray,
    weights: np.ndarray,
    compatible: np.ndarray,
    scale: float,
    min_shared: int,
    least: tuple[float, float],
) -> Overlap:
    """Shared stems of every unit pair with at least ``min_shared`` of them.

    ``vocabulary`` holds the sorted stem ids of both documents and ``weights`` their
    integer weights; ``compatible[r, s]`` says whether a derived unit of role code ``r`` may
    draw on a source unit of role code ``s``. A derived unit without weight is skipped, and
    so is a pair whose lexical score (0.6 coverage + 0.4 order) is under ``least[0]`` and
    whose coverage is under ``least[1]``.
    """
    columns = _overlap(
        derived.ptr,
        derived.ids,
        derived.bigram_ptr,
        derived.bigram_keys,
        derived.roles,
        source.ptr,
        source.ids,
        source.bigram_ptr,
        source.bigram_keys,
        source.roles,
        vocabulary,
        weights,
        compatible,
        scale,
        min_shared,
        least[0],
        least[1],
    )
    return Overlap(*columns)


@njit(cache=True, nogil=True)
def _unit_totals(ptr, ids, vocabulary, weights):  # type: ignore[no-untyped-def]
    totals = np.zeros(len(ptr) - 1, dtype=np.int64)
    for k in range(len(ptr) - 1):
        total = 0
        for p in range(ptr[k], ptr[k + 1]):
            total += weights[np.searchsorted(vocabulary, ids[p])]
        totals[k] = total
    return totals


@njit(cache=True, nogil=True)
def _shared_count(a, a_lo, a_hi, b, b_lo, b_hi):  # type: ignore[no-untyped-def]
    shared = 0
    while a_lo < a_hi and b_lo < b_hi:
        if a[a_lo] == b[b_lo]:
            shared += 1
            a_lo += 1
            b_lo += 1
        elif a[a_lo] < b[b_lo]:
            a_lo += 1
        else:
            b_lo += 1
    return shared


@njit(cache=True, nogil=True)
def _overlap(  # type: ignore[no-untyped-def]
    d_ptr, d_ids, d_bptr, d_bkeys, d_roles,
    s_ptr, s_ids, s_bptr, s_bkeys, s_roles,
    vocabulary, weights, compatible, scale, min_shared, least_score, least_coverage,
):  # fmt: skip
    n_derived, n_source = len(d_ptr) - 1, len(s_ptr) - 1
    d_totals = _unit_totals(d_ptr, d_ids, vocabulary, weights)
    s_totals = _unit_totals(s_ptr, s_ids, vocabulary, weights)
    # The source side as an inverted index: postings sorted by stem id.
    posting_unit = np.empty(len(s_ids), dtype=np.int64)
    for j in range(n_source):
        posting_unit[s_ptr[j] : s_ptr[j + 1]] = j
    by_stem = np.argsort(s_ids, kind="mergesort")
    posting_ids = s_ids[by_stem]
    posting_unit = posting_unit[by_stem]

    counts = np.zeros(n_source, dtype=np.int64)
    shared_weight = np.zeros(n_source, dtype=np.int64)
    touched = np.empty(n_source, dtype=np.int64)
    capacity = 1024
    out_d = np.empty(capacity, dtype=np.int64)
    out_s = np.empty(capacity, dtype=np.int64)
    out_n = np.empty(capacity, dtype=np.int64)
    out_cov = np.empty(capacity, dtype=np.float64)
    out_rev = np.empty(capacity, dtype=np.float64)
    out_ord = np.empty(capacity, dtype=np.float64)
    size = 0
    for i in range(n_derived):
        d_weight = d_totals[i] / scale
        if d_weight <= 0:
            continue
        n_touched = 0
        for p in range(d_ptr[i], d_ptr[i + 1]):
            stem = d_ids[p]
            weight = weights[np.searchsorted(vocabulary, stem)]
            lo = np.searchsorted(posting_ids, stem)
            while lo < len(posting_ids) and posting_ids[lo] == stem:
                j = posting_unit[lo]
                if counts[j] == 0:
                    touched[n_touched] = j
                    n_touched += 1
                counts[j] += 1
                shared_weight[j] += weight
                lo += 1
        # In source order, so that ties between source units break the same way everywhere.
        for j in np.sort(touched[:n_touched]):
            n_shared = counts[j]
            if n_shared >= min_shared and compatible[d_roles[i], s_roles[j]]:
                weight_shared = shared_weight[j] / scale
                coverage = weight_shared / d_weight
                n_bigrams = d_bptr[i + 1] - d_bptr[i]
                order = 0.0
                if n_bigrams:
                    common = _shared_count(
                        d_bkeys, d_bptr[i], d_bptr[i + 1], s_bkeys, s_bptr[j], s_bptr[j + 1]
                    )
                    order = common / n_bigrams
                if 0.6 * coverage + 0.4 * order >= least_score or coverage >= least_coverage:
                    if size == capacity:
                        capacity *= 2
                        out_d = _grown(out_d, capacity)
                        out_s = _grown(out_s, capacity)
                        out_n = _grown(out_n, capacity)
                        out_cov = _grown(out_cov, capacity)
                        out_rev = _grown(out_rev, capacity)
                        out_ord = _grown(out_ord, capacity)
                    out_d[size] = i
                    out_s[size] = j
                    out_n[size] = n_shared
                    out_cov[size] = coverage
                    out_rev[size] = weight_shared / max(s_totals[j] / scale, 1e-9)
                    out_ord[size] = order
                    size += 1
            counts[j] = 0
            shared_weight[j] = 0
    return out_d[:size], out_s[:size], out_n[:size], out_cov[:size], out_rev[:size], out_ord[:size]


@njit(cache=True, nogil=True)
def _grown(values, capacity):  # type: ignore[no-untyped-def]
    bigger = np.empty(capacity, dtype=values.dtype)
    bigger[: len(values)] = values
    return bigger


@njit(cache=True, nogil=True)
def _merged_counts(a_ids, a_counts, b_ids, b_counts):  # type: ignore[no-untyped-def]
    ids = np.empty(len(a_ids) + len(b_ids), dtype=np.int64)
    counts = np.empty(len(a_ids) + len(b_ids), dtype=np.int64)
    i = k = n = 0
    while i < len(a_ids) or k < len(b_ids):
        if k == len(b_ids) or (i < len(a_ids) and a_ids[i] < b_ids[k]):
            ids[n], counts[n] = a_ids[i], a_counts[i]
            i += 1
        elif i == len(a_ids) or b_ids[k] < a_ids[i]:
            ids[n], counts[n] = b_ids[k], b_counts[k]
            k += 1
        else:
            ids[n], counts[n] = a_ids[i], a_counts[i] + b_counts[k]
            i += 1
            k += 1
        n += 1
    return ids[:n], counts[:n]
