"""PAN measures on small hand-made cases, each worked out by hand from the definition."""

from __future__ import annotations

import math

import pytest

from wiretrace.pan.measures import (
    Annotation,
    detects,
    granularity,
    macro_precision,
    macro_recall,
    plagdet,
    score,
)


def ann(t: int, tl: int, s: int, sl: int, susp: str = "s.txt", src: str = "r.txt") -> Annotation:
    return Annotation(susp, t, tl, src, s, sl)


CASE = ann(100, 100, 1000, 100)


def test_perfect_detection_scores_one() -> None:
    result = score([CASE], [CASE])
    assert (result.precision, result.recall, result.granularity, result.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_partial_detection_counts_characters_on_both_sides() -> None:
    # 50 of 100 suspicious characters and 100 of 100 source characters: 150 / 200.
    detection = ann(150, 50, 1000, 100)
    assert macro_recall([CASE], [detection]) == pytest.approx(0.75)
    assert macro_precision([CASE], [detection]) == pytest.approx(1.0)


def test_detection_reaching_outside_the_case_loses_precision() -> None:
    detection = ann(100, 200, 1000, 100)  # 100 of its 200 suspicious characters are outside
    assert macro_precision([CASE], [detection]) == pytest.approx(200 / 300)
    assert macro_recall([CASE], [detection]) == 1.0


def test_overlap_on_one_side_only_detects_nothing() -> None:
    wrong_source_place = ann(100, 100, 5000, 100)
    assert not detects(wrong_source_place, CASE)
    assert score([CASE], [wrong_source_place]).plagdet == 0.0


def test_other_document_pair_detects_nothing() -> None:
    assert not detects(ann(100, 100, 1000, 100, src="other.txt"), CASE)


def test_overlapping_detections_count_characters_once_and_raise_granularity() -> None:
    first, second = ann(100, 60, 1000, 60), ann(140, 60, 1040, 60)
    result = score([CASE], [first, second])
    assert result.recall == 1.0  # together they cover the case; the overlap counts once
    assert result.granularity == 2.0
    assert result.plagdet == pytest.approx(1.0 / math.log2(3))


def test_no_detections() -> None:
    result = score([CASE], [])
    assert (result.precision, result.recall, result.granularity, result.plagdet) == (0.0, 0.0, 1.0, 0.0)


def test_no_cases() -> None:
    assert score([], [ann(0, 10, 0, 10)]).plagdet == 0.0
    nothing = score([], [])
    assert (nothing.precision, nothing.recall, nothing.plagdet) == (1.0, 1.0, 1.0)


def test_macro_average_weights_every_case_equally() -> None:
    small, large = ann(0, 10, 0, 10), ann(100, 1000, 100, 1000)
    # The small case is fully found, the large one not at all: recall is 0.5, not 20/2020.
    assert macro_recall([small, large], [small]) == pytest.approx(0.5)


def test_granularity_ignores_undetected_cases() -> None:
    other = ann(5000, 100, 9000, 100)
    dets = [ann(100, 50, 1000, 50), ann(150, 50, 1050, 50)]
    assert granularity([CASE, other], dets) == 2.0


def test_duplicate_detections_count_once() -> None:
    assert score([CASE], [CASE, CASE]).granularity == 1.0


def test_plagdet_formula() -> None:
    assert plagdet(0.5, 1.0, 1.0) == pytest.approx(2 / 3)
    assert plagdet(0.0, 0.0, 1.0) == 0.0
