"""``compare``: the whole per-pair pipeline, and the typed result it returns.

ingest -> segment -> direction -> align -> facts -> verdict -> report
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wiretrace.align import Alignment, AlignOptions, Link, Profile, Weights, profile_units, unit_facts
from wiretrace.document import Document
from wiretrace.embed import Encoder
from wiretrace.facts import Fact, distinct, has_counterpart
from wiretrace.ingest import document_from_text, read_document
from wiretrace.judge import Direction, Verdict, decide_direction, judge, story_units
from wiretrace.segment import segment

DocumentLike = Document | str | Path


@dataclass(frozen=True, slots=True)
class PairLink:
    """A link in the terms of the report: unit indices of document ``a`` and of ``b``."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    label: str
    kind: str
    score: float
    spans: tuple[dict[str, list[int]], ...]
    conflicts: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Facts:
    """Facts kept by both texts, found in only one, or changed from one to the other."""

    kept: list[str] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    changed: list[dict[str, str]] = field(default_factory=list)
    detail: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Comparison:
    """Everything ``compare`` found about a pair of texts.

    >>> result = compare("Rain fell in Paris on Monday. Rivers rose fast.",
    ...                  "Rain fell in Paris on Monday.", semantic=False)
    >>> result.verdict.derived, result.verdict.source
    ('wholly', 'a')
    """

    a: Document
    b: Document
    links: list[PairLink]
    unlinked: dict[str, list[int]]
    left_out: dict[str, list[dict[str, int | str]]]
    facts: Facts
    verdict: Verdict
    direction_reason: str

    def source_name(self) -> str:
        """The original as shown in reports: ``"a (wire.txt)"``, or ``"unknown"``."""
        if self.verdict.source == "unknown":
            return "unknown"
        doc = self.a if self.verdict.source == "a" else self.b
        return f"{self.verdict.source} ({doc.id})"

    def to_dict(self) -> dict[str, Any]:
        """The JSON report as plain Python data."""
        return {
            "a": _document_dict(self.a),
            "b": _document_dict(self.b),
            "links": [
                {
                    "a": list(link.a),
                    "b": list(link.b),
                    "label": link.label,
                    "kind": link.kind,
                    "score": link.score,
                    "spans": [dict(s) for s in link.spans],
                    "conflicts": [dict(c) for c in link.conflicts],
                }
                for link in self.links
            ],
            "unlinked": self.unlinked,
            "left_out": self.left_out,
            "facts": asdict(self.facts),
            "verdict": asdict(self.verdict),
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON report, following the documented contract."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_html(self) -> str:
        """A standalone side-by-side HTML page; all document text is escaped."""
        from wiretrace.report.html import render_html

        return render_html(self)


def compare(
    a: DocumentLike,
    b: DocumentLike,
    *,
    semantic: bool = True,
    model: str | None = None,
    device: str = "cpu",
    encoder: Encoder | None = None,
    options: AlignOptions | None = None,
    layout: bool = True,
) -> Comparison:
    """Compare two news texts: which derives from which, and how, unit by unit.

    ``a`` and ``b`` may be :class:`Document` objects, paths, or the texts themselves.
    A ``str`` is read as a path when it names an existing file and holds no line break.
    ``layout=False`` reads line breaks as mere wrapping (see :func:`~wiretrace.segment.segment`).
    """
    doc_a, doc_b = as_document(a, "a"), as_document(b, "b")
    if options is None:
        options = AlignOptions(semantic=semantic, device=device, **({"model": model} if model else {}))
    for doc in (doc_a, doc_b):
        segment(doc, layout=layout)
    a_prof = profile_units(doc_a.units)
    b_prof = profile_units(doc_b.units)
    return compare_segmented(doc_a, doc_b, a_prof, b_prof, options, encoder)


def compare_segmented(
    doc_a: Document,
    doc_b: Document,
    a_prof: list[Profile],
    b_prof: list[Profile],
    options: AlignOptions,
    encoder: Encoder | None = None,
    *,
    facts: bool = True,
    weights: Weights | None = None,
    direction: Direction | None = None,
) -> Comparison:
    """:func:`compare` for documents already segmented and profiled, as corpus engines hold them.

    ``facts=False`` leaves the facts panel empty: corpus scans report links, not facts,
    and comparing facts costs as much as the alignment itself. ``weights`` and
    ``direction`` are computed when the caller has not already done so.
    """
    # Document frequencies do not depend on which side is derived.
    weights = weights or Weights(a_prof, b_prof)
    direction = direction or decide_direction(doc_a, doc_b, a_prof, b_prof, weights)
    derived, source = (doc_b, doc_a) if direction.derived_side == "b" else (doc_a, doc_b)
    from wiretrace.align import align

    d_prof, s_prof = (b_prof, a_prof) if derived is doc_b else (a_prof, b_prof)
    alignment = align(derived, source, options, encoder=encoder, profiles=(d_prof, s_prof), weights=weights)
    verdict, figures = judge(derived, source, alignment, direction)
    verdict = _explained(verdict, figures, derived, source, direction)
    return _assemble(doc_a, doc_b, direction, alignment, verdict, facts=facts)


def as_document(value: DocumentLike, default_id: str) -> Document:
    """Accept a Document, a path, or the text itself."""
    if isinstance(value, Document):
        return Document(value.id, value.text, value.title, value.date, value.url)
    if isinstance(value, Path):
        return read_document(value)
    if _names_a_file(value):
        return read_document(value)
    return document_from_text(value, doc_id=default_id)


def _names_a_file(value: str) -> bool:
    if "\n" in value or len(value) > 1024:
        return False
    try:
        return Path(value).is_file()
    except OSError:  # a sentence is not a valid path: too long a name, say
        return False


def _assemble(
    a: Document,
    b: Document,
    direction: Direction,
    alignment: Alignment,
    verdict: Verdict,
    *,
    facts: bool = True,
) -> Comparison:
    derived_is_b = direction.derived_side == "b"
    links = [_pair_link(link, derived_is_b, a, b) for link in alignment.links]
    reused = [link for link, raw in zip(links, alignment.links, strict=True) if raw.is_reuse]
    used_a = {i for link in reused for i in link.a}
    used_b = {i for link in reused for i in link.b}
    source_side = "a" if derived_is_b else "b"
    source_doc = a if derived_is_b else b
    left_out = {
        "a": [],
        "b": [],
        source_side: [
            {"unit": p.unit, "start": p.start, "end": p.end, "text": source_doc.text[p.start : p.end]}
            for p in alignment.left_out
        ],
    }
    return Comparison(
        a=a,
        b=b,
        links=links,
        unlinked={
            "a": [u.index for u in a.units if u.index not in used_a],
            "b": [u.index for u in b.units if u.index not in used_b],
        },
        left_out=left_out,
        facts=_compare_facts(a, b, alignment, derived_is_b) if facts else Facts(),
        verdict=verdict,
        direction_reason=direction.reason,
    )


def _pair_link(link: Link, derived_is_b: bool, a: Document, b: Document) -> PairLink:
    if derived_is_b:
        spans = tuple(
            {"a": [s.source_start, s.source_end], "b": [s.derived_start, s.derived_end]} for s in link.spans
        )
        conflicts = tuple({"a": x, "b": y} for x, y in link.conflicts)
        return PairLink(link.source, link.derived, link.label, link.kind, link.score, spans, conflicts)
    spans = tuple(
        {"a": [s.derived_start, s.derived_end], "b": [s.source_start, s.source_end]} for s in link.spans
    )
    conflicts = tuple({"a": y, "b": x} for x, y in link.conflicts)
    return PairLink(link.derived, link.source, link.label, link.kind, link.score, spans, conflicts)


def _story_facts(doc: Document) -> list[Fact]:
    # Alignment has already extracted each unit's facts (and cached them); units are in
    # reading order and do not overlap, so their facts joined are in reading order too.
    by_unit = unit_facts(doc)
    return [fact for unit in story_units(doc) for fact in by_unit[unit.index]]


def _compare_facts(a: Document, b: Document, alignment: Alignment, derived_is_b: bool) -> Facts:
    fa, fb = distinct(_story_facts(a)), distinct(_story_facts(b))
    changed: list[dict[str, str]] = []
    swapped_a: set[str] = set()
    swapped_b: set[str] = set()
    for link in alignment.reuse_links():
        for source_text, derived_text in link.conflicts:
            pair = (
                {"a": source_text, "b": derived_text}
                if derived_is_b
                else {"a": derived_text, "b": source_text}
            )
            if pair not in changed:
                changed.append(pair)
                swapped_a.add(pair["a"].lower())
                swapped_b.add(pair["b"].lower())
    a_matched, b_matched = has_counterpart(fa, fb), has_counterpart(fb, fa)
    kept = _unique(f.text for f, hit in zip(fa, a_matched, strict=True) if hit)
    only_a = _unique(
        f.text for f, hit in zip(fa, a_matched, strict=True) if not hit and f.text.lower() not in swapped_a
    )
    only_b = _unique(
        g.text for g, hit in zip(fb, b_matched, strict=True) if not hit and g.text.lower() not in swapped_b
    )
    detail = [{"text": t, "status": "kept"} for t in kept]
    detail += [{"text": t, "status": "only_a"} for t in only_a]
    detail += [{"text": t, "status": "only_b"} for t in only_b]
    kinds = {f.text: f.kind.value for f in [*fa, *fb]}
    for row in detail:
        row["kind"] = kinds.get(row["text"], "")
    return Facts(kept=kept, only_a=only_a, only_b=only_b, changed=changed, detail=detail)


def _unique(texts: Any) -> list[str]:
    seen: dict[str, str] = {}
    for text in texts:
        seen.setdefault(" ".join(text.split()).lower(), " ".join(text.split()))
    return list(seen.values())


def _explained(
    verdict: Verdict, figures: dict[str, float], derived: Document, source: Document, direction: Direction
) -> Verdict:
    if verdict.derived == "none":
        text = f"No reuse found: {derived.id} and {source.id} share no story text beyond stock phrases."
    else:
        who = (
            f"{derived.id} derives {verdict.derived} from {source.id}"
            if verdict.source != "unknown"
            else f"{derived.id} and {source.id} share text ({verdict.derived}); which came first is unclear"
        )
        credit = f"credited ({verdict.credit})" if verdict.credit else "with no credit to the source"
        text = (
            f"{who}, {credit}: {figures['story_linked']} of {figures['story_units']} story sentences reuse it "
            f"({figures['merges']} merged, {figures['copied']} copied near-verbatim); "
            f"{figures['source_used']} of {figures['source_units']} source sentences used."
        )
    return Verdict(
        verdict.derived, verdict.source, verdict.containment, verdict.coverage, verdict.credit, text
    )


def _document_dict(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.title,
        "date": doc.date,
        "url": doc.url,
        "units": [
            {"index": u.index, "start": u.start, "end": u.end, "role": u.role.value, "text": u.text}
            for u in doc.units
        ],
    }
