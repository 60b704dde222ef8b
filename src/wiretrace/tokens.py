"""Words with offsets, their stems, and which of them carry content.

Tokens keep character offsets into the text they were cut from, so any match between
two units can be shown as exact spans of the original documents.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import Stemmer

_WORD = re.compile(r"\d+(?:[.,:]\d+)*(?:st|nd|rd|th)?%?|\w+(?:['\u2019-]\w+)*")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_STEMMER = Stemmer.Stemmer("english")

# Function words plus the reporting verbs of news prose ("said", "adding"): they carry no
# evidence that one sentence was drawn from another.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    shall may might must upon us per via amid among within without whether yet still even
    say says said saying told tell tells add adds added adding note notes noted noting
    according stated state states remark remarks remarked
    """.split()
)


class Token(NamedTuple):
    """A word of a text: its offsets, lower-cased form, stem, and whether it carries content.

    A named tuple rather than a frozen dataclass: documents have tens of thousands of
    tokens, and tuples are cheaper to build (tokenizing took a third less time).
    """

    start: int
    end: int
    norm: str
    stem: str
    content: bool


_new_tuple = tuple.__new__


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of a lower-cased word, cached because news vocabularies repeat."""
    return _STEMMER.stemWord(word)


@lru_cache(maxsize=200_000)
def _word_forms(word: str) -> tuple[str, str, bool]:
    """Normal form, stem and content flag of a word as it appears in the text."""
    norm = _POSSESSIVE.sub("", word.lower())
    if norm[0].isdigit():
        return norm, norm, True
    return norm, stem(norm), len(norm) > 1 and norm not in STOPWORDS


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Cut ``text`` into tokens whose offsets are shifted by ``offset``.

    >>> [t.stem for t in tokenize("China's supports")]
    ['china', 'support']
    """
    tokens = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        # tuple.__new__ skips the named tuple's Python-level constructor: a quarter faster.
        tokens.append(_new_tuple(Token, (offset + start, offset + end, *_word_forms(match.group()))))
    return tokens


def content_stems(text: str) -> list[str]:
    """The stems of the content words of ``text``, in order: :func:`tokenize` without offsets.

    >>> content_stems("The talks in Geneva's hotels")
    ['talk', 'geneva', 'hotel']
    """
    forms = [_word_forms(word) for word in _WORD.findall(text)]
    return [word_stem for _, word_stem, content in forms if content]
