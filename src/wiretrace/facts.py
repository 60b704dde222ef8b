"""Facts in news text: numbers, ordinals, dates, weekdays, names and quotations.

Extraction is rule-based and fast, so that it costs little next to alignment. Names are
runs of capitalised words; a title word before a name ("President", "Minister") marks a
person, and words such as "Forum", "Ministry" or an acronym mark an organisation.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from wiretrace import tokens
from wiretrace.tokens import STOPWORDS

#: Names what extracted a set of facts, for facts stored beside their text (the monitoring
#: index): a change to this module or to the stopwords may find other facts.
FACTS_VERSION = ", ".join(
    f"{path.name} {hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"
    for path in (Path(__file__), Path(str(tokens.__file__)))
)


class FactKind(StrEnum):
    """The kinds of fact that wiretrace tracks."""

    NUMBER = "number"
    ORDINAL = "ordinal"
    MONEY = "money"
    PERCENT = "percent"
    DATE = "date"
    WEEKDAY = "weekday"
    YEAR = "year"
    PERSON = "person"
    ORGANISATION = "organisation"
    NAME = "name"
    QUOTE = "quote"


#: Kinds whose values can be swapped one for another in a rewrite ("Friday" for "Tuesday").
_NAME_KINDS = frozenset({FactKind.PERSON, FactKind.ORGANISATION, FactKind.NAME})


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact: its kind, its text as written, and offsets into the document."""

    kind: FactKind
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """What two mentions must share to be the same fact."""
        return _normalise(self.text)

    @property
    def value(self) -> str:
        """The part that a change would alter: the figure of a number, the whole of a name."""
        if self.kind in (FactKind.NUMBER, FactKind.ORDINAL):
            return self.key.split(" ", 1)[0]
        return self.key


_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan\\.|Feb\\.|Mar\\.|Apr\\.|Jun\\.|Jul\\.|Aug\\.|Sep\\.|Sept\\.|Oct\\.|Nov\\.|Dec\\."
)
_SPELLED = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|thousand|dozens|hundreds|"
    "thousands|millions|billions"
)
_SCALE = r"(?:\s+(?:million|billion|trillion|thousand|mln|bln|bn|m))?"
_NOUN = r"(?:\s+(?!(?:of|and|the|a|an|in|on|to|for)\b)([a-z][a-z\-]{2,}))?"


class _Rule(NamedTuple):
    kind: FactKind
    pattern: re.Pattern[str]
    #: Most sentences have no digit, and skipping the rules that need one there makes
    #: extraction a third faster.
    needs_digit: bool = True
    #: Matched against the text with ASCII letters lower-cased: three times faster than
    #: ``re.IGNORECASE``, which tries every case of every alternative at every word.
    lowercase: bool = False


