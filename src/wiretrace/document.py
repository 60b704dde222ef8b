"""Documents and the units cut from them.

The raw text of a :class:`Document` is the single source of truth. Every :class:`Unit`
is a ``(start, end)`` view into it, so ``doc.text[unit.start:unit.end] == unit.text``
always holds; tests check this invariant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from wiretrace.facts import Fact


class Role(StrEnum):
    """What a unit is on the page."""

    SECTION_TITLE = "section-title"
    HEADLINE = "headline"
    DATELINE = "dateline"
    BYLINE = "byline"
    SUBHEAD = "subhead"
    BODY = "body"
    LIST_ITEM = "list-item"
    RELATED_LINK = "related-link"


#: Roles that are page furniture rather than story text. They are left out of the verdict.
FURNITURE_ROLES = frozenset({Role.SECTION_TITLE, Role.BYLINE, Role.RELATED_LINK, Role.DATELINE})
#: Roles that carry title-like text: short, unpunctuated, drawn from the story if at all.
TITLE_ROLES = frozenset({Role.HEADLINE, Role.SUBHEAD})


@dataclass(frozen=True, slots=True)
class Unit:
    """One sentence or page element, as offsets into its document's text."""

    index: int
    start: int
    end: int
    role: Role
    text: str

    @property
    def is_story(self) -> bool:
        """True for units that are story text (body sentences and story list items)."""
        return self.role in (Role.BODY, Role.LIST_ITEM)


_ROLES = list(Role)


def units_as_array(units: Sequence[Unit]) -> np.ndarray:
    """A segmentation as ``(start, end, role)`` int32 rows, for storing beside the text.

    Segmenting is a large share of aligning a long document against many others, so
    corpus engines and the monitoring index cut each document once and keep the offsets.

    >>> from wiretrace.segment import segment
    >>> units_as_array(segment(Document(id="d", text="Storm hits coast\\n\\nRain fell."))).tolist()
    [[0, 16, 1], [18, 28, 5]]
    """
    rows = [(u.start, u.end, _ROLES.index(u.role)) for u in units]
    return np.array(rows, dtype=np.int32).reshape(-1, 3)


def spans_from_array(rows: np.ndarray) -> list[tuple[int, int, Role]]:
    """The ``(start, end, role)`` spans of :func:`units_as_array` rows."""
    return [(start, end, _ROLES[role]) for start, end, role in rows.reshape(-1, 3).tolist()]


@dataclass(slots=True)
class Document:
    """A text and what is known about it.

    >>> doc = Document(id="d1", text="Rain fell. Rivers rose.")
    >>> doc.text[:4]
    'Rain'
    """

    id: str
    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    units: list[Unit] = field(default_factory=list)
    #: The facts of each story or title unit, by unit index, when they are already known
    #: (a monitoring index stores them); ``None``: extracted when needed.
    facts: dict[int, list[Fact]] | None = field(default=None, repr=False, compare=False)
    #: Facts of single units extracted so far, by unit index, when ``facts`` is ``None``.
    fact_memo: dict[int, list[Fact]] = field(default_factory=dict, repr=False, compare=False)

    def unit_text(self, unit: Unit) -> str:
        """The text a unit covers, read from the document itself."""
        return self.text[unit.start : unit.end]
