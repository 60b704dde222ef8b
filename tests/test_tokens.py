from __future__ import annotations

from pathlib import Path

from wiretrace.align import profile
from wiretrace.document import Document
from wiretrace.segment import segment
from wiretrace.tokens import content_stems, tokenize

TRICKY = (
    "China's envoy said 1,200.5 people -- the 3rd group, up 12% -- met on Monday. "
    "Sino-U.S. talks (’90s style) weren't held; the envoy’s aides' notes: A, I, x 7:30."
)


def test_content_stems_are_the_stems_of_the_content_tokens(shared_seeds: tuple[Path, Path]) -> None:
    texts = [TRICKY, *(path.read_text(encoding="utf-8") for path in shared_seeds)]
    for text in texts:
        assert content_stems(text) == [t.stem for t in tokenize(text) if t.content]


def test_a_profiles_tokens_are_cut_on_demand_with_document_offsets() -> None:
    doc = Document("d", "Opening line here. " + TRICKY)
    segment(doc)
    for unit in doc.units:
        p = profile(unit)
        assert p.stems == {t.stem for t in p.tokens if t.content}
        assert all(doc.text[t.start : t.end].lower().startswith(t.norm) for t in p.tokens)
        assert p.tokens is p.tokens  # cut once
