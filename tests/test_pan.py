"""PAN runs: the pairs reader, the XML writer, passage detection and the two commands."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED, WIRE
from wiretrace.align import Evidence, Profiles, UnitLinks, Weights, link_units, profile_units
from wiretrace.document import Document
from wiretrace.errors import InputError
from wiretrace.pan import (
    Annotation,
    Passage,
    PassageOptions,
    best_sources,
    detect_document,
    detect_pair,
    detections_xml,
    pair_file_name,
    read_annotations,
    read_pairs,
    score,
    write_detections,
)
from wiretrace.pan.detect import (
    PAN_ALIGN,
    _bag_passage,
    _extend_copy,
    _grown_over_shared_words,
    _inside,
    _one_reuse_per_source_stretch,
    _one_source_stretch_explains,
    _passage,
    _with_bag_passages,
    _without_chance_beside_copy,
    _without_echoes,
    _without_loose_beside_others,
    detect_passages,
    touching_joined,
    with_source_lines_trimmed,
)
from wiretrace.pan.windows import WindowBar, window_matches
from wiretrace.segment import segment

PAN13 = SHARED / "data" / "pan13-train"

# Unrelated prose around the copied passage, written for these tests.
GARDEN = (
    "Tomatoes need six hours of sun a day and soil that drains well. "
    "Gardeners in cool climates often start seedlings indoors in late winter. "
    "A layer of straw keeps the roots moist through dry summer weeks. "
    "Pinching off side shoots lets the plant put its energy into fruit. "
    "Most varieties are ready to pick about eighty days after planting."
)
TRAINS = (
    "The night train leaves the northern terminal shortly before midnight. "
    "Sleeping cars have two or four berths and a small washbasin. "
    "Breakfast is served in the dining car as the train crosses the mountains. "
    "Passengers with bicycles must book a place in the luggage van. "
    "Tickets bought a month ahead cost about half the usual fare."
)


def test_pair_file_name() -> None:
    assert (
        pair_file_name("suspicious-document00001.txt", "source-document00002.txt")
        == "suspicious-document00001-source-document00002.xml"
    )


def test_detection_xml_is_valid_and_escapes_names(tmp_path: Path) -> None:
    odd = 'a&b<"c>.txt'
    path = write_detections(tmp_path, odd, "src & co.txt", [Annotation(odd, 5, 10, "src & co.txt", 20, 30)])
    root = ET.parse(path).getroot()
    assert root.get("reference") == odd
    feature = root.find("feature")
    assert feature is not None
    assert feature.attrib == {
        "name": "detected-plagiarism",
        "this_offset": "5",
        "this_length": "10",
        "source_reference": "src & co.txt",
        "source_offset": "20",
        "source_length": "30",
    }
    assert read_annotations(path, "detected-plagiarism") == [Annotation(odd, 5, 10, "src & co.txt", 20, 30)]
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_empty_detection_xml_still_names_the_document() -> None:
    root = ET.fromstring(detections_xml("s.txt", []))
    assert root.get("reference") == "s.txt" and len(root) == 0


def test_malformed_xml_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.xml"
    bad.write_text("<document reference='s.txt'><feature")
    with pytest.raises(InputError, match="not well-formed"):
        read_annotations(bad)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "susp").mkdir()
    (tmp_path / "src" / "source-document00001.txt").write_text(TRAINS + "\n\n" + WIRE + "\n")
    copied = WIRE.split("\n\n")[2] + " " + WIRE.split("\n\n")[3]
    (tmp_path / "susp" / "suspicious-document00001.txt").write_text(
        GARDEN + "\n\n" + copied + "\n\n" + GARDEN
    )
    (tmp_path / "susp" / "suspicious-document00002.txt").write_text(GARDEN + "\n\n" + GARDEN)
    (tmp_path / "pairs").write_text(
        "suspicious-document00001.txt source-document00001.txt\n"
        "suspicious-document00002.txt source-document00001.txt\n"
    )
    return tmp_path


def test_read_pairs(corpus: Path) -> None:
    pairs = read_pairs(corpus / "pairs", corpus / "src", corpus / "susp")
    assert [(p.suspicious, p.source) for p in pairs] == [
        ("suspicious-document00001.txt", "source-document00001.txt"),
        ("suspicious-document00002.txt", "source-document00001.txt"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("suspicious-document00001.txt\n", r"pairs:1: expected"),
        ("suspicious-document00001.txt source-document00001.txt extra\n", r"pairs:1: expected"),
        (
            "\nsuspicious-document00001.txt source-document00009.txt\n",
            r"pairs:2: unknown document 'source-document00009.txt'",
        ),
        ("suspicious-document00001.txt ../src/source-document00001.txt\n", r"pairs:1: unknown document"),
        ("\n\n", r"no pairs listed"),
    ],
)
def test_read_pairs_errors_name_file_and_line(corpus: Path, content: str, message: str) -> None:
    (corpus / "pairs").write_text(content)
    with pytest.raises(InputError, match=message):
        read_pairs(corpus / "pairs", corpus / "src", corpus / "susp")


def test_read_pairs_missing_file(corpus: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_pairs(corpus / "nope", corpus / "src", corpus / "susp")


def test_detects_the_copied_passage_and_nothing_else(corpus: Path) -> None:
    susp = corpus / "susp" / "suspicious-document00001.txt"
    src = corpus / "src" / "source-document00001.txt"
    text, source_text = susp.read_text(), src.read_text()
    copied = WIRE.split("\n\n")[2] + " " + WIRE.split("\n\n")[3]
    t, s1, s2 = (
        text.index(copied),
        source_text.index(WIRE.split("\n\n")[2]),
        source_text.index(WIRE.split("\n\n")[3]),
    )
    case = Annotation(susp.name, t, len(copied), src.name, s1, s2 + len(WIRE.split("\n\n")[3]) - s1)
    detections = detect_pair(susp, src)
    result = score([case], detections)
    assert result.detections == 1
    assert result.plagdet > 0.95
    assert detect_pair(corpus / "susp" / "suspicious-document00002.txt", src) == []


def test_copy_starting_inside_a_sentence_is_cut_to_the_copied_words(tmp_path: Path) -> None:
    copied = WIRE.split("\n\n")[2] + " " + WIRE.split("\n\n")[3]
    # The copy starts mid-sentence, after words of the suspicious document's own.
    lead_in = "Readers of our weekly column on rail travel asked about the news, and we can report that "
    susp, src = tmp_path / "susp.txt", tmp_path / "src.txt"
    susp.write_text(GARDEN + "\n\n" + lead_in + copied[0].lower() + copied[1:] + "\n")
    src.write_text(TRAINS + "\n\n" + WIRE + "\n")
    [detection] = detect_pair(susp, src)
    text = susp.read_text()
    assert detection.this_offset == text.index(lead_in) + len(lead_in)
    # It ends with the copy, closing full stop included (step 17) ...
    assert text[detection.this_offset + detection.this_length :].strip() == ""
    assert text[: detection.this_offset + detection.this_length].endswith(copied[1:].rstrip())
    # ... which the rule-based edges alone leave out.
    [bare] = detect_pair(susp, src, passage_options=PassageOptions(closing_punctuation=False))
    assert text[bare.this_offset + bare.this_length :].strip() == "."


def test_weak_passages_beside_a_copy_are_dropped() -> None:
    copy = Passage(0, 900, 0, 900, links=6, best=1.0, mean=0.99)
    chance = Passage(2000, 2300, 3000, 3400, links=2, best=0.45, mean=0.4)
    rewrite = Passage(4000, 4500, 5000, 5500, links=4, best=0.8, mean=0.6)
    options = PassageOptions()
    assert _without_chance_beside_copy([copy, chance, rewrite], options) == [copy, rewrite]
    # Links reaching all over the source beside a copy are its subject's words, not a summary.
    summary = Passage(6000, 6400, 0, 9000, links=4, best=0.7, mean=0.6)
    assert _without_chance_beside_copy([copy, rewrite, summary], options, [summary]) == [copy, rewrite]
    # Without a copy in the pair there is nothing to measure weak passages against.
    assert _without_chance_beside_copy([chance, rewrite], options) == [chance, rewrite]


def test_a_summary_dropped_beside_a_copy_gives_back_the_passages_it_had_replaced() -> None:
    copy = Passage(0, 900, 0, 900, links=6, best=1.0, mean=0.99)
    # Two copied blocks side by side, from far apart in the source, first read as a summary.
    first = Passage(2000, 2380, 3000, 3380, links=2, best=1.0, mean=0.77)
    second = Passage(2381, 2780, 7500, 7900, links=2, best=1.0, mean=0.73)
    summary = Passage(2000, 2780, 0, 9000, links=3, best=1.0, mean=0.75)
    kept = _without_chance_beside_copy([copy, summary], PassageOptions(), [summary], [first, second])
    assert kept == [copy, first, second]
    # A summary that stays keeps the passages it replaced out.
    assert _without_chance_beside_copy([summary], PassageOptions(), [summary], [first, second]) == [summary]


def test_a_loose_passage_that_explains_little_of_its_source_is_dropped_beside_others() -> None:
    words = _made_up_words(11)
    sentences = [words[k : k + 10] for k in range(0, 100, 10)]
    source = " ".join(map(_sentence, sentences))
    copied = _sentence(sentences[0])
    # Two words from each of four source sentences: loose, and little of that stretch.
    loose_text = _sentence(sentences[5][:2] + sentences[6][:2] + sentences[7][:2] + sentences[8][:2])
    # Most of one source sentence, reworded: loose too, but it explains its stretch.
    rewrite_text = _sentence(sentences[3][:8] + words[300:303])
    suspicious = " ".join([copied, loose_text, rewrite_text])

    def at(text: str, part: str) -> tuple[int, int]:
        start = text.index(part.rstrip("."))
        return start, start + len(part.rstrip("."))

    def passage(part: str, source_parts: list[list[str]], mean: float) -> Passage:
        this = at(suspicious, part)
        first, last = at(source, _sentence(source_parts[0])), at(source, _sentence(source_parts[-1]))
        return Passage(*this, first[0], last[1], links=len(source_parts), best=mean, mean=mean)

    copy = passage(copied, [sentences[0]], 1.0)
    loose = passage(loose_text, sentences[5:9], 0.4)
    rewrite = passage(rewrite_text, [sentences[3]], 0.4)
    this, other = _profiled(suspicious), _profiled(source)
    weights, options = Weights(this, other), PassageOptions()
    kept = _without_loose_beside_others([copy, loose, rewrite], this, other, weights, options)
    assert kept == [copy, rewrite]
    # Alone in its pair, or firmly linked, it stays.
    assert _without_loose_beside_others([loose], this, other, weights, options) == [loose]
    firm = replace(loose, mean=0.6)
    assert _without_loose_beside_others([copy, firm], this, other, weights, options) == [copy, firm]


def test_sentence_vectors_raise_links_that_stand_above_their_topic(monkeypatch: pytest.MonkeyPatch) -> None:
    from wiretrace.pan import detect

    words = _made_up_words(5)
    suspicious = _profiled(" ".join(_sentence(words[k : k + 8]) for k in range(0, 24, 8)))
    source = _profiled(" ".join(_sentence(words[k : k + 8]) for k in range(100, 124, 8)))

    def evidence(score: float) -> Evidence:
        return Evidence(0.4, 0.4, 0.2, None, 3, score)

    linked = UnitLinks(groups={}, scored={(0, 0): evidence(0.28), (1, 1): evidence(0.28)})
    # Sentence 0 is far closer to source sentence 0 than to the rest; sentence 1 is as
    # close to everything as to source sentence 1: its cosine is the subject's.
    cosines = np.array([[0.9, 0.3, 0.3], [0.8, 0.8, 0.8], [0.3, 0.8, 0.3]], dtype=np.float32)
    monkeypatch.setattr(detect, "_cosines", lambda *args: cosines)
    rescored = detect._with_sentence_vectors(
        linked, suspicious, source, Weights(suspicious, source), PAN_ALIGN, PassageOptions()
    )
    # Background 0.8 (the column's median): (0.9 - 0.8) / 0.2 = 0.5, blended with coverage 0.4.
    assert rescored.scored[0, 0].score == pytest.approx(0.45)
    assert rescored.scored[1, 1].score == 0.28
    assert rescored.groups == {0: [0], 1: [1]}


def test_a_pair_holding_a_verbatim_copy_is_not_given_sentence_vectors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wiretrace.pan import detect

    calls = []

    def no_vectors(linked: UnitLinks, *args: object) -> UnitLinks:
        calls.append(linked)
        return linked

    monkeypatch.setattr(detect, "_with_sentence_vectors", no_vectors)
    words = _made_up_words(9)
    sentences = [_sentence(words[k : k + 12]) for k in range(0, 240, 12)]
    source = " ".join(sentences[:10])
    copied = " ".join([*sentences[10:13], *sentences[2:6], *sentences[13:16]])
    detect_passages(_profiled(copied), _profiled(source))
    assert calls == []
    # Without a copy (a sentence that keeps half its words), the vectors are asked.
    loose = " ".join([*sentences[10:13], _sentence(words[24:30] + words[400:406]), *sentences[13:16]])
    detect_passages(_profiled(loose), _profiled(source))
    assert len(calls) == 1


def test_a_summary_inside_a_passage_of_many_more_links_is_a_stray_link_of_it() -> None:
    table = Passage(4400, 4930, 4600, 5440, links=11, best=0.8, mean=0.44)
    stray = Passage(4700, 4810, 4370, 5310, links=3, best=0.73, mean=0.65)
    assert _inside(stray, table, PassageOptions().summary_inside)
    # A passage of a few links inside a summary does not explain it away.
    assert not _inside(stray, replace(table, links=6), PassageOptions().summary_inside)
    # Nor does a passage the summary only touches.
    assert not _inside(stray, replace(table, this_end=4750), PassageOptions().summary_inside)


def _profiled(text: str) -> Profiles:
    doc = Document("d", text)
    return profile_units(segment(doc, layout=False))


def test_a_copy_is_carried_on_to_where_the_two_texts_part() -> None:
    copied = "Sleeping cars have two or four berths and a small washbasin."
    more = " Breakfast is served in the dining car as the train crosses the mountains."
    source = TRAINS
    suspicious = GARDEN + " " + copied + more + " Our own verdict on the trip follows below."
    start, source_start = suspicious.index(copied), source.index(copied)
    # Links stopped at the end of the first copied sentence; the next one is copied too.
    short = Passage(start, start + len(copied), source_start, source_start + len(copied), 1, 1.0, 1.0)
    grown = _extend_copy(short, _profiled(suspicious), _profiled(source), min_words=5)
    assert suspicious[grown.this_start : grown.this_end] == (copied + more).rstrip(".")
    assert source[grown.source_start : grown.source_end] == (copied + more).rstrip(".")
    # A passage whose edge words are not the same on both sides is left as it is.
    rewrite = Passage(start, start + 20, source.index("Tickets"), source.index("Tickets") + 20, 1, 0.6, 0.6)
    assert _extend_copy(rewrite, _profiled(suspicious), _profiled(source), min_words=5) == rewrite


def test_two_copied_blocks_from_far_apart_in_the_source_are_not_a_summary() -> None:
    rng = random.Random(7)
    words = sorted(
        {"".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(600)}
    )
    sentences = [" ".join(rng.sample(words, 9)).capitalize() + "." for _ in range(24)]
    source = " ".join(sentences[:18])
    first, second = " ".join(sentences[0:3]), " ".join(sentences[13:16])
    suspicious = " ".join([sentences[20], sentences[21], first, second, sentences[22], sentences[23]])
    found = detect_passages(_profiled(suspicious), _profiled(source))
    assert [source[p.source_start : p.source_end] for p in found] == [first, second]


def _made_up_words(seed: int) -> list[str]:
    rng = random.Random(seed)
    words = sorted(
        {"".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(900)}
    )
    rng.shuffle(words)
    return words


def _sentence(words: list[str]) -> str:
    return " ".join(words).capitalize() + "."


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_scrambled_sentence_is_found_by_the_words_it_keeps(seed: int) -> None:
    words = _made_up_words(seed)
    own = [_sentence(words[k : k + 12]) for k in range(0, 96, 12)]
    long = words[500:524]
    source = " ".join([*own[:4], _sentence(long), *own[4:]])
    # Random obfuscation: a fifth of the words dropped, a quarter of the rest replaced, the
    # order reversed, so no two words stand side by side as they did: the link is weak.
    kept = [w for k, w in enumerate(long) if k % 5]
    fresh = iter(words[600:])
    rewrite = _sentence([next(fresh) if k % 4 == 3 else w for k, w in enumerate(kept[::-1])])
    others = [_sentence(words[k : k + 12]) for k in range(700, 796, 12)]
    suspicious = " ".join([*others[:4], rewrite, *others[4:]])
    found = detect_passages(_profiled(suspicious), _profiled(source))
    start, source_start = suspicious.index(rewrite), source.index(_sentence(long))
    assert [(p.this_start, p.this_end, p.source_start, p.source_end) for p in found] == [
        (start, start + len(rewrite), source_start, source_start + len(_sentence(long)))
    ]
    # Without the word bags (and without sentence vectors and windows, which see the same
    # words) the link alone is too weak.
    lexical_only = PassageOptions(bag_shared=10**9, vector_weight=0.0, windows=None, lone_window=None)
    assert detect_passages(_profiled(suspicious), _profiled(source), options=lexical_only) == []
    # A sentence that shares a handful of those words is no rewrite of it.
    loose = _sentence([*long[:5], *words[800:815]])
    topical = " ".join([*others[:4], loose, *others[4:]])
    assert detect_passages(_profiled(topical), _profiled(source)) == []


def test_a_short_scrambled_sentence_is_judged_with_its_neighbours() -> None:
    words = _made_up_words(5)
    source_sentences = [words[k : k + 12] for k in range(0, 120, 12)]
    source = " ".join(map(_sentence, source_sentences))
    # Source sentences 4 to 6 rewritten as three short pieces: four words each, reversed,
    # and two new ones. One piece alone shares too few words to stand on them.
    pieces = [source_sentences[k][3::-1] + words[300 + 2 * k : 302 + 2 * k] for k in (4, 5, 6)]
    own = [words[k : k + 12] for k in range(400, 448, 12)]
    suspicious = " ".join(map(_sentence, own[:2] + pieces + own[2:]))
    this, other = _profiled(suspicious), _profiled(source)
    weights = Weights(this, other)
    linked = link_units(this, other, PAN_ALIGN, None, weights)
    middle = [(3, 5)]  # the middle piece's link to source sentence 5
    passage = _passage(middle, [p.unit for p in this], [p.unit for p in other], linked)
    assert _bag_passage(passage, middle, this, other, weights, PassageOptions(bag_widen=0)) is None
    widened = _bag_passage(passage, middle, this, other, weights, PassageOptions(bag_widen=1))
    assert widened is not None
    rewrite = " ".join(map(_sentence, pieces))
    assert suspicious[widened.this_start : widened.this_end] == rewrite
    assert source[widened.source_start : widened.source_end] == " ".join(
        map(_sentence, source_sentences[4:7])
    )


def _scrambled_across_sentences(seed: int) -> tuple[str, str, str, str]:
    """A source passage of four sentences, and a rewrite of it shuffled across its sentences.

    A quarter of the words dropped, a new word after every third, all of them shuffled and
    cut into sentences of six words: each sentence holds a word or two of each source
    sentence. Returns the source, the suspicious text, the source passage and the rewrite.
    """

    def edited(passage: list[list[str]], fresh: Iterator[str]) -> list[str]:
        kept = [w for sentence in passage for k, w in enumerate(sentence) if k % 4]
        return [v for k, w in enumerate(kept) for v in ([w, next(fresh)] if k % 3 == 0 else [w])]

    return _shuffled_rewrite_in_place(seed, edited)


def _half_kept_and_shuffled(seed: int) -> tuple[str, str, str, str]:
    """Like :func:`_scrambled_across_sentences`, but every other word dropped and a new word
    beside each kept one: the rewrite keeps half the source passage's words."""

    def edited(passage: list[list[str]], fresh: Iterator[str]) -> list[str]:
        return [v for sentence in passage for w in sentence[::2] for v in (w, next(fresh))]

    return _shuffled_rewrite_in_place(seed, edited)


