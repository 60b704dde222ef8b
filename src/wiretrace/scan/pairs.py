"""The per-pair step of a corpus scan: a cheap check, then the compare engine.

Both engines (local and Spark) call :func:`relate` on every candidate pair, so they give
the same answer for the same pair. The result is plain data, ready for JSON or Parquet.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from wiretrace.align import AlignOptions, Profile, Weights, profile_units
from wiretrace.compare import Comparison, compare_segmented
from wiretrace.document import Document, Role, Unit, spans_from_array
from wiretrace.judge import Direction, decide_direction, find_credit
from wiretrace.pan.detect import Passage, PassageOptions, detect_passages
from wiretrace.scan.features import shingles
from wiretrace.scan.records import Record
from wiretrace.segment import segment

#: Lexical alignment, a little more tolerant than compare's default: scans meet rewording
#: more often than the seed pair does, and the model is too slow for a corpus.
SCAN_ALIGN = AlignOptions(semantic=False, lexical_threshold=0.25, min_shared_words=2)
#: Passages for pairs whose sentence links are too few: lexical links, and, with
#: ``PairOptions.passage_vectors``, sentence vectors where those fall short. Not the word
#: windows of ``wiretrace pan``: on the benchmark corpus they related 6 more random and 3
#: more translation pairs of 1,000 each, 64 more pairs outside the truth, and grew the
#: largest family from 303 to 475 documents (docs/benchmarks.md); nor its lone window
#: for a pair without a passage. Nor its edge model (step 16), which was trained on the
#: edges of PAN cases, not on what relates a pair, nor steps 17 to 19, so that a scan's
#: passages are those its benchmark measured.
_SCAN_PASSAGES = PassageOptions(
    vector_weight=0.0,
    windows=None,
    edge_model=False,
    closing_punctuation=False,
    touching_chars=0,
    lone_window=None,
    line_share=None,
)
_SCAN_VECTOR_PASSAGES = replace(_SCAN_PASSAGES, vector_weight=PassageOptions().vector_weight)
#: Profiled documents each judging worker keeps. Pairs are judged grouped by their first
#: document, so a small cache already serves most lookups; 2,048 cost 1.1 GB more at the
#: whole benchmark corpus and saved no time (docs/benchmarks.md). With units stored by the
#: features stage a miss costs only profiling: 384 profile 33,161 times against 31,780 for 512.
_CACHED_DOCUMENTS = 384
#: Sentences whose boilerplate check a cache remembers before it starts again.
_REMEMBERED_UNITS = 65_536


@dataclass(frozen=True, slots=True)
class PairOptions:
    """Settings for judging one candidate pair."""

    #: A pair must share this many non-boilerplate shingles within ``window`` shingles on
    #: both sides, unless its passages were found similar by the model ...
    min_window_shared: int = 5
    window: int = 60
    #: ... and then it must still share ``min_semantic_shared`` of them, unless its passages
    #: are at least ``strong_similarity`` alike. On PAN 2013, pairs found by passage
    #: similarity alone were related in 1 % of cases: most are on the same topic only.
    min_semantic_shared: int = 2
    strong_similarity: float = 0.93
    #: A pair whose passages are less alike than that, found because they stand out from
    #: their neighbourhoods (the candidate ``margin``), must share this many.
    min_margin_shared: int = 3
    #: A pair whose sentence links are too few to relate it is related all the same when
    #: the passage detector (:mod:`wiretrace.pan.detect`) finds a passage this long on both
    #: sides, whose links average ``passage_mean``, and which is neither a template (two
    #: or more facts swapped) nor corpus boilerplate. 0 turns this off.
    passage_chars: int = 250
    passage_mean: float = 0.4
    #: When a pair's lexical passages all fall short, link it again with sentence vectors
    #: from the static model of ``align.model`` (step 12 of ``wiretrace pan``). Off by
    #: default: on the benchmark corpus it found 8 more random and 8 more translation pairs
    #: in 1,000 each, and 362 more relations outside the truth, for 36 s more judging.
    passage_vectors: bool = False
    #: False: line breaks only wrap text (newswire, PAN); True: they lay out a web page.
    layout: bool = False
    align: AlignOptions = field(default_factory=lambda: SCAN_ALIGN)


@dataclass(slots=True)
class PairResult:
    """What the scan found for one candidate pair; ``related`` says whether it is reuse."""

    a: str
    b: str
    related: bool
    shared: int = 0
    similarity: float = 0.0
    source: str | None = None
    target: str | None = None
    verdict: dict[str, Any] = field(default_factory=dict)
    direction_reason: str = ""
    links: list[dict[str, Any]] = field(default_factory=list)
    #: For a pair related by rewritten passages rather than by its sentence links: each
    #: passage's ``a`` and ``b`` character ranges, its linked units and mean link score.
    passages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The pair as a JSON-ready record (the ``pairs.jsonl`` format).

        Shallow: the fields already hold plain JSON values, and ``asdict``'s deep copy of
        every link cost more than the rest of writing a pair.
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> PairResult:
        """Read a record written by :meth:`to_dict`."""
        return cls(**value)


class DocumentCache:
    """Segmented, profiled documents, kept for the pairs that reuse them."""

    def __init__(self, layout: bool, size: int = _CACHED_DOCUMENTS) -> None:
        self._layout = layout
        self._size = size
        self._items: OrderedDict[str, tuple[Document, list[Profile]]] = OrderedDict()
        self._shingles: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()
        self._units: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()
        self._distinct: OrderedDict[str, tuple[str, np.ndarray]] = OrderedDict()
        self._boilerplate_units: dict[str, bool] = {}
        self._boilerplate: np.ndarray | None = None

    def get(
        self, record: Record, units: list[tuple[int, int, Role]] | None = None
    ) -> tuple[Document, list[Profile]]:
        """The document of ``record``, segmented (or cut into ``units`` already found) and profiled.

        Entries are found by id and checked against the text, so two texts under one id
        (two files named alike) never share an entry.
        """
        item = self._items.get(record.id)
        if item is not None and item[0].text != record.text:
            item = None  # the same id for another text: two files named alike, say
        if item is None:
            doc = Document(record.id, record.text, record.title, record.date, record.url)
            stored = self._recall(self._units, record)
            if units is None and stored is not None:
                units = spans_from_array(stored)
            if units is None:
                segment(doc, layout=self._layout)
            else:
                doc.units = [Unit(i, s, e, role, record.text[s:e]) for i, (s, e, role) in enumerate(units)]
            item = (doc, profile_units(doc.units))
            self._items[record.id] = item
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(record.id)
        return item

    def is_boilerplate(self, text: str, boilerplate: np.ndarray) -> bool:
        """:func:`is_boilerplate`, remembered by text: a document's linked sentences are
        checked again in each of its pairs, always against the same corpus boilerplate."""
        if boilerplate is not self._boilerplate:
            self._boilerplate_units.clear()
            self._boilerplate = boilerplate  # held, so no other array can take its place
        found = self._boilerplate_units.get(text)
        if found is None:
            if len(self._boilerplate_units) >= _REMEMBERED_UNITS:
                self._boilerplate_units.clear()
            found = self._boilerplate_units[text] = is_boilerplate(text, boilerplate)
        return found

    def add_shingles(self, record: Record, values: np.ndarray) -> None:
        """Remember shingles computed elsewhere (the scan's features stage) for ``record``."""
        self._remember(self._shingles, record, values)

    def add_units(self, record: Record, rows: np.ndarray) -> None:
        """Remember the segmentation of ``record`` (:func:`~wiretrace.document.units_as_array`
        rows), so that a cache miss profiles the document without cutting it again."""
        self._remember(self._units, record, rows)

    def _remember(
        self, table: OrderedDict[str, tuple[str, np.ndarray]], record: Record, value: np.ndarray
    ) -> None:
        table[record.id] = (record.text, value)
        table.move_to_end(record.id)
        if len(table) > 4 * self._size:
            table.popitem(last=False)

    @staticmethod
    def _recall(table: OrderedDict[str, tuple[str, np.ndarray]], record: Record) -> np.ndarray | None:
        found = table.get(record.id)
        return found[1] if found is not None and found[0] == record.text else None

    def shingles(self, record: Record) -> np.ndarray:
        """Only the shingles: cheap, and enough to turn most candidates away unsegmented."""
        found = self._recall(self._shingles, record)
        if found is not None:
            return found
        values = shingles(record.text)
        self.add_shingles(record, values)
        return values

    def distinct_shingles(self, record: Record) -> np.ndarray:
        """The shingles of ``record``, sorted and distinct, kept like the shingles themselves."""
        found = self._recall(self._distinct, record)
        if found is not None:
            return found
        values = np.unique(self.shingles(record))
        self._remember(self._distinct, record, values)
        return values


def window_shared(
    a: np.ndarray,
    b: np.ndarray,
    boilerplate: np.ndarray,
    window: int,
    distinct: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Most shingles of one document shared with the other inside ``window`` positions, on both sides.

    Shingles in ``boilerplate`` (sorted, distinct) do not count. ``distinct`` holds the sorted
    distinct values of ``a`` and ``b`` when the caller keeps them.

    >>> window_shared(np.array([1, 2, 3, 9], dtype=np.uint64), np.array([3, 2, 1], dtype=np.uint64),
    ...               np.zeros(0, dtype=np.uint64), window=60)
    3
    """
    from wiretrace.kernels import densest_shared_window

    a_distinct, b_distinct = distinct if distinct is not None else (np.unique(a), np.unique(b))
    return int(densest_shared_window(a, b, a_distinct, b_distinct, boilerplate, window))


def in_sorted(values: np.ndarray, sorted_distinct: np.ndarray) -> np.ndarray:
    """``np.isin`` against sorted distinct values, by binary search.

    ``np.isin`` sorts both arrays on every call; the corpus's boilerplate is sorted once and
    checked against thousands of units, which made ``isin`` a fifth of a scan's judging time.

    >>> in_sorted(np.array([5, 1, 9], dtype=np.uint64), np.array([1, 5, 7], dtype=np.uint64)).tolist()
    [True, True, False]
    """
    if len(sorted_distinct) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_distinct, values)
    at[at == len(sorted_distinct)] = 0
    return sorted_distinct[at] == values


def relate(
    record_a: Record,
    record_b: Record,
    options: PairOptions,
    *,
    similarity: float = 0.0,
    semantic_threshold: float = 1.0,
    boilerplate: np.ndarray | None = None,
    cache: DocumentCache | None = None,
) -> PairResult:
    """Judge one candidate pair: is either text reused from the other, and how.

    ``similarity`` is the pair's best passage similarity when the passage search found it
    (0 when only shingles did); one below ``semantic_threshold`` was found by its margin.
    ``boilerplate`` holds the corpus's boilerplate shingles, sorted and distinct.
    """
    cache = cache or DocumentCache(options.layout, size=2)
    boiler = boilerplate if boilerplate is not None else np.zeros(0, dtype=np.uint64)
    shared = window_shared(
        cache.shingles(record_a),
        cache.shingles(record_b),
        boiler,
        options.window,
        (cache.distinct_shingles(record_a), cache.distinct_shingles(record_b)),
    )
    result = PairResult(
        record_a.id, record_b.id, related=False, shared=shared, similarity=round(similarity, 4)
    )
    if not _worth_comparing(shared, similarity, semantic_threshold, options):
        return result
    doc_a, prof_a = cache.get(record_a)
    doc_b, prof_b = cache.get(record_b)
    weights = Weights(prof_a, prof_b)
    direction = decide_direction(doc_a, doc_b, prof_a, prof_b, weights)
    comparison = compare_segmented(
        doc_a, doc_b, prof_a, prof_b, options.align, facts=False, weights=weights, direction=direction
    )
    result = _with_comparison(result, comparison, lambda text: cache.is_boilerplate(text, boiler))
    # Passages are built from the same unit links: with none, there is nothing to group.
    if not result.related and options.passage_chars and comparison.links:
        result = _with_passages(
            result, (doc_a, prof_a), (doc_b, prof_b), boiler, options, weights=weights, direction=direction
        )
    return result


def _worth_comparing(shared: int, similarity: float, semantic_threshold: float, options: PairOptions) -> bool:
    if shared >= options.min_window_shared or similarity >= options.strong_similarity:
        return True
    if similarity >= semantic_threshold:
        return shared >= options.min_semantic_shared
    # Any other similarity is a candidate found by its margin over the neighbourhood.
    return similarity > 0 and shared >= options.min_margin_shared


def is_boilerplate(text: str, boilerplate: np.ndarray) -> bool:
    """Whether most of a unit's shingles are corpus boilerplate (stock formulas, sign-offs).

    ``boilerplate`` is sorted and distinct, as the candidate stage makes it.
    """
    values = _unit_shingles(text)
    return len(values) > 0 and len(boilerplate) > 0 and float(in_sorted(values, boilerplate).mean()) >= 0.5


@functools.lru_cache(maxsize=16_384)
def _unit_shingles(text: str) -> np.ndarray:
    # Cached by text: a document's linked units are checked again in each of its pairs.
    return shingles(text)


def _with_comparison(
    result: PairResult, comparison: Comparison, is_stock: Callable[[str], bool]
) -> PairResult:
    verdict = comparison.verdict
    if verdict.derived == "none":
        return result  # unrelated whatever the links are, so their boilerplate need not be checked
    story_links = [
        link
        for link in comparison.links
        if link.label != "template" and not all(is_stock(comparison.a.units[i].text) for i in link.a)
    ]
    # Shared boilerplate is not reuse: one stock sentence must not tie two stories together.
    result.related = len(story_links) >= 2 or verdict.derived == "wholly"
    if not result.related:
        return result
    result.verdict = asdict(verdict)
    result.direction_reason = comparison.direction_reason
    _name_original(result, verdict.source, comparison.a.id, comparison.b.id)
    units_a, units_b = comparison.a.units, comparison.b.units
    result.links = [
        {
            "a": [[units_a[i].start, units_a[i].end] for i in link.a],
            "b": [[units_b[i].start, units_b[i].end] for i in link.b],
            "label": link.label,
            "kind": link.kind,
            "score": link.score,
            "spans": [dict(s) for s in link.spans],
        }
        for link in story_links
    ]
    return result


def _with_passages(
    result: PairResult,
    side_a: tuple[Document, list[Profile]],
    side_b: tuple[Document, list[Profile]],
    boilerplate: np.ndarray,
    options: PairOptions,
    *,
    weights: Weights | None = None,
    direction: Direction | None = None,
) -> PairResult:
    """Relate a pair through rewritten passages that its sentence links alone do not show.

    Random edits and translation chains leave sentences that link weakly one by one; the
    passage detector groups such links and judges stretches by the words they share. The
    verdict is then ``partially``, with containment and coverage in characters.

    The detector reads one text as the rewrite of the other, and its rules are not
    symmetric (a rewrite's stretch must be compact; a summary's sources may be spread).
    With so little shared text, the content evidence for direction is weak, so both
    readings are tried; the direction itself still comes from :func:`decide_direction`
    (``weights`` and ``direction`` are computed when the caller has not done so).
    """
    (doc_a, prof_a), (doc_b, prof_b) = side_a, side_b
    weights = weights or Weights(prof_a, prof_b)
    direction = direction or decide_direction(doc_a, doc_b, prof_a, prof_b, weights)
    derived_is_b = direction.derived_side == "b"
    derived, source = (side_b, side_a) if derived_is_b else (side_a, side_b)
    found = _reused_passages(derived, source, weights, boilerplate, options)
    read_reversed = not found
    if read_reversed:
        found = _reused_passages(source, derived, weights, boilerplate, options)
    if not found:
        return result
    # Each passage's ranges, by the document they are in.
    this_ranges = [[p.this_start, p.this_end] for p in found]
    other_ranges = [[p.source_start, p.source_end] for p in found]
    d_ranges, s_ranges = (other_ranges, this_ranges) if read_reversed else (this_ranges, other_ranges)
    a_ranges, b_ranges = (s_ranges, d_ranges) if derived_is_b else (d_ranges, s_ranges)
    d_doc, s_doc = derived[0], source[0]
    d_chars = sum(end - start for start, end in d_ranges)
    s_chars = sum(end - start for start, end in s_ranges)
    who = (
        f"{d_doc.id} derives partially from {s_doc.id}"
        if direction.source != "unknown"
        else f"{d_doc.id} and {s_doc.id} share text (partially); which came first is unclear"
    )
    result.related = True
    result.verdict = {
        "derived": "partially",
        "source": direction.source,
        "containment": round(min(d_chars / max(len(d_doc.text), 1), 1.0), 4),
        "coverage": round(min(s_chars / max(len(s_doc.text), 1), 1.0), 4),
        "credit": find_credit(d_doc),
        "explanation": f"{who}: {len(found)} rewritten passage(s), {d_chars} characters, "
        "that sentence links alone do not show.",
    }
    result.direction_reason = direction.reason
    result.passages = [
        {"a": a_range, "b": b_range, "links": p.links, "mean": round(float(p.mean), 4)}
        for p, a_range, b_range in zip(found, a_ranges, b_ranges, strict=True)
    ]
    _name_original(result, direction.source, doc_a.id, doc_b.id)
    return result


def _name_original(result: PairResult, side: str, a_id: str, b_id: str) -> None:
    """Set the pair's source and target when ``side`` ("a", "b" or "unknown") names the original."""
    if side in ("a", "b"):
        result.source, result.target = (a_id, b_id) if side == "a" else (b_id, a_id)


def _reused_passages(
    derived: tuple[Document, list[Profile]],
    source: tuple[Document, list[Profile]],
    weights: Weights,
    boilerplate: np.ndarray,
    options: PairOptions,
) -> list[Passage]:
    """Passages long and firm enough to relate a pair, less templates and boilerplate.

    Lexical links first; when they give passages that all fall short and
    ``options.passage_vectors`` is set, the pair is linked again with sentence vectors,
    which raise the loose links of a rewrite.
    """

    def relating(passage_options: PassageOptions) -> tuple[list[Passage], list[Passage]]:
        found = detect_passages(derived[1], source[1], options.align, passage_options, weights=weights)
        d_text, s_text = derived[0].text, source[0].text
        return found, [p for p in found if _relates(p, d_text, s_text, boilerplate, options)]

    candidates, relating_ones = relating(_SCAN_PASSAGES)
    if candidates and not relating_ones and options.passage_vectors:
        _, relating_ones = relating(_SCAN_VECTOR_PASSAGES)
    return relating_ones


def _relates(p: Passage, d_text: str, s_text: str, boilerplate: np.ndarray, options: PairOptions) -> bool:
    from wiretrace.facts import extract_facts, substitutions

    if min(p.this_end - p.this_start, p.source_end - p.source_start) < options.passage_chars:
        return False
    if p.mean < options.passage_mean or is_boilerplate(d_text[p.this_start : p.this_end], boilerplate):
        return False
    d_facts = extract_facts(d_text, [(p.this_start, p.this_end)])
    s_facts = extract_facts(s_text, [(p.source_start, p.source_end)])
    # The same wording about other figures and names is a template.
    return len(substitutions(s_facts, d_facts, s_text, d_text)) < 2