_RULES: list[_Rule] = [
    _Rule(FactKind.DATE, re.compile(rf"\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b")),
    _Rule(FactKind.DATE, re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})(?:,?\s+\d{{4}})?\b")),
    _Rule(FactKind.DATE, re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    _Rule(FactKind.DATE, re.compile(rf"\b(?:{_MONTHS})\s+\d{{4}}\b")),
    _Rule(FactKind.WEEKDAY, re.compile(rf"\b(?:{_WEEKDAYS})\b"), needs_digit=False),
    _Rule(
        FactKind.MONEY,
        re.compile(rf"(?:[$\u20ac\u00a3\u00a5]|\bUS\$|\bRMB\s?)\s?\d[\d,]*(?:\.\d+)?{_SCALE}\b"),
    ),
    _Rule(
        FactKind.MONEY,
        re.compile(rf"\b\d[\d,]*(?:\.\d+)?{_SCALE}\s+(?:dollars|yuan|euros|pounds|yen|rupees|rubles)\b"),
    ),
    _Rule(FactKind.PERCENT, re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)")),
    _Rule(FactKind.ORDINAL, re.compile(rf"\b\d+(?:st|nd|rd|th)\b{_NOUN}")),
    _Rule(FactKind.YEAR, re.compile(r"\b(?:1[89]|20)\d{2}\b")),
    _Rule(FactKind.NUMBER, re.compile(rf"\b\d[\d,]*(?:\.\d+)?{_SCALE}\b{_NOUN}")),
    _Rule(FactKind.NUMBER, re.compile(rf"\b(?:{_SPELLED})\b{_NOUN}"), needs_digit=False, lowercase=True),
    _Rule(FactKind.QUOTE, re.compile(r"[\"\u201c]([^\"\u201c\u201d]{12,400})[\"\u201d]"), needs_digit=False),
]
_DIGIT = re.compile(r"\d")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_TITLE_WORDS = frozenset(
    """president vice premier prime minister chancellor king queen prince princess secretary
    senator governor mayor general ambassador spokesman spokeswoman spokesperson chairman
    chairwoman chief director mr mrs ms dr sir lord pope justice judge commander""".split()
)
_ORG_WORDS = frozenset(
    """forum party ministry council agency union bank company corporation corp inc ltd group
    committee commission organization organisation association university institute court
    parliament congress assembly army navy police department office fund federation league
    alliance exchange board authority news times post""".split()
)
_CONNECTORS = frozenset({"of", "and", "for", "de", "la", "del", "van", "von", "al", "bin", "da", "the"})
_CAPITALISED = re.compile(r"[A-Z][\w\-'\u2019.]*|[A-Z]{2,}")
_NAME_WORD = re.compile(r"[A-Za-z][\w\-]*(?:['\u2019]s)?|\(|\)|[,;:.!?]")
_NON_NAMES = frozenset(
    (_WEEKDAYS + "|January|February|March|April|May|June|July|August|September|October|November|December")
    .lower()
    .split("|")
)


def extract_facts(text: str, spans: Iterable[tuple[int, int]]) -> list[Fact]:
    """All facts inside the given ``(start, end)`` spans of ``text``, in reading order.

    >>> [f.text for f in extract_facts("On Friday President Xi spoke about the 65th anniversary.", [(0, 56)])]
    ['Friday', 'Xi', '65th anniversary']
    """
    facts: list[Fact] = []
    proper = _proper_words(text)
    for start, end in spans:
        facts.extend(_facts_in(text, start, end, proper))
    facts.sort(key=lambda f: (f.start, f.end))
    return facts


_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z0-9,;] )[A-Z][\w\-]+")


@lru_cache(maxsize=64)
def _proper_words(text: str) -> frozenset[str]:
    """Capitalised words seen mid-sentence: names, as opposed to words capitalised only
    because they open a sentence."""
    return frozenset(m.group(0) for m in _MID_SENTENCE_CAPITAL.finditer(text))


def _facts_in(text: str, start: int, end: int, proper: frozenset[str]) -> list[Fact]:
    chunk = text[start:end]
    taken: list[tuple[int, int]] = []
    found: list[Fact] = []
    has_digit = _DIGIT.search(chunk) is not None
    lowered = chunk.translate(_ASCII_LOWER)  # same length: offsets still hold
    for kind, pattern, needs_digit, lowercase in _RULES:
        if needs_digit and not has_digit:
            continue
        for match in pattern.finditer(lowered if lowercase else chunk):
            s, e = match.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            found.append(Fact(kind, chunk[s:e], start + s, start + e))
    for s, e, kind in _names(chunk, proper):
        if not any(s < te and ts < e for ts, te in taken):
            found.append(Fact(kind, chunk[s:e], start + s, start + e))
    return found


