"""Alignment internals that every engine relies on: the lexical evidence and merged links."""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

import wiretrace.align as align_module
from tests.conftest import SHARED, WIRE
from wiretrace.align import (
    AlignOptions,
    Profile,
    Weights,
    _lexical_evidence,
    link_units,
    profile,
)
from wiretrace.document import Document
from wiretrace.pan import detect_pair
from wiretrace.segment import segment

PAN13 = SHARED / "data" / "pan13-train"


def profiles(text: str, layout: bool = True) -> list[Profile]:
    doc = Document(id="d", text=text)
    segment(doc, layout=layout)
    return [profile(u) for u in doc.units]


def evidence_by_definition(
    derived: list[Profile], source: list[Profile], weights: Weights, min_shared: int
) -> dict[tuple[int, int], tuple[float, float, float, int]]:
    """Every unit pair sharing enough stems, scored straight from the definitions."""
    found = {}
    for i, d in enumerate(derived):
        for j, s in enumerate(source):
            shared = d.stems & s.stems
            if len(shared) < max(1, min_shared):
                continue
            found[i, j] = (
                weights.total(shared) / weights.total(d.stems),
                weights.total(shared) / weights.total(s.stems),
                len(d.bigrams & s.bigrams) / len(d.bigrams) if d.bigrams else 0.0,
                len(shared),
            )
    return found


def pan_texts(count: int) -> list[str]:
    files = sorted((PAN13 / "susp").glob("*.txt"))[:count] + sorted((PAN13 / "src").glob("*.txt"))[:count]
    return [f.read_text(encoding="utf-8") for f in files]


def text_pairs() -> list[tuple[str, str]]:
    paragraphs = WIRE.split("\n\n")
    rewrite = "\n\n".join(reversed(paragraphs))
    pairs = [(WIRE, rewrite), (rewrite, WIRE)]
    if PAN13.is_dir():
        texts = pan_texts(4)
        pairs += list(pairwise(texts))
    return pairs


def reuse_pairs(per_type: int) -> list[tuple[str, str]]:
    """(suspicious, source) texts of PAN pairs with real reuse: copied, edited, translated, summarised."""
    if not PAN13.is_dir():
        return []
    found = []
    for folder in sorted(PAN13.glob("0[2-5]-*")):
        for line in (folder / "pairs").read_text().splitlines()[:per_type]:
            susp, src = line.split()
            found.append(
                (
                    (PAN13 / "susp" / susp).read_text(encoding="utf-8"),
                    (PAN13 / "src" / src).read_text(encoding="utf-8"),
                )
            )
    return found


@pytest.mark.parametrize("min_shared", [1, 2])
def test_lexical_evidence_is_the_weighted_overlap_of_every_pair_sharing_words(min_shared: int) -> None:
    for a, b in text_pairs():
        derived, source = profiles(a, layout=False), profiles(b, layout=False)
        weights = Weights([*derived, *source])
        expected = evidence_by_definition(derived, source, weights, min_shared)
        found = _lexical_evidence(derived, source, weights, min_shared)
        assert list(found) == sorted(expected)  # derived order, then source order
        for pair, ev in found.items():
            coverage, reverse, order, shared = expected[pair]
            assert ev.coverage == pytest.approx(coverage, rel=1e-12)
            assert ev.reverse == pytest.approx(reverse, rel=1e-12)
            assert (ev.order, ev.shared_words) == (order, shared)


def test_stem_weights_are_the_idf_of_how_many_units_hold_each_stem() -> None:
    for a, b in text_pairs():
        derived, source = profiles(a, layout=False), profiles(b, layout=False)
        units = [*derived, *source]
        weights = Weights(derived, source)
        df = Counter(stem for p in units for stem in p.stems)
        for stem, count in df.items():
            expected = round(math.log((len(units) + 1) / (count + 0.5)) * 2**32) / 2**32
            assert weights.total({stem}) == expected
        together = Weights(units)  # one sequence of every unit weighs the same
        assert np.array_equal(together.values, weights.values)
        assert np.array_equal(together.vocabulary, weights.vocabulary)


