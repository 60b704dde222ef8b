"""Shared content words between every pair of units of two documents, counted in compiled code.

Alignment scores each unit pair that shares content words. Two long documents make
millions of (stem, unit) postings per pair, which a Python loop walks slowly, so the
counting runs in numba over integer stem ids.

The compiled kernels live in :mod:`wiretrace.kernels`, imported on first use: numba and
its compiled code add about 140 MB to a process, and most processes of a corpus scan never
align anything.

Stem ids come from one vocabulary per process. They differ between processes, and
nothing computed here depends on their values, only on which ids are equal. The
vocabulary grows with the distinct stems a process meets and is never trimmed, since
cached documents hold its ids.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

_VOCABULARY: dict[str, int] = {}
_WORDS: list[str] = []
#: Held while a stem is added, so that two threads (the web app's) never give one id to two stems.
_ADDING = threading.Lock()


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
    vocabulary = _VOCABULARY
    ids: list[int] = []
    keys: list[int] = []
    ptr, bigram_ptr, roles = [0], [0], []
    for stems, bigrams, role in units:
        unit_ids = []
        for stem in stems:
            found = vocabulary.get(stem)
            if found is None:
                found = _add_stem(stem)
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


def _add_stem(stem: str) -> int:
    with _ADDING:
        found = _VOCABULARY.get(stem)
        if found is None:
            found = len(_WORDS)
            _WORDS.append(stem)
            _VOCABULARY[stem] = found
        return found


def word_ids(units: Sequence[Sequence[str]]) -> np.ndarray:
    """The stem ids of the words of several units, one flat array in order.

    Stems missing from this process's vocabulary are added to it.
    """
    vocabulary = _VOCABULARY
    ids = [vocabulary.get(stem) for words in units for stem in words]
    if None in ids:
        flat = [stem for words in units for stem in words]
        ids = [_add_stem(stem) if found is None else found for stem, found in zip(flat, ids, strict=True)]
    return np.array(ids, dtype=np.int64)


def stems_of(ids: np.ndarray) -> list[str]:
    """The stems behind ``ids``."""
    words = _WORDS
    return [words[i] for i in ids.tolist()]


def unit_counts(sides: Sequence[Stacked]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct stem ids of several documents and the number of their units holding each."""
    if not sides:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    from wiretrace.kernels import merged_counts

    vocabulary, counts = sides[0].vocabulary, sides[0].counts
    for side in sides[1:]:
        vocabulary, counts = merged_counts(vocabulary, counts, side.vocabulary, side.counts)
    return vocabulary, counts


def compile_kernels() -> None:
    """Compile the kernels now (about 10 s the first time), or load them from numba's cache.

    Otherwise the first alignment after installing pays for it.
    """
    from wiretrace.kernels import densest_shared_window

    one = stack([(["warm"], [], 0)])
    vocabulary, counts = unit_counts([one, one])
    overlap(one, one, vocabulary, counts, np.ones((1, 1), dtype=np.bool_), 1.0, 1, (0.0, 0.0))
    shingles = np.arange(3, dtype=np.uint64)
    densest_shared_window(shingles, shingles, shingles, shingles, shingles[:0], 2)


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
    from wiretrace.kernels import shared_stems

    columns = shared_stems(
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
