"""Reuse found by windows of content words, where no sentence pair links (step 15 of ``wiretrace pan``).

Random obfuscation drops, swaps and replaces words and shuffles them across sentence
ends, so a rewritten stretch may hold no sentence that keeps enough of any one source
sentence's words to be linked. Its words are still there, read as a bag: a window of the
suspicious text's content words whose rare stems turn up, most of them, in one window of
the source. Two pages on one subject share a few such stems per window, not most of them.

Windows are compared all against all as sparse stem-presence matrices, one product per
window size, so a pair of long documents costs milliseconds. Every window pair that
passes is cut to its first and last shared word on each side and judged again as a bag;
the survivors that overlap are joined. Words are stem ids kept with each document's
profiles (:attr:`~wiretrace.align.Profiles.word_ids`); character offsets are read only
for the words at a match's ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.sparse import csr_matrix

from wiretrace.align import Profile, Profiles, Weights, as_profiles


@dataclass(frozen=True, slots=True)
class WindowBar:
    """What a window pair must share to be reuse.

    ``sizes`` holds (suspicious words, source words, step) for each window size; a
    source window is longer because random edits delete words more often than they add
    them. The rest applies to a window pair, and again once it is cut to its shared words.
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


class _Side(NamedTuple):
    """One document's content words as columns of the pair's stem matrix."""

    profiles: Profiles
    columns: np.ndarray


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
    this_profiles, other_profiles = as_profiles(suspicious), as_profiles(source)
    this_ids, other_ids = this_profiles.word_ids, other_profiles.word_ids
    if min(len(this_ids), len(other_ids)) < bar.shared:
        return []
    stems, columns = np.unique(np.concatenate([this_ids, other_ids]), return_inverse=True)
    this = _Side(this_profiles, columns[: len(this_ids)])
    other = _Side(other_profiles, columns[len(this_ids) :])
    stem_weight = weights.of_ids(stems)
    free = ~_covered_words(this_profiles, covered)
    found = []
    for size in bar.sizes:
        for this_range, other_range in _passing_windows(
            this.columns, other.columns, stem_weight, free, size, bar
        ):
            match = _cut_to_shared(this, this_range, other, other_range, stem_weight, bar)
            if match is not None:
                found.append(match)
    return _joined(found, join_chars)


def _covered_words(profiles: Profiles, ranges: Sequence[tuple[int, int]]) -> np.ndarray:
    """Whether each content word starts inside one of ``ranges``."""
    flags = np.zeros(len(profiles.word_ids), dtype=np.bool_)
    ptr = profiles.word_ptr
    for start, end in ranges:
        for k, p in enumerate(profiles):
            if p.unit.end <= start or p.unit.start >= end or not p.words:
                continue
            if start <= p.unit.start and p.unit.end <= end:
                flags[ptr[k] : ptr[k + 1]] = True
            else:
                inside = [start <= t.start < end for t in p.tokens if t.content]
                flags[ptr[k] : ptr[k + 1]] |= np.array(inside, dtype=np.bool_)
    return flags