def _shuffled_rewrite_in_place(
    seed: int, edited: Callable[[list[list[str]], Iterator[str]], list[str]]
) -> tuple[str, str, str, str]:
    """A source passage of four sentences among sentences of its own, and ``edited`` words of
    it, shuffled and cut into sentences of six, among other sentences of a suspicious text."""
    words = _made_up_words(seed)
    passage = [words[k : k + 12] for k in (500, 512, 524, 536)]
    rewrite_words = edited(passage, iter(words[600:]))
    random.Random(seed).shuffle(rewrite_words)
    rewrite = " ".join(_sentence(rewrite_words[k : k + 6]) for k in range(0, len(rewrite_words), 6))
    source_passage = " ".join(map(_sentence, passage))
    own = [_sentence(words[k : k + 12]) for k in range(0, 96, 12)]
    others = [_sentence(words[k : k + 12]) for k in range(700, 796, 12)]
    source = " ".join([*own[:4], source_passage, *own[4:]])
    suspicious = " ".join([*others[:4], rewrite, *others[4:]])
    return source, suspicious, source_passage, rewrite


@pytest.mark.parametrize("seed", [6, 10, 16])
def test_a_rewrite_shuffled_across_its_sentences_is_found_by_windows_of_its_words(seed: int) -> None:
    source, suspicious, source_passage, rewrite = _scrambled_across_sentences(seed)
    this, other = _profiled(suspicious), _profiled(source)
    # In these shuffles no sentence keeps enough of one source sentence to be linked, and
    # without links the word bags of step 8 have nothing to start from (nor, here, the lone
    # window).
    assert detect_passages(this, other, options=PassageOptions(windows=None, lone_window=None)) == []
    found = detect_passages(this, other)
    assert len(found) == 1
    p = found[0]
    start, source_start = suspicious.index(rewrite), source.index(source_passage)
    # Cut to the first and last shared word: inside the rewrite, and most of it.
    assert start <= p.this_start and p.this_end <= start + len(rewrite)
    assert p.this_end - p.this_start > 0.8 * len(rewrite)
    assert source_start <= p.source_start and p.source_end <= source_start + len(source_passage)
    assert p.source_end - p.source_start > 0.8 * len(source_passage)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_pair_without_a_passage_gets_its_best_window_at_a_looser_bar(seed: int) -> None:
    source, suspicious, source_passage, rewrite = _half_kept_and_shuffled(seed)
    this, other = _profiled(suspicious), _profiled(source)
    # Half the words gone: too few for the windows of step 15.
    assert detect_passages(this, other, options=PassageOptions(lone_window=None)) == []
    [p] = detect_passages(this, other)
    start, source_start = suspicious.index(rewrite), source.index(source_passage)
    assert start <= p.this_start and p.this_end <= start + len(rewrite)
    assert p.this_end - p.this_start > 0.7 * len(rewrite)
    assert source_start <= p.source_start and p.source_end <= source_start + len(source_passage)
    # Two texts on different subjects still get nothing.
    assert detect_passages(_profiled(GARDEN), _profiled(TRAINS)) == []