@pytest.mark.parametrize(
    "options",
    [
        AlignOptions(semantic=False),
        AlignOptions(semantic=False, lexical_threshold=0.25, min_shared_words=2),
        AlignOptions(semantic=True),
    ],
    ids=["lexical", "scan", "semantic"],
)
def test_unit_pairs_left_unscored_could_not_have_changed_the_links(
    options: AlignOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The model is slow on whole PAN documents, so the semantic case reads fewer of them.
    pairs = text_pairs()[:2] + reuse_pairs(1 if options.semantic else 3)
    left_out = 0
    for a, b in pairs:
        derived, source = profiles(a, layout=False), profiles(b, layout=False)
        pruned = link_units(derived, source, options)
        with monkeypatch.context() as patched:
            patched.setattr(align_module, "_least_useful", lambda _: (-math.inf, -math.inf))
            full = link_units(derived, source, options)
        assert (pruned.groups, pruned.joint) == (full.groups, full.joint)
        assert pruned.scored == {pair: full.scored[pair] for pair in pruned.scored}
        left_out += len(full.scored) - len(pruned.scored)
    assert left_out > 0


def test_a_sentence_merged_from_two_sources_is_scored_on_both(tmp_path: Path) -> None:
    source = (
        "The harbour authority closed the northern pier after storm waves cracked its concrete deck.\n\n"
        "Engineers from the regional port office will inspect the damaged pilings on Thursday morning."
    )
    merged = (
        "Storm waves cracked the concrete deck of the northern pier, which the harbour authority closed, "
        "and engineers from the regional port office will inspect the damaged pilings on Thursday "
        "before the ferry company decides when to sail again."
    )
    derived, sources = profiles(merged, layout=False), profiles(source, layout=False)
    linked = link_units(derived, sources, AlignOptions(semantic=False, lexical_threshold=0.25))
    assert linked.groups == {0: [0, 1]}
    alone = max(linked.scored[0, j].score for j in (0, 1))
    assert linked.joint[0] > alone
    assert linked.joint[0] >= 0.6 > alone  # only together do they pass for a single-link passage
    susp, src = tmp_path / "susp.txt", tmp_path / "src.txt"
    susp.write_text(merged + "\n")
    src.write_text(source + "\n")
    [detection] = detect_pair(susp, src)
    assert (detection.this_offset, detection.this_length) == (0, len(merged))


def test_unit_facts_are_extracted_once_per_unit_and_forgotten_when_units_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[tuple[int, int]]] = []
    real = align_module.extract_facts
    monkeypatch.setattr(
        align_module, "extract_facts", lambda text, spans: calls.append(spans) or real(text, spans)
    )
    doc = Document(id="d", text="Rain fell on 3 May in Lagos. Rivers rose 2 metres on Friday.")
    segment(doc, layout=False)
    first = align_module.unit_facts(doc)
    assert len(calls) == len(first) == 2
    assert {f.text for found in first.values() for f in found} >= {"3 May", "Lagos", "Friday"}
    assert align_module.unit_facts(doc, [1]) == {1: first[1]}
    assert len(calls) == 2  # a second alignment of the same document reads no unit again
    doc.text = "Snow fell in Oslo. Roads closed."
    segment(doc, layout=False)
    assert "Oslo" in {f.text for found in align_module.unit_facts(doc).values() for f in found}
    assert len(calls) == 4


