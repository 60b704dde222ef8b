"""compare() on short texts written for these tests: each label, reordering, facts, negatives."""

from __future__ import annotations

import pytest

from wiretrace import Comparison, compare

NEAR = "The World Health Organization said on Tuesday that a new malaria vaccine cut child deaths by 30 percent in a trial in Ghana and Kenya."
PARAPHRASE = (
    "Over four years, the study signed up 12,000 youngsters younger than five at clinics in the countryside."
)
MERGED = (
    "The vaccine, which cut child deaths by 30 percent in a trial in Ghana and Kenya, "
    "will be offered to 20 countries next year, starting with Nigeria and Uganda."
)
SPLIT_1 = "Funding for the rollout will come from the Gavi vaccine alliance."
SPLIT_2 = "The alliance has pledged $160 million."


def links_by_derived(result: Comparison) -> dict[int, tuple[tuple[int, ...], str]]:
    side = "b" if result.verdict.source == "a" else "a"
    other = "a" if side == "b" else "b"
    return {getattr(link, side)[0]: (getattr(link, other), link.label) for link in result.links}


def unit_index(result: Comparison, side: str, startswith: str) -> int:
    doc = getattr(result, side)
    return next(u.index for u in doc.units if u.text.startswith(startswith))


def test_verbatim_copy_of_one_sentence(wire: str) -> None:
    rewrite = "Health news\n\nThe trial, which ran for four years, enrolled 12,000 children under the age of five in rural clinics."
    result = compare(wire, rewrite, semantic=False)
    i = unit_index(result, "b", "The trial")
    assert links_by_derived(result)[i] == ((unit_index(result, "a", "The trial"),), "verbatim")
    assert result.verdict.source == "a"
    assert result.verdict.derived == "wholly"


def test_near_verbatim_drops_the_dateline_and_tense(wire: str) -> None:
    result = compare(wire, NEAR + " " + SPLIT_1, semantic=False)
    i = unit_index(result, "b", "The World Health")
    sources, label = links_by_derived(result)[i]
    assert label == "near-verbatim"
    assert sources == (unit_index(result, "a", "The World Health"),)


@pytest.mark.slow
def test_paraphrase_needs_the_semantic_model(wire: str) -> None:
    rewrite = PARAPHRASE + " " + SPLIT_1
    result = compare(wire, rewrite)
    i = unit_index(result, "b", "Over four years")
    sources, label = links_by_derived(result)[i]
    assert sources == (unit_index(result, "a", "The trial"),)
    assert label in {"paraphrase", "split"}


def test_merge_of_two_source_sentences(wire: str) -> None:
    result = compare(wire, MERGED + " " + SPLIT_1, semantic=False)
    i = unit_index(result, "b", "The vaccine, which")
    sources, label = links_by_derived(result)[i]
    assert label == "merge"
    assert sources == (unit_index(result, "a", "GENEVA") + 1, unit_index(result, "a", "Officials"))


def test_split_of_one_source_sentence(wire: str) -> None:
    result = compare(wire, NEAR + " " + SPLIT_1 + " " + SPLIT_2, semantic=False)
    funding = unit_index(result, "a", "Funding")
    got = links_by_derived(result)
    assert got[unit_index(result, "b", "Funding")] == ((funding,), "split")
    assert got[unit_index(result, "b", "The alliance")] == ((funding,), "split")


def test_reordered_rewrite_is_aligned_out_of_order(wire: str) -> None:
    paragraphs = wire.split("\n\n")[1:]
    result = compare(wire, "\n\n".join(reversed(paragraphs)), semantic=False)
    got = links_by_derived(result)
    for b_unit in result.b.units:
        a_index = unit_index(result, "a", b_unit.text[:20])
        assert got[b_unit.index] == ((a_index,), "verbatim")
    assert result.unlinked["a"] == [0, 1]  # the dateline and the lead were dropped


def test_headline_drawn_from_the_story(wire: str) -> None:
    rewrite = "Malaria vaccine cuts child deaths by 30 percent\n\n" + NEAR
    result = compare(wire, rewrite, semantic=False)
    sources, label = links_by_derived(result)[0]
    assert label == "headline"
    assert sources == (unit_index(result, "a", "The World Health"),)


def test_changed_facts_are_reported(wire: str) -> None:
    changed = NEAR.replace("Tuesday", "Wednesday") + " " + SPLIT_1
    result = compare(wire, changed, semantic=False)
    assert {"a": "Tuesday", "b": "Wednesday"} in result.facts.changed
    assert "Tuesday" not in result.facts.only_a
    assert result.verdict.derived in {"wholly", "partially"}