def test_word_windows_skip_covered_stretches_and_a_handful_of_shared_words() -> None:
    source, suspicious, _, rewrite = _scrambled_across_sentences(6)
    this, other = _profiled(suspicious), _profiled(source)
    weights, bar = Weights(this, other), WindowBar()
    assert len(window_matches(this, other, weights, bar)) == 1
    start = suspicious.index(rewrite)
    assert window_matches(this, other, weights, bar, covered=[(start, start + len(rewrite))]) == []
    # Seven rare words of the source passage among words of its own: two pages on one subject.
    words = _made_up_words(6)
    topical = " ".join(
        [
            *(_sentence(words[k : k + 12]) for k in range(700, 748, 12)),
            _sentence([*words[500:514:2], *words[800:810]]),
        ]
    )
    topical_this = _profiled(topical)
    assert window_matches(topical_this, other, Weights(topical_this, other), bar) == []


def _edited(words: list[str], fresh: Iterator[str]) -> list[str]:
    """Every third word replaced: a rewrite that keeps its order but no five-word run."""
    return [next(fresh) if k % 3 == 1 else w for k, w in enumerate(words)]


def test_a_rewrite_taken_from_inside_sentences_is_cut_to_the_words_it_shares() -> None:
    words = _made_up_words(11)
    source_sentences = [words[k : k + 12] for k in range(0, 120, 12)]
    source = " ".join(map(_sentence, source_sentences))
    fresh = iter(words[600:])
    # The rewrite takes the second half of source sentence 3 into a sentence of the
    # suspicious text that opens with nine words of its own, one of them a word that the
    # source uses nearby, and goes on, edited, to sentence 5.
    own = [words[k : k + 12] for k in range(400, 448, 12)]
    subject = source_sentences[4][5]
    opening = [*own[1][:3], subject, *own[1][3:8], *source_sentences[3][6:]]
    rewrite = [opening] + [_edited(source_sentences[k], fresh) for k in (4, 5)]
    suspicious = " ".join(map(_sentence, [own[0], *rewrite, own[2], own[3]]))
    this, other = _profiled(suspicious), _profiled(source)
    [found] = detect_passages(this, other)
    assert suspicious[found.this_start :].startswith(source_sentences[3][6])
    assert source[found.source_start :].startswith(source_sentences[3][6])
    assert suspicious[: found.this_end].rstrip(".").endswith(source_sentences[5][-1])
    # Left at the sentence edges, the passage overshoots on both sides; and were one shared
    # word enough to keep an opening, that word would keep the suspicious one.
    [whole] = detect_passages(this, other, options=PassageOptions(edge_unshared_words=0))
    assert suspicious[whole.this_start :].startswith(_sentence(opening))
    assert source[whole.source_start :].startswith(_sentence(source_sentences[3]))
    [kept] = detect_passages(this, other, options=PassageOptions(edge_shared_worth=100.0))
    assert suspicious[kept.this_start :].startswith(_sentence(opening))