def test_copied_words_are_counted_once_however_the_shared_runs_overlap() -> None:
    from wiretrace.align import _covered_tokens, shared_spans
    from wiretrace.tokens import tokenize

    tokens = tokenize(WIRE)
    rng = np.random.default_rng(3)
    for _ in range(200):
        ranges = []
        for _ in range(int(rng.integers(0, 6))):
            first = int(rng.integers(0, len(tokens)))
            last = int(rng.integers(first, min(first + 30, len(tokens))))
            # Runs start and end on word boundaries, as shared_spans makes them; a range may
            # also start or end mid-word, which must not count that word.
            start = tokens[first].start + int(rng.integers(0, 2))
            ranges.append((start, tokens[last].end - int(rng.integers(0, 2))))
        by_definition = sum(1 for t in tokens if any(s <= t.start and t.end <= e for s, e in ranges))
        assert _covered_tokens(tokens, ranges) == by_definition
    # Two copies of one passage: every word of the copy is covered, by one run or another.
    first, second = tokenize(WIRE), tokenize(WIRE + " " + WIRE)
    spans = shared_spans(second, first)
    assert _covered_tokens(first, [(s.derived_start, s.derived_end) for s in spans]) == len(first)


def test_a_sentence_is_verbatim_only_against_one_source_with_the_same_words() -> None:
    from wiretrace.align import _copy_kind

    same = profiles("Floods hit the coast on Friday, officials said.", layout=False)[0]
    respaced = profiles("Floods  hit the coast on Friday , officials said.", layout=False)[0]
    reworded = profiles("Floods struck the coast on Friday, officials said.", layout=False)[0]
    empty = profiles("...", layout=False)
    assert _copy_kind(same, [respaced], ()) == "verbatim"
    assert _copy_kind(same, [reworded], ()) == "paraphrase"
    assert _copy_kind(same, [respaced, reworded], ()) == "paraphrase"
    if empty:  # a unit without words is never a verbatim copy of two sources
        assert _copy_kind(empty[0], [empty[0], empty[0]], ()) == "paraphrase"


def test_facts_are_read_only_for_reworded_links_and_swaps_are_still_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[str] = []
    real = align_module.extract_facts
    monkeypatch.setattr(
        align_module,
        "extract_facts",
        lambda text, spans: read.extend(text[s:e] for s, e in spans) or real(text, spans),
    )
    source = Document(
        id="s",
        text="The ministry said on Tuesday that 40 people died in the floods. "
        "Rescue teams reached the northern villages by boat.",
    )
    derived = Document(
        id="d",
        text="The ministry said on Friday that 40 people died in the floods. "
        "Rescue  teams reached the northern villages by boat!",
    )
    for doc in (source, derived):
        segment(doc, layout=False)
    links = align_module.align(derived, source, AlignOptions(semantic=False)).links
    by_unit = {link.derived[0]: link for link in links}
    assert by_unit[1].kind == "verbatim" and by_unit[1].conflicts == ()
    assert by_unit[0].conflicts == (("Tuesday", "Friday"),)
    # The verbatim pair of sentences was never read for facts, on either side.
    assert not any("Rescue" in text for text in read)
    assert any("Tuesday" in text for text in read) and any("Friday" in text for text in read)


@pytest.mark.parametrize(
    ("derived", "source"),
    [
        (
            "Floods hit the coast on Friday, officials said.",
            "Floods  hit the coast on Friday , officials said.",
        ),
        ("the the cat sat on the the mat", "The the cat sat on the THE mat"),
        ("Oil rose.", "oil rose"),  # shorter than min_words: no run of three
        ("Prices rose", "prices rose"),  # two content words make a run of their own
        ("It is", "it is"),
    ],
)
def test_a_verbatim_link_gets_the_spans_the_word_by_word_search_finds(derived: str, source: str) -> None:
    from wiretrace.align import _is_verbatim, _whole_unit_span, shared_spans

    d = profiles(derived, layout=False)[0]
    s = profiles(source, layout=False)[0]
    assert _is_verbatim(d, [s])
    for min_words in (1, 2, 3, 4):
        assert _whole_unit_span(d.tokens, s.tokens, min_words) == tuple(
            shared_spans(s.tokens, d.tokens, min_words)
        )
