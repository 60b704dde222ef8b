"""The compiled loops behind :mod:`wiretrace.overlap` (numba, cached on disk after the first run)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _unit_totals(ptr, posting_weights):  # type: ignore[no-untyped-def]
    totals = np.zeros(len(ptr) - 1, dtype=np.int64)
    for k in range(len(ptr) - 1):
        totals[k] = posting_weights[ptr[k] : ptr[k + 1]].sum()
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
def shared_stems(  # type: ignore[no-untyped-def]
    d_ptr, d_ids, d_bptr, d_bkeys, d_roles,
    s_ptr, s_ids, s_bptr, s_bkeys, s_roles,
    vocabulary, weights, compatible, scale, min_shared, least_score, least_coverage,
):  # fmt: skip
    """The columns of :class:`wiretrace.overlap.Overlap`; see :func:`wiretrace.overlap.overlap`."""
    n_derived, n_source = len(d_ptr) - 1, len(s_ptr) - 1
    d_weights = weights[np.searchsorted(vocabulary, d_ids)]
    d_totals = _unit_totals(d_ptr, d_weights)
    s_totals = _unit_totals(s_ptr, weights[np.searchsorted(vocabulary, s_ids)])
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
            weight = d_weights[p]
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
def merged_counts(a_ids, a_counts, b_ids, b_counts):  # type: ignore[no-untyped-def]
    """The union of two sorted id arrays, with the counts of ids in both added."""
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


@njit(cache=True, nogil=True)
def densest_shared_window(a, b, a_distinct, b_distinct, boilerplate, window):  # type: ignore[no-untyped-def]
    """See :func:`wiretrace.scan.pairs.window_shared`: the same count, without temporaries."""
    common = np.empty(min(len(a_distinct), len(b_distinct)), dtype=a_distinct.dtype)
    n = i = k = 0
    while i < len(a_distinct) and k < len(b_distinct):
        if a_distinct[i] < b_distinct[k]:
            i += 1
        elif b_distinct[k] < a_distinct[i]:
            k += 1
        else:
            value = a_distinct[i]
            at = np.searchsorted(boilerplate, value)
            if at == len(boilerplate) or boilerplate[at] != value:
                common[n] = value
                n += 1
            i += 1
            k += 1
    if n == 0:
        return 0
    common = common[:n]
    return min(_densest(a, common, window), _densest(b, common, window))


@njit(cache=True, nogil=True)
def _densest(values, common, window):  # type: ignore[no-untyped-def]
    hits = np.zeros(len(values), dtype=np.int64)
    for p in range(len(values)):
        at = np.searchsorted(common, values[p])
        if at < len(common) and common[at] == values[p]:
            hits[p] = 1
    if len(values) <= window:
        return hits.sum()
    best = current = hits[:window].sum()
    for p in range(window, len(values)):
        current += hits[p] - hits[p - window]
        if current > best:
            best = current
    return best