def test_a_passage_grows_over_the_shared_words_of_the_sentence_beside_it() -> None:
    words = _made_up_words(12)
    source_sentences = [words[k : k + 12] for k in range(0, 120, 12)]
    source = " ".join(map(_sentence, source_sentences))
    fresh = iter(words[600:])
    rewrite = [_edited(source_sentences[k], fresh) for k in (3, 4, 5)]
    # The sentence after the rewrite is source sentence 6 shuffled with two words dropped:
    # its words are there, its link is weak. The one before shares two topic words.
    tail = source_sentences[6][::-2] + source_sentences[6][-2::-2][:4]
    topical = [*words[400:410], source_sentences[2][0], source_sentences[7][0]]
    suspicious = " ".join(map(_sentence, [words[420:432], topical, *rewrite, tail, words[440:452]]))
    this, other = _profiled(suspicious), _profiled(source)
    start, end = suspicious.index(_sentence(rewrite[0])), suspicious.index(_sentence(tail))
    s_start = source.index(_sentence(source_sentences[3]))
    s_end = source.index(_sentence(source_sentences[6]))
    core = Passage(start, end - 1, s_start, s_end - 1, links=3, best=0.7, mean=0.6)
    grown = _grown_over_shared_words(core, this, other, PassageOptions())
    assert (grown.this_start, grown.source_start) == (start, s_start)
    assert suspicious[: grown.this_end].endswith(tail[-1])
    assert source[: grown.source_end].endswith(source_sentences[6][-1])


