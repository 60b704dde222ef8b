"""The JSON API's request and response models, so the OpenAPI schema documents every field.

The compare report models mirror :meth:`wiretrace.compare.Comparison.to_dict`: the API
returns exactly the report that ``wiretrace compare --format json`` prints.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from wiretrace.judge import Verdict

#: Some character that ``str.strip`` keeps. Spelled out because JSON Schema (ECMAScript),
#: pydantic (Rust) and Python disagree on what ``\s`` holds: U+0085 and U+001C to U+001F
#: are space to Python alone, U+FEFF to ECMAScript alone.
_SOME_TEXT = r"[^\s\x1c-\x1f\x85\ufeff]"


class CompareRequest(BaseModel):
    """Two texts to compare. Names are optional and only label the report."""

    model_config = ConfigDict(extra="forbid", strict=True)

    a: str = Field(pattern=_SOME_TEXT, description="The first text, usually the presumed original.")
    b: str = Field(pattern=_SOME_TEXT, description="The second text.")
    a_name: str = Field("a", max_length=200, description="A label for the first text.")
    b_name: str = Field("b", max_length=200, description="A label for the second text.")
    layout: bool = Field(
        True, description="Read line breaks as layout (pages, briefs); false for hard-wrapped prose."
    )


class Unit(BaseModel):
    """A sentence, headline or other piece of a page, by character offsets into the text."""

    index: int
    start: int
    end: int
    role: str
    text: str


class ReportDocument(BaseModel):
    """One side of a comparison."""

    id: str
    title: str | None
    date: str | None
    url: str | None
    units: list[Unit]


class ReportLink(BaseModel):
    """Units of ``a`` and of ``b`` that carry the same text, with the verbatim spans inside them."""

    a: list[int]
    b: list[int]
    label: str
    kind: str
    score: float
    spans: list[dict[str, list[int]]]
    conflicts: list[dict[str, str]]


class ReportFacts(BaseModel):
    """Facts kept by both texts, found in only one, or changed between them."""

    kept: list[str]
    only_a: list[str]
    only_b: list[str]
    changed: list[dict[str, str]]
    detail: list[dict[str, str]]


class CompareReport(BaseModel):
    """The compare report: both documents, the links between them, facts and verdict."""

    a: ReportDocument
    b: ReportDocument
    links: list[ReportLink]
    unlinked: dict[str, list[int]]
    left_out: dict[str, list[dict[str, int | str]]]
    facts: ReportFacts
    verdict: Verdict


class Health(BaseModel):
    """The server is up."""

    status: str = "ok"


class Problem(BaseModel):
    """Why a request was refused."""

    detail: str
