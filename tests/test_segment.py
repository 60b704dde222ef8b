from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.document import Document, Role
from wiretrace.segment import segment


def roles(text: str) -> list[tuple[str, str]]:
    return [(u.role.value, u.text) for u in segment(Document(id="t", text=text))]


def test_page_structure_roles_come_from_layout() -> None:
    page = (
        "World news\n\n\nFloods hit river towns\n"
        "BEIJING, May 9 (Xinhua) -- Heavy rain flooded 12 towns on Monday. Roads were closed.\n"
        "By Li Wei\n"
        "- Markets rally on trade hopes\n- New bridge opens in the north\n"
    )
    assert roles(page) == [
        ("section-title", "World news"),
        ("headline", "Floods hit river towns"),
        ("dateline", "BEIJING, May 9 (Xinhua) --"),
        ("body", "Heavy rain flooded 12 towns on Monday."),
        ("body", "Roads were closed."),
        ("byline", "By Li Wei"),
        ("related-link", "- Markets rally on trade hopes"),
        ("related-link", "- New bridge opens in the north"),
    ]


def test_sentence_like_bullets_stay_story_list_items() -> None:
    text = "Key points:\n- The dam burst at dawn and 300 people fled.\n- Rescue teams arrived by noon."
    got = roles(text)
    assert ("list-item", "- The dam burst at dawn and 300 people fled.") in got
    assert all(role != "related-link" for role, _ in got)


def test_hard_wrapped_paragraph_is_read_as_one_flow() -> None:
    text = (
        "The central bank raised its main interest rate by a quarter point on\n"
        "Wednesday, saying that inflation had stayed above its target for most\n"
        "of the year. Analysts had expected the move."
    )
    got = roles(text)
    assert [r for r, _ in got] == ["body", "body"]
    assert got[0][1].startswith("The central bank") and got[0][1].endswith("of the year.")


def test_a_lone_title_line_after_the_story_starts_is_a_subhead() -> None:
    got = roles("Storm hits coast\n\nRain fell all night.\n\nWhat comes next\n\nMore rain is due.")
    assert [r for r, _ in got] == ["headline", "body", "subhead", "body"]


def test_unit_roles_mark_story_text() -> None:
    units = segment(Document(id="t", text="Title here\n\nA sentence of story text."))
    assert [u.is_story for u in units] == [False, True]
    assert units[0].role is Role.HEADLINE


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400))
@pytest.mark.parametrize("layout", [True, False])
def test_offsets_always_point_into_the_original_text(layout: bool, text: str) -> None:
    doc = Document(id="t", text=text)
    units = segment(doc, layout=layout)
    previous_end = 0
    for i, unit in enumerate(units):
        assert unit.index == i
        assert doc.text[unit.start : unit.end] == unit.text
        assert unit.text == unit.text.strip() and unit.text
        assert unit.start >= previous_end
        previous_end = unit.end


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Rain fell.",
                "Headline words here",
                "- a linked story",
                "By Ann Lee",
                "PARIS (AFP) - Cars stopped.",
            ]
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(["\n", "\n\n", "\r\n", " "]),
)
def test_offsets_hold_for_page_like_layouts(lines: list[str], sep: str) -> None:
    doc = Document(id="t", text=sep.join(lines))
    for unit in segment(doc):
        assert doc.text[unit.start : unit.end] == unit.text


def test_prose_mode_reads_line_breaks_as_spaces_and_cuts_run_ons() -> None:
    text = (
        "Students must identify\nthemselves to the officer.\nNo title here\n\n"
        + " ".join(["word"] * 130)
        + "."
    )
    doc = Document(id="t", text=text)
    units = segment(doc, layout=False)
    assert {u.role for u in units} == {Role.BODY}
    assert units[0].text == "Students must identify\nthemselves to the officer."
    run_on = [u for u in units if u.text.startswith("word")]
    assert [len(u.text.split()) for u in run_on] == [44, 44, 42]  # even pieces, none over 60 words
    assert run_on[0].start == text.index("word") and run_on[-1].end == len(text)