def _passing_windows(
    this_columns: np.ndarray,
    other_columns: np.ndarray,
    stem_weight: np.ndarray,
    free: np.ndarray,
    size: tuple[int, int, int],
    bar: WindowBar,
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Word ranges (suspicious, source) of the window pairs that pass ``bar`` as bags."""
    this_size, other_size, step = size
    this_starts = _window_starts(len(this_columns), this_size, step)
    this_starts = this_starts[_window_clear(free, this_starts, this_size)]
    if not len(this_starts):
        return []
    other_starts = _window_starts(len(other_columns), other_size, max(1, step * other_size // this_size))
    this_bags = _presence(this_columns, this_starts, this_size, len(stem_weight))
    other_bags = _presence(other_columns, other_starts, other_size, len(stem_weight))
    weighted = csr_matrix(
        (stem_weight[this_bags.indices], this_bags.indices, this_bags.indptr), this_bags.shape
    )
    shared = (weighted @ other_bags.T.tocsr()).tocoo()
    if not shared.nnz:
        return []
    coverage = shared.data / np.maximum((this_bags @ stem_weight)[shared.row], 1e-9)
    reverse = shared.data / np.maximum((other_bags @ stem_weight)[shared.col], 1e-9)
    passing = (coverage >= bar.coverage) & (reverse >= bar.reverse) & (shared.data >= bar.shared_weight)
    return [
        (
            (int(this_starts[x]), int(this_starts[x]) + this_size),
            (int(other_starts[y]), int(other_starts[y]) + other_size),
        )
        for x, y in zip(shared.row[passing], shared.col[passing], strict=True)
    ]


def _window_starts(words: int, size: int, step: int) -> np.ndarray:
    last = max(words - size, 0)
    return np.unique(np.append(np.arange(0, last + 1, step), last))


def _window_clear(free: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """Whether each window holds no covered word."""
    covered_before = np.concatenate([[0], np.cumsum(~free)])
    ends = np.minimum(starts + size, len(free))
    return covered_before[ends] == covered_before[starts]


def _presence(columns: np.ndarray, starts: np.ndarray, size: int, stems: int) -> csr_matrix:
    """One row per window: 1 for each stem the window holds."""
    index = starts[:, None] + np.arange(size)
    valid = index < len(columns)
    rows = np.broadcast_to(np.arange(len(starts))[:, None], index.shape)[valid]
    bags = csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, columns[index[valid]])), shape=(len(starts), stems)
    )
    bags.sum_duplicates()
    bags.data[:] = 1.0
    return bags


def _cut_to_shared(
    this: _Side,
    this_range: tuple[int, int],
    other: _Side,
    other_range: tuple[int, int],
    stem_weight: np.ndarray,
    bar: WindowBar,
) -> WindowMatch | None:
    """The window pair cut to its first and last shared word on each side, if it still passes."""
    shared = np.intersect1d(this.columns[slice(*this_range)], other.columns[slice(*other_range)])
    if len(shared) < bar.shared:
        return None
    d0, d1 = _between_shared(this.columns, this_range, shared)
    s0, s1 = _between_shared(other.columns, other_range, shared)
    shared_weight = float(stem_weight[shared].sum())
    coverage = shared_weight / max(float(stem_weight[np.unique(this.columns[d0:d1])].sum()), 1e-9)
    reverse = shared_weight / max(float(stem_weight[np.unique(other.columns[s0:s1])].sum()), 1e-9)
    if shared_weight < bar.shared_weight or coverage < bar.coverage or reverse < bar.reverse:
        return None
    this_start, this_end = _offsets(this.profiles, d0, d1)
    if this_end - this_start < bar.min_chars:
        return None
    return WindowMatch(this_start, this_end, *_offsets(other.profiles, s0, s1), coverage)


def _between_shared(columns: np.ndarray, word_range: tuple[int, int], shared: np.ndarray) -> tuple[int, int]:
    """The word range from the first to the last word of ``columns[start:end]`` in ``shared``."""
    start, end = word_range
    at = np.flatnonzero(np.isin(columns[start:end], shared))
    return start + int(at[0]), start + int(at[-1]) + 1


def _offsets(profiles: Profiles, first: int, end: int) -> tuple[int, int]:
    """Where the content words ``first`` to ``end - 1`` of a document start and end."""
    return _content_token(profiles, first)[0], _content_token(profiles, end - 1)[1]


def _content_token(profiles: Profiles, word: int) -> tuple[int, int]:
    """Character offsets of the ``word``-th content word of a document."""
    unit = int(np.searchsorted(profiles.word_ptr, word, side="right")) - 1
    position = word - int(profiles.word_ptr[unit])
    token = [t for t in profiles[unit].tokens if t.content][position]
    return token.start, token.end


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
