"""Per-document features for candidate search: shingles and passages to embed.

Shingles are hashes of word pairs over a document's content-word stems, in text order.
Dropping function words and stemming first makes them survive the light edits that break
exact word n-grams ("the talks were held" / "talks held"): on PAN 2013, nearly every
obfuscated pair still shares several of them within one passage, where only 0.885 of the
translated pairs share a single exact word 5-gram.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import Stemmer
import xxhash

from wiretrace.tokens import STOPWORDS

_WORD = re.compile(r"\w+")
_STEMMER = Stemmer.Stemmer("english")
_MULTIPLIER = np.uint64(1099511628211)  # the FNV-1a prime: mixes word hashes into a pair hash
_WORD_HASHES: dict[str, int] = {}
_WORD_HASH_CACHE_LIMIT = 2_000_000

#: Words per passage given to the static model for semantic candidates.
PASSAGE_WORDS = 50


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of a document's text, as offsets into it."""

    start: int
    end: int


def content_stems(text: str) -> list[str]:
    """Lower-cased, stemmed content words of ``text``, in order.

    >>> content_stems("The talks were held in Geneva on Monday")
    ['talk', 'held', 'geneva', 'monday']
    """
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    return _STEMMER.stemWords(words)


def shingles(text: str, n: int = 2) -> np.ndarray:
    """Hashes of each run of ``n`` content-word stems, one per position, as uint64.

    >>> a = shingles("Talks were held in Geneva on Monday.")
    >>> b = shingles("Talks held in Geneva, Monday")
    >>> bool(np.array_equal(a, b)), len(a)
    (True, 3)
    """
    words = np.fromiter((_word_hash(w) for w in content_stems(text)), dtype=np.uint64)
    if len(words) < n:
        return np.zeros(0, dtype=np.uint64)
    combined = np.zeros(len(words) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            combined = combined * _MULTIPLIER + words[k : len(words) - n + 1 + k]
    return combined


def passages(text: str, words: int = PASSAGE_WORDS) -> list[Passage]:
    """Consecutive stretches of about ``words`` words; a short last stretch joins the one before.

    >>> text = "one two three four five six seven eight nine"
    >>> [len(text[p.start : p.end].split()) for p in passages(text, words=4)]
    [4, 5]
    """
    spans = [m.span() for m in _stretch(words).finditer(text)]
    if len(spans) > 1 and len(text[spans[-1][0] : spans[-1][1]].split()) < words // 2:
        spans[-2:] = [(spans[-2][0], spans[-1][1])]
    return [Passage(start, end) for start, end in spans]


@lru_cache(maxsize=8)
def _stretch(words: int) -> re.Pattern[str]:
    # One match per stretch of up to ``words`` words: the regex engine walks the words, which
    # is several times faster than a Python loop over every word of a corpus.
    return re.compile(rf"\S+(?:\s+\S+){{0,{words - 1}}}")


def _word_hash(word: str) -> int:
    value = _WORD_HASHES.get(word)
    if value is None:
        if len(_WORD_HASHES) > _WORD_HASH_CACHE_LIMIT:
            _WORD_HASHES.clear()
        value = _WORD_HASHES[word] = xxhash.xxh3_64_intdigest(word.encode())
    return value