def _names(chunk: str, proper: frozenset[str]) -> list[tuple[int, int, FactKind]]:
    """Runs of capitalised words, split at title words, typed by the words around them."""
    words = list(_NAME_WORD.finditer(chunk))
    tokens = [w.group(0) for w in words]
    names: list[tuple[int, int, FactKind]] = []
    run: list[int] = []  # positions in ``words``
    after_title = False

    def close() -> None:
        nonlocal run
        while run and tokens[run[-1]].lower() in _CONNECTORS:
            run.pop()
        if run and not _is_sentence_opener(run, tokens, proper):
            kind = _name_kind([tokens[i] for i in run], after_title)
            names.append((words[run[0]].start(), _end_without_possessive(words[run[-1]]), kind))
        run = []

    for i, token in enumerate(tokens):
        lower = token.lower()
        if token[0].isupper() and lower.rstrip("s").rstrip("'\u2019") in _TITLE_WORDS:
            if run:
                close()
            after_title = True
            continue
        sentence_start = i == 0 or tokens[i - 1] in ".!?:;"
        if (
            token[0].isupper()
            and _CAPITALISED.fullmatch(token)
            and not (sentence_start and lower in STOPWORDS)
            and lower not in _NON_NAMES
        ):
            run.append(i)
            if token.endswith(("'s", "\u2019s")):
                close()
                after_title = False
            continue
        if _joins_name(run, lower) and i + 1 < len(tokens) and tokens[i + 1][:1].isupper():
            run.append(i)
            continue
        if run:
            close()
        after_title = False
    if run:
        close()
    return names


def _is_sentence_opener(run: list[int], tokens: list[str], proper: frozenset[str]) -> bool:
    """A lone capitalised word opening a sentence is a name only if it is capitalised elsewhere too."""
    if len(run) != 1:
        return False
    position = run[0]
    opens = position == 0 or tokens[position - 1] in ".!?:;"
    token = tokens[position].removesuffix("'s").removesuffix("\u2019s")
    return opens and token not in proper and not token.isupper()


def _joins_name(run: list[int], lower: str) -> bool:
    """A connector continues a name ("Bank of England"); "and" only inside a long one,
    so that "China and Cuba" stays two names."""
    if not run or lower not in _CONNECTORS:
        return False
    return lower != "and" or len(run) >= 2


def _end_without_possessive(word: re.Match[str]) -> int:
    token = word.group(0)
    return word.end() - 2 if token.endswith(("'s", "\u2019s")) else word.end()


def _name_kind(tokens: list[str], after_title: bool) -> FactKind:
    if any(t.lower().rstrip("'s") in _ORG_WORDS for t in tokens) or (
        len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) >= 2
    ):
        return FactKind.ORGANISATION
    return FactKind.PERSON if after_title else FactKind.NAME


_POSSESSIVE = re.compile(r"['\u2019]s\b")
_LEADING_THE = re.compile(r"^the\s+")
_SPACES_QUOTES = re.compile(r"[\s\"\u201c\u201d]+")


#: Spacing that does not change a figure: "$ 1000" is "$1000", "12 %" is "12%".
_SPACE_IN_FIGURE = re.compile(r"(?<=[$\u20ac\u00a3\u00a5])\s+(?=\d)|(?<=\d)\s+(?=%)")


@lru_cache(maxsize=100_000)
def _normalise(text: str) -> str:
    text = _LEADING_THE.sub("", _POSSESSIVE.sub("", text.lower()))
    return _SPACE_IN_FIGURE.sub("", _SPACES_QUOTES.sub(" ", text)).strip(" .,")


def distinct(facts: Iterable[Fact]) -> list[Fact]:
    """The first mention of each fact, in order: documents repeat names many times."""
    seen: dict[str, Fact] = {}
    for fact in facts:
        seen.setdefault(fact.key, fact)
    return list(seen.values())


def same_fact(a: Fact, b: Fact) -> bool:
    """Whether two mentions name the same fact: equal keys, or one name inside the other."""
    if a.key == b.key:
        return True
    if a.kind in _NAME_KINDS and b.kind in _NAME_KINDS:
        wa, wb = a.key.split(), b.key.split()
        shorter, longer = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
        return _is_subsequence(shorter, longer)
    if a.kind == b.kind and a.kind in (FactKind.NUMBER, FactKind.ORDINAL):
        return a.value == b.value
    return False