def test_links_reaching_over_more_source_than_their_words_hold_are_no_passage() -> None:
    words = _made_up_words(9)
    source_sentences = [words[k : k + 12] for k in range(0, 144, 12)]
    source = " ".join(map(_sentence, source_sentences))
    # Two sentences of their own words with five words each of source sentences 3 and 7:
    # two firm links, but the five source sentences they span share little with them.
    loose = [source_sentences[3][:5] + words[400:407], source_sentences[7][:5] + words[408:415]]
    own = [words[k : k + 12] for k in range(500, 548, 12)]
    suspicious = " ".join(map(_sentence, own[:2] + loose + own[2:]))
    this, other = _profiled(suspicious), _profiled(source)
    assert detect_passages(this, other) == []
    [passage] = detect_passages(this, other, options=PassageOptions(firm_reverse=0.0))
    assert passage.links == 2


def test_passages_found_by_their_words_join_a_passage_beside_them() -> None:
    firm = Passage(1000, 1600, 5000, 5600, links=4, best=0.8, mean=0.6)
    beside = Passage(1700, 1850, 5650, 5800, links=1, best=0.4, mean=0.4)
    inside = Passage(1200, 1300, 5200, 5300, links=1, best=0.4, mean=0.4)
    apart = Passage(9000, 9200, 100, 300, links=1, best=0.4, mean=0.4)
    joined = _with_bag_passages([firm], [beside, inside, apart], join_chars=300)
    assert [(p.this_start, p.this_end, p.source_start, p.source_end) for p in joined] == [
        (1000, 1850, 5000, 5800),
        (9000, 9200, 100, 300),
    ]


