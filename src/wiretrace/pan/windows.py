"""Reuse found by windows of content words, where no sentence pair links (step 15 of ``wiretrace pan``).

Random obfuscation drops, swaps and replaces words and shuffles them across sentence
ends, so a rewritten stretch may hold no sentence that keeps enough of any one source
sentence's words to be linked. Its words are still there, read as a bag: a window of the
suspicious text's content words whose rare stems turn up, most of them, in one window of
the source. Two pages on one subject share a few such stems per window, not most of them.

Windows are compared all against all as sparse stem-presence matrices, one product per
window size, so a pair of long documents costs milliseconds. Every window pair that
passes is cut to its first and last shared word on each side and judged again as a bag;
the survivors that overlap are joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix

from wiretrace.align import Profile, Weights, as_profiles
from wiretrace.tokens import ContentWords


@dataclass(frozen=True, slots=True)
class WindowBar:
    """What a window pair must share to be reuse.

    ``sizes`` holds (suspicious words, source words, step) for each window size; a
    source window is longer because random edits delete words more often than they add
    them. The rest applies to a window pair once it is cut to its shared words.
    """

    sizes: tuple[tuple[int, int, int], ...] = ((20, 30, 5), (40, 60, 10))
    #: Distinct shared stems ...
    shared: int = 8
    #: ... making up this share of the suspicious stretch's stem weight ...
    coverage: float = 0.5
    #: ... and this share of the source stretch's ...
    reverse: float = 0.2
    #: ... and weighing this much in all: a short window meets eight common stems by chance.
    shared_weight: float = 40.0
    #: Characters of the suspicious stretch.
    min_chars: int = 100


class WindowMatch(NamedTuple):
    """Character ranges of a suspicious and a source stretch that share most of their words."""

    this_start: int
    this_end: int
    source_start: int
    source_end: int
    #: The share of the suspicious stretch's stem weight found in the source stretch.
    coverage: float


def window_matches(
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    bar: WindowBar,
    covered: Sequence[tuple[int, int]] = (),
    join_chars: int = 100,
) -> list[WindowMatch]:
    """Stretches that share most of their rare words, outside the suspicious ranges in ``covered``.

    Matches within ``join_chars`` of each other on the suspicious side (and near on the
    source side) are joined into one.
    """
    this, other = as_profiles(suspicious).content_words, as_profiles(source).content_words
    if min(len(this.stems), len(other.stems)) < bar.shared:
        return []
    ids: dict[str, int] = {}
    this_ids = np.array([ids.setdefault(s, len(ids)) for s in this.stems], dtype=np.int64)
    other_ids = np.array([ids.setdefault(s, len(ids)) for s in other.stems], dtype=np.int64)
    stem_weight = np.array([weights.weight(s) for s in ids])
    free = ~_inside(this.starts, covered)
    found = []
    for size in bar.sizes:
        for d0, d1, s0, s1 in _passing_windows(this_ids, other_ids, stem_weight, free, size, bar):
            match = _cut_to_shared(this, (d0, d1), this_ids, other, (s0, s1), other_ids, stem_weight, bar)
            if match is not None:
                found.append(match)
    return _joined(found, join_chars)


def _inside(starts: list[int], ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    at = np.array(starts)
    flags = np.zeros(len(at), dtype=np.bool_)
    for start, end in ranges:
        flags |= (at >= start) & (at < end)
    return flags


def _passing_windows(
    this_ids: np.ndarray,
    other_ids: np.ndarray,
    stem_weight: np.ndarray,
    free: np.ndarray,
    size: tuple[int, int, int],
    bar: WindowBar,
) -> list[tuple[int, int, int, int]]:
    """Word ranges (suspicious, source) of the window pairs that pass ``bar`` as bags."""
    this_size, other_size, step = size
    vocabulary = len(stem_weight)
    this_starts = _window_starts(len(this_ids), this_size, step)
    this_starts = this_starts[_window_clear(free, this_starts, this_size)]
    if not len(this_starts):
        return []
    other_starts = _window_starts(len(other_ids), other_size, max(1, step * other_size // this_size))
    this_bags = _presence(this_ids, this_starts, this_size, vocabulary)
    other_bags = _presence(other_ids, other_starts, other_size, vocabulary)
    weighted = this_bags.multiply(stem_weight).tocsr()
    shared = (weighted @ other_bags.T).tocoo()
    if not shared.nnz:
        return []
    coverage = shared.data / np.maximum(np.asarray(weighted.sum(axis=1)).ravel()[shared.row], 1e-9)
    other_weight = np.asarray(other_bags.multiply(stem_weight).sum(axis=1)).ravel()
    reverse = shared.data / np.maximum(other_weight[shared.col], 1e-9)
    passing = (coverage >= bar.coverage) & (reverse >= bar.reverse) & (shared.data >= bar.shared_weight)
    rows, columns = shared.row[passing], shared.col[passing]
    return [
        (
            int(this_starts[x]),
            int(this_starts[x]) + this_size,
            int(other_starts[y]),
            int(other_starts[y]) + other_size,
        )
        for x, y in zip(rows, columns, strict=True)
    ]


def _window_starts(words: int, size: int, step: int) -> np.ndarray:
    last = max(words - size, 0)
    return np.unique(np.append(np.arange(0, last + 1, step), last))


def _window_clear(free: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """Whether each window holds no covered word."""
    covered_before = np.concatenate([[0], np.cumsum(~free)])
    ends = np.minimum(starts + size, len(free))
    return covered_before[ends] == covered_before[starts]


def _presence(ids: np.ndarray, starts: np.ndarray, size: int, vocabulary: int) -> csr_matrix:
    """One row per window: 1 for each stem the window holds."""
    index = starts[:, None] + np.arange(size)
    valid = index < len(ids)
    rows = np.broadcast_to(np.arange(len(starts))[:, None], index.shape)[valid]
    bags = csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, ids[index[valid]])), shape=(len(starts), vocabulary)
    )
    bags.sum_duplicates()
    bags.data[:] = 1.0
    return bags


def _cut_to_shared(
    this: ContentWords,
    this_range: tuple[int, int],
    this_ids: np.ndarray,
    other: ContentWords,
    other_range: tuple[int, int],
    other_ids: np.ndarray,
    stem_weight: np.ndarray,
    bar: WindowBar,
) -> WindowMatch | None:
    """The window pair cut to its first and last shared word on each side, if it still passes."""
    d0, d1 = this_range
    s0, s1 = other_range
    shared = np.intersect1d(this_ids[d0:d1], other_ids[s0:s1])
    d0, d1 = _between_shared(this_ids, d0, d1, shared)
    s0, s1 = _between_shared(other_ids, s0, s1, shared)
    this_stems, other_stems = np.unique(this_ids[d0:d1]), np.unique(other_ids[s0:s1])
    shared_weight = float(stem_weight[shared].sum())
    coverage = shared_weight / max(float(stem_weight[this_stems].sum()), 1e-9)
    if (
        len(shared) < bar.shared
        or shared_weight < bar.shared_weight
        or coverage < bar.coverage
        or shared_weight / max(float(stem_weight[other_stems].sum()), 1e-9) < bar.reverse
        or this.ends[d1 - 1] - this.starts[d0] < bar.min_chars
    ):
        return None
    return WindowMatch(this.starts[d0], this.ends[d1 - 1], other.starts[s0], other.ends[s1 - 1], coverage)


def _between_shared(ids: np.ndarray, start: int, end: int, shared: np.ndarray) -> tuple[int, int]:
    """The word range from the first to the last word of ``ids[start:end]`` in ``shared``."""
    at = np.flatnonzero(np.isin(ids[start:end], shared))
    return (start + int(at[0]), start + int(at[-1]) + 1) if len(at) else (start, start)


def _joined(matches: list[WindowMatch], join_chars: int) -> list[WindowMatch]:
    """Overlapping or neighbouring matches joined: windows slide, so one reuse passes many times."""
    joined: list[WindowMatch] = []
    for m in sorted(matches):
        for k, j in enumerate(joined):
            if (
                m.this_start <= j.this_end + join_chars
                and j.this_start <= m.this_end + join_chars
                and m.source_start <= j.source_end + 3 * join_chars
                and j.source_start <= m.source_end + 3 * join_chars
            ):
                joined[k] = WindowMatch(
                    min(j.this_start, m.this_start),
                    max(j.this_end, m.this_end),
                    min(j.source_start, m.source_start),
                    max(j.source_end, m.source_end),
                    max(j.coverage, m.coverage),
                )
                break
        else:
            joined.append(m)
    return joined