def has_counterpart(facts: Sequence[Fact], others: Sequence[Fact]) -> list[bool]:
    """For each fact, whether :func:`same_fact` holds for any of ``others``.

    Equivalent to ``[any(same_fact(f, g) for g in others) for f in facts]``, but exact keys
    and numbers are looked up in sets, so only names are compared pairwise: long documents
    carry hundreds of facts.
    """
    keys = {g.key for g in others}
    numbers = {(g.kind, g.value) for g in others if g.kind in (FactKind.NUMBER, FactKind.ORDINAL)}
    names = [g.key.split() for g in others if g.kind in _NAME_KINDS]
    # One name inside another shares all the shorter one's words, so only names sharing a word
    # with it need comparing; an empty name is inside every other.
    sharing: dict[str, list[int]] = {}
    for i, other in enumerate(names):
        for word in set(other):
            sharing.setdefault(word, []).append(i)
    empty_other = any(not other for other in names)
    found = []
    for f in facts:
        if f.key in keys:
            found.append(True)
        elif f.kind in _NAME_KINDS:
            words = f.key.split()
            if not words or empty_other:
                found.append(bool(names))
                continue
            candidates = {i for word in set(words) for i in sharing.get(word, ())}
            found.append(
                any(
                    _is_subsequence(words, names[i])
                    if len(words) <= len(names[i])
                    else _is_subsequence(names[i], words)
                    for i in candidates
                )
            )
        else:
            found.append((f.kind, f.value) in numbers)
    return found


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def substitutions(
    a_facts: list[Fact], b_facts: list[Fact], a_text: str, b_text: str
) -> list[tuple[Fact, Fact]]:
    """Facts that one side swapped for another in the same slot: ``Friday`` for ``Tuesday``.

    Only facts without a counterpart on the other side qualify. Two of them are a
    substitution when they are of comparable kinds and stand between the same words
    ("said on Friday that" / "said on Tuesday that"), or when they are numbers about the
    same thing ("65th anniversary" / "66th anniversary").
    """
    only_a = [f for f, found in zip(a_facts, has_counterpart(a_facts, b_facts), strict=True) if not found]
    only_b = [g for g, found in zip(b_facts, has_counterpart(b_facts, a_facts), strict=True) if not found]
    pairs: list[tuple[Fact, Fact]] = []
    used: set[int] = set()
    for fa in only_a:
        for j, fb in enumerate(only_b):
            if j not in used and _comparable(fa, fb) and _same_slot(fa, fb, a_text, b_text):
                pairs.append((fa, fb))
                used.add(j)
                break
    return pairs


_WORD_BEFORE = re.compile(r"(\w+)\W*$")
_WORD_AFTER = re.compile(r"^\W*(\w+)")


def _flanks(fact: Fact, text: str) -> tuple[str, str]:
    before = _WORD_BEFORE.search(text[max(0, fact.start - 40) : fact.start])
    after = _WORD_AFTER.search(text[fact.end : fact.end + 40])
    return (before.group(1).lower() if before else "", after.group(1).lower() if after else "")


def _same_slot(a: Fact, b: Fact, a_text: str, b_text: str) -> bool:
    if a.kind in (FactKind.NUMBER, FactKind.ORDINAL) and a.key.partition(" ")[2]:
        return a.key.partition(" ")[2] == b.key.partition(" ")[2]
    (a_before, a_after), (b_before, b_after) = _flanks(a, a_text), _flanks(b, b_text)
    return a_before == b_before and a_after == b_after


def _comparable(a: Fact, b: Fact) -> bool:
    if a.kind in _NAME_KINDS and b.kind in _NAME_KINDS:
        return True
    return a.kind == b.kind and a.kind is not FactKind.QUOTE