def test_passages_touching_on_both_sides_are_one_reuse() -> None:
    first = Passage(1000, 1400, 700, 1100, links=3, best=0.8, mean=0.6)
    # Its source side comes first: the rewrite swapped the two halves.
    second = Passage(1401, 1800, 0, 699, links=2, best=0.7, mean=0.5)
    same_place_elsewhere = Passage(1830, 2100, 5000, 5300, links=2, best=0.7, mean=0.5)
    later = Passage(2400, 2600, 5310, 5500, links=2, best=0.7, mean=0.5)
    joined = touching_joined([later, second, same_place_elsewhere, first], gap=100)
    assert [(p.this_start, p.this_end, p.source_start, p.source_end, p.links) for p in joined] == [
        (1000, 1800, 0, 1100, 5),
        (1830, 2100, 5000, 5300, 2),
        (2400, 2600, 5310, 5500, 2),
    ]
    assert touching_joined([first, second], gap=0) == [first, second]


@pytest.mark.parametrize(
    ("heading", "kept"),
    [("Seasonal chores for allotment holders", False), ("Tomatoes for cool climates", True)],
)
def test_source_lines_the_rewrite_does_not_share_are_cut_from_the_ends(heading: str, kept: bool) -> None:
    source = f"{TRAINS}\nFurther reading\n{heading}\n{GARDEN}\nSee also\nRailway timetables"
    suspicious = f"Our reporter visited the market. {GARDEN} Prices rose again."
    this, other = _profiled(suspicious), _profiled(source)
    # Read as prose, the headings run into the story's first sentence: the passage's
    # source side starts at them.
    passage = Passage(0, len(suspicious), source.index("Further"), len(source), links=5, best=0.8, mean=0.7)
    trimmed = with_source_lines_trimmed(passage, source, this, other, share=0.2)
    start = source.index(heading) if kept else source.index(GARDEN)
    assert (trimmed.source_start, trimmed.source_end) == (start, source.index(GARDEN) + len(GARDEN))
    assert (trimmed.this_start, trimmed.this_end) == (passage.this_start, passage.this_end)
    # A passage inside one line keeps its edges, whatever it shares.
    inside = replace(passage, source_start=source.index(GARDEN) + 10, source_end=source.index(GARDEN) + 60)
    assert with_source_lines_trimmed(inside, source, _profiled(TRAINS), other, share=0.2) == inside


