"""The verdict on a pair: is one derived from the other, which is the original, is it credited.

The derived side is the one whose story is contained in the other. Dates decide the
original when both are known; otherwise content does: a rewrite condenses, merges and
drops, so its words are found in the original far more than the other way round.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from wiretrace.align import Alignment, Profile, Profiles, Weights, as_profiles
from wiretrace.document import Document, Unit

#: Share of story text that must be reused for "wholly" (METER: all of it, less stray words).
WHOLLY = 0.9
#: Share of story text that makes reuse "partial" even with a single link.
PARTIALLY = 0.1
#: Difference of containment below which content cannot tell the original.
DIRECTION_MARGIN = 0.05

_AGENCIES = (
    "Xinhua|Reuters|AP|AFP|Bloomberg|dpa|DPA|UPI|PTI|IANS|Kyodo|Yonhap|TASS|Tass|ANI|CNA|Bernama|"
    "EFE|ANSA|ANTARA|Antara|Anadolu|APA|Sputnik|RIA Novosti|Interfax|PA|CP|AAP|Jiji"
)
_NAME = r"(?:the\s+)?[A-Z][\w.&'\-]*(?:\s+(?:of\s+)?[A-Z][\w.&'\-]*){0,4}"
_CREDIT_PATTERNS = [
    re.compile(rf"\((?:{_AGENCIES})\)"),
    re.compile(rf"/(?:{_AGENCIES})/"),
    re.compile(rf"(?:--|\u2014|\u2013)\s*(?:{_AGENCIES})\b"),
    re.compile(rf"\b(?:according to|citing|cited by|courtesy of)\s+{_NAME}"),
    re.compile(rf"\b{_NAME}\s+(?:reported|reports|said in a report)\b"),
    re.compile(r"^\s*(?:Source|Sources|Credit)\s*:\s*\S.{0,80}$", re.MULTILINE | re.IGNORECASE),
]


@dataclass(frozen=True, slots=True)
class Direction:
    """Which document of a pair is the original, and why."""

    source: str  # "a", "b" or "unknown"
    derived_side: str  # the side aligned as derived: "a" or "b"
    reason: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The summary judgement on a pair, as in the JSON report."""

    derived: str
    source: str
    containment: float
    coverage: float
    credit: str | None
    explanation: str


def story_units(doc: Document) -> list[Unit]:
    """Units that are story text, not page furniture or titles."""
    return [u for u in doc.units if u.is_story]


def decide_direction(
    a: Document, b: Document, a_prof: list[Profile], b_prof: list[Profile], weights: Weights | None = None
) -> Direction:
    """Decide which side to align as derived, and whether the original can be named.

    ``weights`` are the stem weights over the units of both documents, when the caller has them.
    """
    a_prof, b_prof = as_profiles(a_prof), as_profiles(b_prof)
    weights = weights or Weights(a_prof, b_prof)
    a_in_b = _containment(a_prof, b_prof, weights)
    b_in_a = _containment(b_prof, a_prof, weights)
    derived_side = "b" if b_in_a >= a_in_b else "a"
    dated = _by_dates(a, b)
    if dated is not None:
        return Direction(dated, "b" if dated == "a" else "a", "the dates say which came first")
    if abs(a_in_b - b_in_a) < DIRECTION_MARGIN:
        return Direction("unknown", derived_side, "each text contains the other about equally")
    source = "a" if derived_side == "b" else "b"
    return Direction(
        source,
        derived_side,
        f"{b_in_a if derived_side == 'b' else a_in_b:.0%} of the rewrite's words are in the original, "
        f"{a_in_b if derived_side == 'b' else b_in_a:.0%} the other way",
    )


def _containment(inner: Profiles, outer: Profiles, weights: Weights) -> float:
    total = weights.total_of_ids(inner.story_ids)
    shared = np.intersect1d(inner.story_ids, outer.story_ids, assume_unique=True)
    return weights.total_of_ids(shared) / total if total else 0.0


def _by_dates(a: Document, b: Document) -> str | None:
    da, db = _parse_date(a.date), _parse_date(b.date)
    if da is None or db is None or da == db:
        return None
    return "a" if da < db else "b"


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def find_credit(doc: Document) -> str | None:
    """What the text says about where it came from, or None when it credits nobody."""
    return _credit_in(doc.text)


@functools.lru_cache(maxsize=1024)
def _credit_in(text: str) -> str | None:
    # Cached by text: a corpus scan judges one document against many others.
    found: list[str] = []
    for pattern in _CREDIT_PATTERNS:
        for match in pattern.finditer(text):
            credit = " ".join(match.group(0).split())
            if credit not in found:
                found.append(credit)
    return "; ".join(found) if found else None


def judge(
    derived: Document, source: Document, alignment: Alignment, direction: Direction
) -> tuple[Verdict, dict[str, float]]:
    """The verdict, plus the figures behind it for the explanation."""
    reuse = alignment.reuse_links()
    d_story = story_units(derived)
    s_story = story_units(source)
    linked_d = {i for link in reuse for i in link.derived}
    linked_s = {j for link in reuse for j in link.source}
    d_chars = sum(len(u.text) for u in d_story) or 1
    containment = sum(len(u.text) for u in d_story if u.index in linked_d) / d_chars
    left_out = sum(p.end - p.start for p in alignment.left_out)
    s_chars = sum(len(u.text) for u in s_story) or 1
    coverage = max(0.0, sum(len(u.text) for u in s_story if u.index in linked_s) - left_out) / s_chars
    story_indices = {u.index for u in d_story}
    story_links = [link for link in reuse if any(i in story_indices for i in link.derived)]
    if containment >= WHOLLY:
        derived_label = "wholly"
    elif containment >= PARTIALLY or len(story_links) >= 2:
        derived_label = "partially"
    else:
        derived_label = "none"
    credit = find_credit(derived) if derived_label != "none" else None
    figures = {
        "story_units": len(d_story),
        "story_linked": len([u for u in d_story if u.index in linked_d]),
        "source_units": len(s_story),
        "source_used": len([u for u in s_story if u.index in linked_s]),
        "merges": sum(1 for link in story_links if len(link.source) > 1),
        "copied": sum(1 for link in story_links if link.kind in ("verbatim", "near-verbatim")),
    }
    source_side = direction.source if derived_label != "none" else "unknown"
    verdict = Verdict(
        derived=derived_label,
        source=source_side,
        containment=round(containment, 4),
        coverage=round(min(coverage, 1.0), 4),
        credit=credit,
        explanation="",
    )
    return verdict, figures