def test_changed_ordinal_keeps_its_noun() -> None:
    a = "The city marked the 65th anniversary of its founding on Friday with a parade through the old port."
    b = "The city marked the 66th anniversary of its founding on Friday with a parade through the old port."
    result = compare(a, b, semantic=False)
    assert result.facts.changed == [{"a": "65th anniversary", "b": "66th anniversary"}]


def test_dropped_and_partly_dropped_source_text(wire: str) -> None:
    result = compare(
        wire, "Officials said the vaccine would be offered to 20 countries next year.", semantic=False
    )
    assert result.verdict.source == "a"
    assert "Nigeria" in result.facts.only_a
    left_out = " ".join(str(p["text"]) for p in result.left_out["a"])
    assert "starting with Nigeria and Uganda" in left_out or "Nigeria and Uganda" in left_out
    dropped = set(result.unlinked["a"])
    assert unit_index(result, "a", "Funding") in dropped


FORMULA_A = """Chinese President Xi Jinping said on Tuesday that China firmly supports Vietnam in safeguarding its national sovereignty and opposing foreign interference.

Xi made the remarks while meeting with Vietnamese President To Lam in Beijing on the sidelines of a regional summit.

Xi said China is ready to work with Vietnam to build a closer community with a shared future."""

FORMULA_B = """Chinese President Xi Jinping said on Friday that China firmly supports Cuba in safeguarding its national sovereignty and opposing foreign interference.

Xi made the remarks while meeting with Cuban President Miguel Diaz-Canel in Moscow during the celebrations.

Xi said China is ready to work with Cuba to build a closer community with a shared future."""


@pytest.mark.parametrize("semantic", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_same_formula_different_event_is_not_reuse(semantic: bool) -> None:
    result = compare(FORMULA_A, FORMULA_B, semantic=semantic)
    assert result.verdict.derived == "none"
    assert result.verdict.source == "unknown"
    assert all(link.label == "template" for link in result.links)
    assert result.links, "the shared stock sentences should be shown as template matches"


def test_unrelated_documents_share_nothing(wire: str) -> None:
    other = (
        "Shares in European carmakers fell sharply on Thursday after new tariffs were announced.\n\n"
        "Analysts expect exports to slow in the coming months as buyers wait for clarity."
    )
    result = compare(wire, other, semantic=False)
    assert result.links == []
    assert result.verdict.derived == "none"


@pytest.mark.slow
def test_unrelated_documents_share_nothing_with_semantics(wire: str) -> None:
    other = (
        "Shares in European carmakers fell sharply on Thursday after new tariffs were announced.\n\n"
        "Analysts expect exports to slow in the coming months as buyers wait for clarity."
    )
    assert compare(wire, other).verdict.derived == "none"


def test_order_of_arguments_does_not_change_the_links(wire: str) -> None:
    rewrite = MERGED + " " + SPLIT_1 + " " + SPLIT_2
    forward = compare(wire, rewrite, semantic=False)
    backward = compare(rewrite, wire, semantic=False)
    assert forward.verdict.source == "a" and backward.verdict.source == "b"
    assert {(link.a, link.b, link.label) for link in forward.links} == {
        (link.b, link.a, link.label) for link in backward.links
    }


def test_credit_found_or_reported_missing(wire: str) -> None:
    credited = "Officials said the vaccine would be offered to 20 countries next year, Reuters reported."
    assert compare(wire, credited, semantic=False).verdict.credit == "Reuters reported"
    uncredited = "Officials said the vaccine would be offered to 20 countries next year."
    assert compare(wire, uncredited, semantic=False).verdict.credit is None


def test_dates_decide_the_original_when_known(wire: str) -> None:
    from wiretrace import Document

    older = Document(id="paper", text=NEAR, date="2024-03-02")
    newer = Document(id="wire", text=wire, date="2024-03-03")
    assert compare(older, newer, semantic=False).verdict.source == "a"


def test_json_contract_fields(wire: str) -> None:
    data = compare(wire, NEAR + " " + SPLIT_1, semantic=False).to_dict()
    assert set(data) >= {"a", "b", "links", "unlinked", "facts", "verdict"}
    assert set(data["a"]["units"][0]) >= {"index", "start", "end", "role", "text"}
    assert set(data["links"][0]) >= {"a", "b", "label", "score", "spans"}
    assert set(data["facts"]) >= {"kept", "only_a", "only_b", "changed"}
    assert set(data["verdict"]) == {"derived", "source", "containment", "coverage", "credit", "explanation"}
    for link in data["links"]:
        for span in link["spans"]:
            a_text = wire[span["a"][0] : span["a"][1]]
            b_text = data["b"]["units"][link["b"][0]]["text"]
            assert a_text.lower() in b_text.lower() or a_text in (NEAR + " " + SPLIT_1)