def test_a_source_stretch_is_reused_once() -> None:
    rewrite = Passage(0, 500, 1000, 1500, links=4, best=0.9, mean=0.7)
    echo = Passage(5000, 5300, 1100, 1300, links=2, best=0.45, mean=0.4)
    beside = Passage(600, 800, 1400, 1600, links=2, best=0.5, mean=0.45)
    elsewhere = Passage(7000, 7300, 3000, 3300, links=2, best=0.5, mean=0.45)
    found = _one_reuse_per_source_stretch([echo, beside, rewrite, elsewhere], PassageOptions())
    assert [(p.this_start, p.this_end, p.source_start, p.source_end) for p in found] == [
        (0, 800, 1000, 1600),
        (7000, 7300, 3000, 3300),
    ]
    # Next to a loosely linked passage, a second use of its source is not ruled out.
    loose = replace(rewrite, mean=0.5)
    assert len(_one_reuse_per_source_stretch([echo, loose], PassageOptions())) == 2
    # Two passages whose source stretches only touch at the edges (each overshooting its
    # case by a sentence) draw on different text.
    touching = Passage(5000, 5600, 1350, 2000, links=3, best=1.0, mean=0.55)
    assert len(_one_reuse_per_source_stretch([rewrite, touching], PassageOptions())) == 2


def test_a_summary_stands_for_its_whole_source_and_a_rewrite_of_one_stretch_does_not() -> None:
    words = _made_up_words(3)
    source_sentences = [words[k : k + 12] for k in range(0, 240, 12)]
    source = " ".join(map(_sentence, source_sentences))
    own = " ".join(_sentence(words[k : k + 12]) for k in range(500, 572, 12))
    # Each summary sentence takes half of each of two source sentences, all through the source.
    summary = " ".join(
        _sentence(source_sentences[k][:6] + source_sentences[k + 1][:6]) for k in range(0, 20, 4)
    )
    suspicious = f"{own} {summary} {own}"
    found = detect_passages(_profiled(suspicious), _profiled(source))
    start = suspicious.index(summary)
    assert [(p.this_start, p.this_end, p.source_start, p.source_end) for p in found] == [
        (start, start + len(summary), 0, len(source))
    ]
    # A rewrite of sentences 8 to 10 that borrows a word from each end of the source.
    rewrite = " ".join(
        [
            _sentence(source_sentences[8][:10] + source_sentences[0][:1]),
            _sentence(source_sentences[9][:10]),
            _sentence(source_sentences[10][:10] + source_sentences[19][:1]),
        ]
    )
    options = PassageOptions()
    for text, one_stretch in ((rewrite, True), (summary, False)):
        stretch, whole = _profiled(text), _profiled(source)
        passage = Passage(0, len(text), 0, len(source), links=3, best=0.5, mean=0.5)
        assert (
            _one_source_stretch_explains(passage, stretch, whole, Weights(stretch, whole), options)
            is one_stretch
        )


def test_a_loose_link_to_a_copied_source_sentence_is_an_echo() -> None:
    def evidence(score: float) -> Evidence:
        return Evidence(score, score, score, None, 5, score)

    # Unit 0 copies source unit 0; unit 1 shares a few of its words; unit 2 rewrites source unit 1.
    scored = {(0, 0): evidence(1.0), (1, 0): evidence(0.4), (2, 1): evidence(0.45), (3, 1): evidence(0.7)}
    linked = UnitLinks(groups={}, scored=scored)
    assert _without_echoes(list(scored), linked, PassageOptions()) == [(0, 0), (2, 1), (3, 1)]


