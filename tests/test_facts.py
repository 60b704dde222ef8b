from __future__ import annotations

from wiretrace.facts import FactKind, extract_facts, substitutions


def facts(text: str) -> list[tuple[str, str]]:
    return [(f.kind.value, f.text) for f in extract_facts(text, [(0, len(text))])]


def test_kinds_of_fact() -> None:
    text = (
        "On Friday, May 9, 2025, Prime Minister Anna Berg told the Finance Ministry that 1,200 jobs and "
        '$3.5 million were at stake, a 12 percent cut, "and we will not accept it," she said.'
    )
    got = facts(text)
    assert ("weekday", "Friday") in got
    assert ("date", "May 9, 2025") in got
    assert ("person", "Anna Berg") in got
    assert ("organisation", "Finance Ministry") in got
    assert ("number", "1,200 jobs") in got
    assert ("money", "$3.5 million") in got
    assert ("percent", "12 percent") in got
    assert any(kind == "quote" for kind, _ in got)


def test_sentence_openers_are_not_names() -> None:
    assert facts("Funding will come later. Officials agreed.") == []
    assert ("name", "Soviet Union") in facts("It marked the Soviet Union's Great Patriotic War.") or (
        "organisation",
        "Soviet Union",
    ) in facts("It marked the Soviet Union's Great Patriotic War.")


def test_substitution_needs_the_same_slot() -> None:
    a = "Xi said on Friday that China supports Cuba."
    b = "Xi said on Tuesday that China supports Vietnam."
    fa, fb = extract_facts(a, [(0, len(a))]), extract_facts(b, [(0, len(b))])
    swapped = {(x.text, y.text) for x, y in substitutions(fa, fb, a, b)}
    assert swapped == {("Friday", "Tuesday"), ("Cuba", "Vietnam")}


def test_spacing_inside_a_figure_is_not_a_change() -> None:
    a = "The ticket costs $1000 and rose 12% this year."
    b = "The ticket costs $ 1000 and rose 12 % this year."
    fa, fb = extract_facts(a, [(0, len(a))]), extract_facts(b, [(0, len(b))])
    assert [f.key for f in fa] == [f.key for f in fb]
    assert substitutions(fa, fb, a, b) == []


def test_names_in_different_slots_are_not_substitutions() -> None:
    a = "Cuba and China signed a deal."
    b = "The deal was praised in Vietnam by officials."
    fa, fb = extract_facts(a, [(0, len(a))]), extract_facts(b, [(0, len(b))])
    assert substitutions(fa, fb, a, b) == []
    assert {f.kind for f in fa} == {FactKind.NAME}


def test_has_counterpart_agrees_with_pairwise_same_fact() -> None:
    from tests.corpus_fixture import REWRITES, STORIES
    from wiretrace.facts import extract_facts, has_counterpart, same_fact

    texts = [text for _, text in STORIES.values()] + [text for _, _, text in REWRITES.values()]
    facts = [extract_facts(text, [(0, len(text))]) for text in texts]
    checked = 0
    for mine in facts:
        for theirs in facts:
            expected = [any(same_fact(f, g) for g in theirs) for f in mine]
            assert has_counterpart(mine, theirs) == expected
            checked += sum(expected)
    assert checked > 100
