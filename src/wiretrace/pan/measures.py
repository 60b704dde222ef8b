"""The PAN text-alignment measures: precision, recall, granularity and PlagDet.

Written from the published definition in Potthast, Stein, Barrón-Cedeño and Rosso,
"An Evaluation Framework for Plagiarism Detection" (COLING 2010). A case or detection
is a pair of character ranges, one in the suspicious document and one in the source;
characters on both sides count.

- A detection *detects* a case when both refer to the same document pair and their
  ranges overlap on both sides.
- Macro recall averages, over cases, the share of the case's characters that the
  detections detecting it cover. Macro precision is the same with the roles swapped.
- Granularity averages, over detected cases, how many detections detect each one.
- ``plagdet = F1 / log2(1 + granularity)``.

With no cases and no detections, recall and precision are 1; with only one of them
empty, both are 0, as in the official evaluator.

>>> case = Annotation("s.txt", 0, 100, "r.txt", 0, 100)
>>> score([case], [Annotation("s.txt", 0, 50, "r.txt", 0, 50)]).recall
0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Annotation:
    """A plagiarism case or a detection: ranges in a suspicious and a source document."""

    this_reference: str
    this_offset: int
    this_length: int
    source_reference: str
    source_offset: int
    source_length: int

    @property
    def pair(self) -> tuple[str, str]:
        """The document pair the annotation belongs to."""
        return self.this_reference, self.source_reference

    @property
    def this_range(self) -> tuple[int, int]:
        return self.this_offset, self.this_offset + self.this_length

    @property
    def source_range(self) -> tuple[int, int]:
        return self.source_offset, self.source_offset + self.source_length

    @property
    def size(self) -> int:
        """Characters on both sides."""
        return self.this_length + self.source_length


@dataclass(frozen=True, slots=True)
class Scores:
    """PAN measures for one set of cases and detections."""

    precision: float
    recall: float
    granularity: float
    plagdet: float
    cases: int
    detections: int

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def detects(detection: Annotation, case: Annotation) -> bool:
    """True when ``detection`` overlaps ``case`` in both documents of the same pair."""
    return (
        detection.pair == case.pair
        and _overlaps(detection.this_range, case.this_range)
        and _overlaps(detection.source_range, case.source_range)
    )


def macro_recall(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean share of each case's characters covered by the detections that detect it."""
    if not cases and not detections:
        return 1.0
    if not cases or not detections:
        return 0.0
    by_pair = _by_pair(detections)
    return sum(_covered_share(c, by_pair.get(c.pair, [])) for c in cases) / len(cases)


def macro_precision(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean share of each detection's characters that lie inside cases it detects."""
    return macro_recall(detections, cases)


def granularity(cases: Sequence[Annotation], detections: Sequence[Annotation]) -> float:
    """Mean number of detections per detected case; 1 when nothing is detected."""
    by_pair = _by_pair(detections)
    counts = [sum(1 for d in by_pair.get(c.pair, []) if detects(d, c)) for c in cases]
    detected = [n for n in counts if n > 0]
    return sum(detected) / len(detected) if detected else 1.0


def plagdet(precision: float, recall: float, granularity_: float) -> float:
    """F1 of precision and recall, discounted by granularity."""
    if precision + recall == 0:
        return 0.0
    f1 = 2 * precision * recall / (precision + recall)
    return f1 / math.log2(1 + granularity_)


def score(cases: Iterable[Annotation], detections: Iterable[Annotation]) -> Scores:
    """All PAN measures at once. Duplicate annotations count once, as in the evaluator."""
    case_list = sorted(set(cases), key=_sort_key)
    detection_list = sorted(set(detections), key=_sort_key)
    p = macro_precision(case_list, detection_list)
    r = macro_recall(case_list, detection_list)
    g = granularity(case_list, detection_list)
    return Scores(p, r, g, plagdet(p, r, g), len(case_list), len(detection_list))


def _covered_share(case: Annotation, candidates: Sequence[Annotation]) -> float:
    hits = [d for d in candidates if detects(d, case)]
    if not hits:
        return 0.0
    this = _union_inside(case.this_range, [d.this_range for d in hits])
    source = _union_inside(case.source_range, [d.source_range for d in hits])
    return (this + source) / case.size if case.size else 0.0


def _union_inside(outer: tuple[int, int], ranges: list[tuple[int, int]]) -> int:
    """Characters of ``outer`` covered by the union of ``ranges``."""
    clipped = sorted((max(s, outer[0]), min(e, outer[1])) for s, e in ranges)
    total, reach = 0, outer[0]
    for start, end in clipped:
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _by_pair(annotations: Iterable[Annotation]) -> dict[tuple[str, str], list[Annotation]]:
    index: dict[tuple[str, str], list[Annotation]] = {}
    for a in annotations:
        index.setdefault(a.pair, []).append(a)
    return index


def _sort_key(a: Annotation) -> tuple[str, str, int, int, int, int]:
    return (
        a.this_reference,
        a.source_reference,
        a.this_offset,
        a.this_length,
        a.source_offset,
        a.source_length,
    )