def wiretrace(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wiretrace.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_a_stretch_found_against_several_sources_stays_with_the_best_linked() -> None:
    rewrite = Passage(1000, 1600, 0, 600, links=4, best=0.9, mean=0.7)
    echo = Passage(1100, 1500, 2000, 2400, links=2, best=0.7, mean=0.6)
    elsewhere = Passage(3000, 3400, 500, 900, links=2, best=0.6, mean=0.5)
    kept = best_sources({"a.txt": [rewrite], "b.txt": [echo, elsewhere]})
    assert kept == {"a.txt": [rewrite], "b.txt": [elsewhere]}
    # A passage overlapping another by less than the share of the shorter stretch is its own.
    edge = Passage(1450, 1900, 2000, 2450, links=2, best=0.7, mean=0.6)
    assert best_sources({"a.txt": [rewrite], "b.txt": [edge]})["b.txt"] == [edge]
    # Ties keep both: the same footer in two sources says nothing about which is the source.
    twin = replace(rewrite, source_start=5000, source_end=5600)
    assert best_sources({"a.txt": [rewrite], "b.txt": [twin]}) == {"a.txt": [rewrite], "b.txt": [twin]}
    # Above a share of 1, nothing is ever the same stretch.
    assert best_sources({"a.txt": [rewrite], "b.txt": [echo]}, share=2.0)["b.txt"] == [echo]


@pytest.fixture
def two_sources(tmp_path: Path) -> Path:
    """A suspicious text copying three wire sentences; one source holds all three, one two."""
    paragraphs = WIRE.split("\n\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "susp").mkdir()
    (tmp_path / "src" / "source-document00001.txt").write_text(TRAINS + "\n\n" + WIRE + "\n")
    (tmp_path / "src" / "source-document00002.txt").write_text(
        TRAINS + "\n\n" + " ".join(paragraphs[2:4]) + "\n"
    )
    (tmp_path / "susp" / "suspicious-document00001.txt").write_text(
        GARDEN + "\n\n" + " ".join(paragraphs[1:4]) + "\n\n" + GARDEN
    )
    (tmp_path / "pairs").write_text(
        "suspicious-document00001.txt source-document00001.txt\n"
        "suspicious-document00001.txt source-document00002.txt\n"
    )
    return tmp_path


def test_a_document_is_judged_against_all_its_sources_at_once(two_sources: Path) -> None:
    susp = two_sources / "susp" / "suspicious-document00001.txt"
    full, part = (
        two_sources / "src" / "source-document00001.txt",
        two_sources / "src" / "source-document00002.txt",
    )
    # Each pair alone finds the copy ...
    [from_full] = detect_pair(susp, full)
    [from_part] = detect_pair(susp, part)
    assert from_full.this_offset < from_part.this_offset < from_full.this_offset + from_full.this_length
    # ... and side by side the source holding all of it keeps it.
    assert detect_document(susp, [full, part]) == {full.name: [from_full], part.name: []}


def test_pan_command_weighs_sources_together_unless_told_not_to(two_sources: Path) -> None:
    folders = [str(two_sources / name) for name in ("pairs", "src", "susp")]
    together = wiretrace("pan", *folders, str(two_sources / "together"))
    alone = wiretrace("pan", *folders, str(two_sources / "alone"), "--each-pair-alone")
    assert together.returncode == alone.returncode == 0, together.stderr + alone.stderr
    part = "suspicious-document00001-source-document00002.xml"
    assert read_annotations(two_sources / "together" / part) == []
    assert len(read_annotations(two_sources / "alone" / part)) == 1
    # A document left half-written by a killed run is done again whole, to the same files.
    full = two_sources / "together" / "suspicious-document00001-source-document00001.xml"
    written = full.read_text()
    full.unlink()
    again = wiretrace("pan", *folders, str(two_sources / "together"))
    assert "0 already done" in again.stderr
    assert full.read_text() == written
    assert read_annotations(two_sources / "together" / part) == []


def test_pan_command_writes_every_pair_and_resumes(corpus: Path) -> None:
    out = corpus / "out"
    first = wiretrace("pan", str(corpus / "pairs"), str(corpus / "src"), str(corpus / "susp"), str(out))
    assert first.returncode == 0, first.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "suspicious-document00001-source-document00001.xml",
        "suspicious-document00002-source-document00001.xml",
    ]
    assert len(read_annotations(out / files[0])) == 1
    assert read_annotations(out / files[1]) == []
    # A second run finds the work done and leaves the files as they are.
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = wiretrace("pan", str(corpus / "pairs"), str(corpus / "src"), str(corpus / "susp"), str(out))
    assert "2 already done" in again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_pan_command_bad_pairs_file_is_one_line(corpus: Path) -> None:
    (corpus / "pairs").write_text("only-one-field\n")
    result = wiretrace(
        "pan", str(corpus / "pairs"), str(corpus / "src"), str(corpus / "susp"), str(corpus / "o")
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "pairs:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_pan_eval_scores_a_truth_layout(corpus: Path) -> None:
    truth = corpus / "truth" / "02-no-obfuscation"
    truth.mkdir(parents=True)
    case = Annotation("suspicious-document00001.txt", 0, 10, "source-document00001.txt", 0, 10)
    (truth / pair_file_name(case.this_reference, case.source_reference)).write_text(
        '<document reference="suspicious-document00001.txt">\n'
        '<feature name="plagiarism" this_offset="0" this_length="10" '
        'source_reference="source-document00001.txt" source_offset="0" source_length="10"/>\n</document>\n'
    )
    dets = corpus / "dets"
    dets.mkdir()
    write_detections(dets, case.this_reference, case.source_reference, [case])
    result = wiretrace("pan-eval", str(corpus / "truth"), str(dets), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["overall"]["plagdet"] == 1.0
    assert data["groups"]["02-no-obfuscation"]["cases"] == 1


@pytest.mark.parametrize(("group", "floor"), [("02-no-obfuscation", 0.9), ("05-summary-obfuscation", 0.6)])
def test_real_pan_pairs(group: str, floor: float) -> None:
    """A random sample of real PAN 2013 pairs; the full corpus is scored in bench/pan.py."""
    folder = PAN13 / group
    if not folder.is_dir():
        pytest.skip("../shared/data/pan13-train is not present")
    truth_files = sorted(folder.glob("*.xml"))
    cases, detections = [], []
    for truth in random.Random(7).sample(truth_files, 40):
        susp, src = _pair_of(truth)
        cases += read_annotations(truth, "plagiarism")
        detections += detect_pair(PAN13 / "susp" / susp, PAN13 / "src" / src)
    assert score(cases, detections).plagdet >= floor


def _pair_of(truth: Path) -> tuple[str, str]:
    susp, src = truth.stem.split("-source-")
    return f"{susp}.txt", f"source-{src}.txt"


def test_pan_command_undecodable_document_is_one_line(corpus: Path) -> None:
    (corpus / "susp" / "suspicious-document00002.txt").write_bytes(b"caf\xe9 au lait, served hot.\n")
    result = wiretrace(
        "pan", str(corpus / "pairs"), str(corpus / "src"), str(corpus / "susp"), str(corpus / "o")
    )
    assert result.returncode == 2
    assert "suspicious-document00002.txt: not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
