"""Sentence alignment: which units of a derived text come from which units of its source.

Everything here is a pure function of two segmented documents (and, optionally, sentence
vectors), so the same code serves ``compare``, PAN runs and corpus engines.

How a derived unit finds its sources:

1. Lexical evidence for every unit pair that shares a content word: the IDF-weighted share
   of the derived unit's words found in the source unit (*coverage*) and the share of its
   content-word bigrams kept in order (*order*).
2. Semantic evidence, where asked for: the cosine of the two sentence vectors.
3. The best-scoring source unit becomes the primary source, if it clears the threshold.
4. Further source units join (a *merge*) while they explain a real part of what the
   primary source leaves unexplained. Among candidates that explain about as much, the
   one that is near the primary source or already used elsewhere in the rewrite wins:
   editors merge neighbouring sentences, and a rewrite is best explained by few sources.
5. A pair whose facts conflict (another weekday, another country) is a *template* match,
   not reuse: agencies write different stories in the same stock phrases.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from wiretrace.document import Document, Role, Unit
from wiretrace.embed import DEFAULT_MODEL, Encoder, get_encoder
from wiretrace.facts import Fact, extract_facts, substitutions
from wiretrace.overlap import Stacked, overlap, stack, stems_of, unit_counts, word_ids
from wiretrace.tokens import Token, content_stems, tokenize

#: Roles whose units carry story or title text and may be drawn from any such unit.
ALIGNABLE_ROLES = frozenset({Role.BODY, Role.LIST_ITEM, Role.HEADLINE, Role.SUBHEAD})
_TITLE_ROLES = frozenset({Role.HEADLINE, Role.SUBHEAD})
#: Share of a derived unit's words inside copied runs that makes it near-verbatim.
NEAR_VERBATIM = 0.8
#: A derived unit whose best source covers this much of it, in order, needs no model.
_SETTLED_COVERAGE = 0.85


@dataclass(frozen=True, slots=True)
class AlignOptions:
    """Settings for alignment. Every field has a default that suits news text.

    ``semantic=False`` uses lexical evidence only: no model is loaded, and verbatim and
    near-verbatim reuse are still found.
    """

    semantic: bool = True
    model: str = DEFAULT_MODEL
    device: str = "cpu"
    #: Lowest combined score for a unit to be linked at all, with and without vectors.
    link_threshold: float = 0.5
    lexical_threshold: float = 0.4
    #: A further source must explain this share of the derived unit's weight ...
    merge_gain: float = 0.15
    #: ... through at least this many content words not already explained.
    merge_words: int = 3
    #: Pairs sharing less of the derived unit's weight than this are not given to the model.
    semantic_min_coverage: float = 0.15
    #: Word runs at least this long count as copied word for word.
    min_span_words: int = 3
    #: Unit pairs sharing fewer content words than this are not scored at all.
    min_shared_words: int = 1


@dataclass(frozen=True, slots=True)
class SharedSpan:
    """A run of words that a source unit and a derived unit share exactly (document offsets)."""

    source_start: int
    source_end: int
    derived_start: int
    derived_end: int


@dataclass(frozen=True, slots=True)
class Link:
    """One derived unit and the source units it was made from."""

    derived: tuple[int, ...]
    source: tuple[int, ...]
    label: str
    kind: str
    score: float
    spans: tuple[SharedSpan, ...] = ()
    conflicts: tuple[tuple[str, str], ...] = ()

    @property
    def is_reuse(self) -> bool:
        """False for template matches, which share wording but not the story."""
        return self.label != "template"


@dataclass(frozen=True, slots=True)
class LeftOut:
    """Part of a used source unit that the rewrite left out (document offsets)."""

    unit: int
    start: int
    end: int


@dataclass(slots=True)
class Alignment:
    """The links from a derived document to its source, and what the rewrite left out."""

    links: list[Link] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    def reuse_links(self) -> list[Link]:
        """Links that are reuse, without template matches."""
        return [link for link in self.links if link.is_reuse]


class Profile:
    """What alignment needs to know about one unit's words.

    Alignment scores every unit pair by stems, but needs the tokens (words with offsets)
    only of the few units it links, so tokens are cut on first use.
    """

    __slots__ = ("_tokens", "bigrams", "stems", "unit", "words")

    def __init__(
        self,
        unit: Unit,
        stems: frozenset[str],
        bigrams: frozenset[tuple[str, str]],
        words: tuple[str, ...] = (),
    ) -> None:
        self.unit = unit
        self.stems = stems
        self.bigrams = bigrams
        #: The stems of the unit's content words, in order, one per word.
        self.words = words
        self._tokens: tuple[Token, ...] | None = None

    @property
    def tokens(self) -> tuple[Token, ...]:
        """The unit's words, with offsets into its document."""
        if self._tokens is None:
            self._tokens = tuple(tokenize(self.unit.text, offset=self.unit.start))
        return self._tokens


class Evidence(NamedTuple):
    """How strongly one derived unit resembles one source unit.

    A named tuple, because a pair of long documents builds hundreds of thousands of them.
    """

    coverage: float
    reverse: float
    order: float
    semantic: float | None
    shared_words: int
    score: float


def profile(unit: Unit) -> Profile:
    """Content stems and content bigrams of a unit; its tokens follow when asked for."""
    content = content_stems(unit.text)
    return Profile(unit, frozenset(content), frozenset(itertools.pairwise(content)), tuple(content))


class Profiles(list[Profile]):
    """The profiled units of one document, with the flat arrays that compiled code reads.

    Corpus engines keep a document's profiles for all of its pairs, so the arrays are built
    once per document, not once per pair. Do not change the list once they are read.
    """

    @functools.cached_property
    def stacked(self) -> Stacked:
        """Stem ids, bigram keys and role codes of every unit."""
        return stack([(p.stems, p.bigrams, _ROLE_CODES[p.unit.role]) for p in self])

    @functools.cached_property
    def static_vectors(self) -> dict[str, np.ndarray]:
        """Sentence vectors of the units by static model name, filled by whoever first needs them."""
        return {}

    @functools.cached_property
    def word_ids(self) -> np.ndarray:
        """The stem ids of the content words of all units, in order (see :attr:`Profile.words`)."""
        return word_ids([p.words for p in self])

    @functools.cached_property
    def word_ptr(self) -> np.ndarray:
        """Where each unit's words start in :attr:`word_ids`; the last entry is the total."""
        return np.cumsum([0, *(len(p.words) for p in self)], dtype=np.int64)

    @functools.cached_property
    def story_ids(self) -> np.ndarray:
        """The distinct stem ids of the story units."""
        stacked = self.stacked
        story = np.array([p.unit.is_story for p in self], dtype=np.bool_)
        return np.unique(stacked.ids[np.repeat(story, np.diff(stacked.ptr))])


def profile_units(units: Iterable[Unit]) -> Profiles:
    """:func:`profile` for each unit of a document."""
    return Profiles(profile(u) for u in units)


def as_profiles(profiles: Sequence[Profile]) -> Profiles:
    """``profiles`` as :class:`Profiles`, reusing them when they already are."""
    return profiles if isinstance(profiles, Profiles) else Profiles(profiles)


class Weights:
    """IDF weights of stems over the units of the documents being compared.

    Words that occur in most units of a pair ("China" in a story about China) say little
    about which sentence came from which; rare words say a lot.

    Weights are held as integers in units of 2**-32 and summed exactly, so a total does
    not depend on the order of a set's stems, which varies between processes with Python's
    string hashing: engines on different machines must agree to the last bit.
    """

    _SCALE = 2**32

    def __init__(self, *sides: Sequence[Profile]) -> None:
        """Weights over the units of one or more sequences of profiles (usually both documents)."""
        vocabulary, counts = unit_counts([as_profiles(side).stacked for side in sides])
        n = max(1, sum(len(side) for side in sides))
        distinct = np.unique(counts)
        # Computed once per distinct count: a pair has thousands of stems but few counts.
        by_count = np.array(
            [round(math.log((n + 1) / (count + 0.5)) * self._SCALE) for count in distinct.tolist()],
            dtype=np.int64,
        )
        #: The sorted stem ids of the units, and the weight of each in units of 2**-32.
        self.vocabulary = vocabulary
        self.values = by_count[np.searchsorted(distinct, counts)]
        self._unseen = round(math.log((n + 1) / 0.5) * self._SCALE)
        self._fixed: dict[str, int] | None = None

    def total(self, stems: frozenset[str] | set[str]) -> float:
        """Summed weight of a set of stems."""
        if self._fixed is None:  # by stem, built on first use: alignment itself reads the arrays
            self._fixed = dict(zip(stems_of(self.vocabulary), self.values.tolist(), strict=True))
        fixed, unseen = self._fixed, self._unseen
        return sum([fixed.get(s, unseen) for s in stems]) / self._SCALE

    def of_ids(self, ids: np.ndarray) -> np.ndarray:
        """The weight of each stem id; ids the weighted units lack weigh as unseen stems."""
        if not len(self.vocabulary):
            return np.full(len(ids), self._unseen / self._SCALE)
        at = np.minimum(np.searchsorted(self.vocabulary, ids), len(self.vocabulary) - 1)
        return np.where(self.vocabulary[at] == ids, self.values[at], self._unseen) / self._SCALE

    def total_of_ids(self, ids: np.ndarray) -> float:
        """Summed weight of distinct stem ids, all of them among the weighted units' stems."""
        return int(self.values[np.searchsorted(self.vocabulary, ids)].sum()) / self._SCALE


@dataclass(slots=True)
class UnitLinks:
    """Which source units each derived unit was made from, with the evidence behind it.

    This is the alignment step proper, without labels or facts: ``compare`` builds its
    report on it, and PAN runs build passages from it.
    """

    #: Derived unit index -> the source unit indices it draws on, in order.
    groups: dict[int, list[int]]
    #: Evidence for every unit pair that was scored.
    scored: dict[tuple[int, int], Evidence]
    #: Derived unit index -> the lexical score against all its sources together, for
    #: units merged from several: each source alone explains only its part.
    joint: dict[int, float] = field(default_factory=dict)


def align(
    derived: Document,
    source: Document,
    options: AlignOptions | None = None,
    encoder: Encoder | None = None,
    profiles: tuple[Sequence[Profile], Sequence[Profile]] | None = None,
    weights: Weights | None = None,
) -> Alignment:
    """Link the units of ``derived`` to the units of ``source`` they were made from.

    Both documents must already be segmented. ``encoder`` overrides the model named in
    ``options``; it is ignored when ``options.semantic`` is false. ``profiles`` (derived,
    source) saves profiling units again when the caller already has them, and so does
    ``weights`` (over the units of both) for the stem weights.
    """
    options = options or AlignOptions()
    if profiles is None:
        profiles = (profile_units(derived.units), profile_units(source.units))
    d_profiles, s_profiles = as_profiles(profiles[0]), as_profiles(profiles[1])
    linked = link_units(d_profiles, s_profiles, options, encoder, weights)
    links = _build_links(derived, source, d_profiles, s_profiles, linked.groups, linked.scored, options)
    return Alignment(links=links, left_out=_left_out(s_profiles, d_profiles, links))


def link_units(
    derived: Sequence[Profile],
    source: Sequence[Profile],
    options: AlignOptions | None = None,
    encoder: Encoder | None = None,
    weights: Weights | None = None,
) -> UnitLinks:
    """Find the source units behind each derived unit, from profiled units.

    Profiles can be computed once per document and reused across many pairs. ``weights``
    must be over the units of both documents; they are computed when not given.

    >>> from wiretrace.document import Document
    >>> from wiretrace.segment import segment
    >>> a, b = Document("a", "Rain fell hard in Paris. Rivers rose."), Document("b", "Heavy rain fell in Paris.")
    >>> _ = segment(a), segment(b)
    >>> link_units([profile(u) for u in b.units], [profile(u) for u in a.units],
    ...            AlignOptions(semantic=False)).groups
    {0: [0]}
    """
    options = options or AlignOptions()
    derived, source = as_profiles(derived), as_profiles(source)  # stacked once, for weights and evidence
    weights = weights or Weights(derived, source)
    evidence = _lexical_evidence(derived, source, weights, options.min_shared_words, _least_useful(options))
    if options.semantic and evidence:
        _add_semantic_evidence(evidence, derived, source, encoder or _encoder(options), options)
    return relink(derived, source, evidence, weights, options)


def relink(
    derived: Sequence[Profile],
    source: Sequence[Profile],
    scored: dict[tuple[int, int], Evidence],
    weights: Weights,
    options: AlignOptions,
) -> UnitLinks:
    """Link units from their scored pairs: the best source of each derived unit, and any
    further sources merged into it.

    :func:`link_units` ends here; a caller that rescores pairs with other evidence (such
    as the passage detector's sentence vectors) links them again with it.
    """
    primaries = _choose_primaries(derived, scored, options)
    groups = _add_merged_sources(derived, source, scored, primaries, weights, options)
    joint = {
        i: _joint_score(derived[i], [source[j] for j in js], weights)
        for i, js in groups.items()
        if len(js) > 1
    }
    return UnitLinks(groups=groups, scored=scored, joint=joint)


def _encoder(options: AlignOptions) -> Encoder:
    return get_encoder(options.model, options.device)


def _compatible(derived_role: Role, source_role: Role) -> bool:
    if derived_role in ALIGNABLE_ROLES:
        return source_role in ALIGNABLE_ROLES
    return derived_role == source_role  # page furniture only matches the same furniture


_ROLE_CODES = {role: code for code, role in enumerate(Role)}
#: ``_compatible`` as a table over role codes, for compiled code.
_COMPATIBLE_CODES = np.array([[_compatible(d, s) for s in Role] for d in Role], dtype=np.bool_)


def _least_useful(options: AlignOptions) -> tuple[float, float]:
    """The lexical score, or else coverage, below which a unit pair can change nothing.

    A pair becomes a link only above the link threshold, and joins a merge only above
    0.6 of it while covering ``merge_gain`` of the derived unit; with the model on, any
    pair the model is given may still rise, so coverage alone keeps it.
    """
    floor = 0.6 * min(options.lexical_threshold, options.link_threshold)
    return floor, (options.semantic_min_coverage if options.semantic else math.inf)


def _lexical_evidence(
    derived: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    min_shared: int = 1,
    least: tuple[float, float] = (-math.inf, -math.inf),
) -> dict[tuple[int, int], Evidence]:
    """Evidence for every compatible unit pair sharing ``min_shared`` stems, except pairs
    whose lexical score and coverage are both under ``least`` (see :func:`_least_useful`)."""
    found = overlap(
        as_profiles(derived).stacked,
        as_profiles(source).stacked,
        weights.vocabulary,
        weights.values,
        _COMPATIBLE_CODES,
        float(Weights._SCALE),
        min_shared,
        least,
    )
    return {
        (i, j): Evidence(coverage, reverse, order, None, n_shared, _lexical_score(coverage, order))
        for i, j, n_shared, coverage, reverse, order in zip(
            found.derived.tolist(),
            found.source.tolist(),
            found.shared_words.tolist(),
            found.coverage.tolist(),
            found.reverse.tolist(),
            found.order.tolist(),
            strict=True,
        )
    }


def _add_semantic_evidence(
    evidence: dict[tuple[int, int], Evidence],
    derived: Sequence[Profile],
    source: Sequence[Profile],
    encoder: Encoder,
    options: AlignOptions,
) -> None:
    """Cosines only where they can change the outcome, because the model is the slow part.

    A derived unit already copied near word for word needs no model; a pair that shares
    almost no content words cannot become a link through the model either.
    """
    settled = {i for (i, _), ev in evidence.items() if ev.coverage >= _SETTLED_COVERAGE and ev.order >= 0.7}
    pairs = [
        pair
        for pair, ev in evidence.items()
        if pair[0] not in settled and ev.coverage >= options.semantic_min_coverage
    ]
    if not pairs:
        return
    d_needed = sorted({i for i, _ in pairs})
    s_needed = sorted({j for _, j in pairs})
    texts = [derived[i].unit.text for i in d_needed] + [source[j].unit.text for j in s_needed]
    vectors = encoder.encode(texts)
    d_rows = {i: vectors[k] for k, i in enumerate(d_needed)}
    s_rows = {j: vectors[len(d_needed) + k] for k, j in enumerate(s_needed)}
    for i, j in pairs:
        ev = evidence[i, j]
        cosine = float(np.dot(d_rows[i], s_rows[j]))
        score = max(ev.score, 0.5 * ev.coverage + 0.5 * cosine)
        evidence[i, j] = Evidence(ev.coverage, ev.reverse, ev.order, cosine, ev.shared_words, score)


def _lexical_score(coverage: float, order: float) -> float:
    return 0.6 * coverage + 0.4 * order


def _joint_score(d: Profile, sources: Sequence[Profile], weights: Weights) -> float:
    """How well several source units together explain one derived unit."""
    stems = d.stems & frozenset().union(*(s.stems for s in sources))
    bigrams = d.bigrams & frozenset().union(*(s.bigrams for s in sources))
    coverage = weights.total(stems) / max(weights.total(d.stems), 1e-9)
    order = len(bigrams) / len(d.bigrams) if d.bigrams else 0.0
    return _lexical_score(coverage, order)


def _threshold(ev: Evidence, options: AlignOptions) -> float:
    if ev.semantic is None and options.semantic:
        return options.link_threshold  # a pair the model skipped is held to the semantic bar
    return options.lexical_threshold if ev.semantic is None else options.link_threshold


def _is_link(d: Profile, ev: Evidence, options: AlignOptions) -> bool:
    if ev.score < _threshold(ev, options):
        return False
    if d.unit.role in _TITLE_ROLES:
        return ev.coverage >= 0.5 and ev.shared_words >= 2
    return ev.shared_words >= 2 or (ev.semantic or 0.0) >= 0.8


def _choose_primaries(
    derived: Sequence[Profile], scored: dict[tuple[int, int], Evidence], options: AlignOptions
) -> dict[int, int]:
    best: dict[int, tuple[float, int]] = {}
    for (i, j), ev in scored.items():
        if _is_link(derived[i], ev, options) and (i not in best or ev.score > best[i][0]):
            best[i] = (ev.score, j)
    return {i: j for i, (_, j) in best.items()}


def _add_merged_sources(
    derived: Sequence[Profile],
    source: Sequence[Profile],
    scored: dict[tuple[int, int], Evidence],
    primaries: dict[int, int],
    weights: Weights,
    options: AlignOptions,
) -> dict[int, list[int]]:
    used_elsewhere = Counter(primaries.values())
    candidates: dict[int, list[tuple[int, Evidence]]] = {}
    for (i, j), ev in scored.items():
        if i in primaries:
            candidates.setdefault(i, []).append((j, ev))
    groups: dict[int, list[int]] = {}
    for i, first in primaries.items():
        d = derived[i]
        chosen = [first]
        if d.unit.role not in _TITLE_ROLES:
            _extend_merge(d, chosen, source, candidates[i], used_elsewhere, weights, options)
        groups[i] = sorted(chosen)
    return groups


def _extend_merge(
    d: Profile,
    chosen: list[int],
    source: Sequence[Profile],
    candidates: list[tuple[int, Evidence]],
    used_elsewhere: Counter[int],
    weights: Weights,
    options: AlignOptions,
) -> None:
    d_weight = weights.total(d.stems)
    while True:
        explained = set().union(*(source[j].stems for j in chosen)) & d.stems
        residual = d.stems - explained
        best: tuple[float, int] | None = None
        for j, ev in candidates:
            if j in chosen:
                continue
            gained = residual & source[j].stems
            if len(gained) < options.merge_words:
                continue
            gain = weights.total(gained) / d_weight
            if gain < options.merge_gain:
                continue
            floor = options.lexical_threshold if ev.semantic is None else options.link_threshold
            if ev.score < 0.6 * floor:
                continue
            near = min(abs(j - c) for c in chosen) <= 2
            reused = used_elsewhere[j] > (1 if j in chosen else 0)
            rank = gain + 0.1 * (ev.semantic or 0.0) + 0.05 * near + 0.05 * reused
            if best is None or rank > best[0]:
                best = (rank, j)
        if best is None:
            return
        chosen.append(best[1])


def _build_links(
    derived: Document,
    source: Document,
    d_profiles: Sequence[Profile],
    s_profiles: Sequence[Profile],
    groups: dict[int, list[int]],
    scored: dict[tuple[int, int], Evidence],
    options: AlignOptions,
) -> list[Link]:
    # The same words in the same order swap no fact, so a verbatim copy's facts are not
    # read: that is half the links of a corpus scan. (In 117,172 verbatim links, half the
    # scan benchmark, the extractor saw six "swaps", all markup or spacing: "Inc> and
    # <Pacific" against "Inc and Pacific", "III / IV" against "III/IV".)
    reworded = {
        i: js for i, js in groups.items() if not _is_verbatim(d_profiles[i], [s_profiles[j] for j in js])
    }
    d_facts = unit_facts(derived, reworded)
    s_facts = unit_facts(source, {j for js in reworded.values() for j in js})
    sources_used = Counter(j for js in groups.values() for j in js)
    conflicts_of = {
        i: substitutions(
            [f for j in js for f in s_facts.get(j, [])], d_facts.get(i, []), source.text, derived.text
        )
        if i in reworded
        else []
        for i, js in groups.items()
    }
    # When most links swap a fact, the texts tell different events in the same words.
    conflicted = sum(1 for c in conflicts_of.values() if c)
    different_events = conflicted >= 2 and conflicted >= len(groups) / 2
    links = []
    for i in sorted(groups):
        js = groups[i]
        d = d_profiles[i]
        if i in reworded:
            spans = tuple(
                span
                for j in js
                for span in shared_spans(s_profiles[j].tokens, d.tokens, options.min_span_words)
            )
        else:
            spans = _whole_unit_span(d.tokens, s_profiles[js[0]].tokens, options.min_span_words)
        kind = _copy_kind(d, [s_profiles[j] for j in js], spans) if i in reworded else "verbatim"
        conflicts = conflicts_of[i]
        primary = max(js, key=lambda j: scored[i, j].score)
        is_template = len(conflicts) >= 2 or (bool(conflicts) and (kind == "paraphrase" or different_events))
        label = "template" if is_template else _label(d, js, kind, scored[i, primary], sources_used)
        links.append(
            Link(
                derived=(i,),
                source=tuple(js),
                label=label,
                kind=kind,
                score=round(scored[i, primary].score, 4),
                spans=spans,
                conflicts=tuple((a.text, b.text) for a, b in conflicts),
            )
        )
    return links


def unit_facts(doc: Document, indices: Iterable[int] | None = None) -> dict[int, list[Fact]]:
    """The facts of each alignable unit (or of those in ``indices``), by unit index.

    A document that carries its facts (``doc.facts``, for every alignable unit) is not
    read again. Otherwise each unit's facts are extracted once and kept with the document
    (``doc.fact_memo``): corpus engines align one document against many others, and
    alignment needs the facts of linked units only.
    """
    wanted = None if indices is None else set(indices)
    units = [u for u in doc.units if u.role in ALIGNABLE_ROLES and (wanted is None or u.index in wanted)]
    if doc.facts is not None:
        return {u.index: doc.facts.get(u.index, []) for u in units}
    memo = doc.fact_memo
    for u in units:
        if u.index not in memo:
            memo[u.index] = extract_facts(doc.text, [(u.start, u.end)])
    return {u.index: memo[u.index] for u in units}


def _label(
    d: Profile,
    js: list[int],
    kind: str,
    primary: Evidence,
    sources_used: Counter[int],
) -> str:
    if d.unit.role in _TITLE_ROLES:
        return "headline"
    if len(js) > 1:
        return "merge"
    if sources_used[js[0]] > 1 and primary.reverse < 0.8:
        return "split"
    return kind


def _copy_kind(d: Profile, sources: Sequence[Profile], spans: tuple[SharedSpan, ...]) -> str:
    """verbatim, near-verbatim or paraphrase, from how much is copied word for word."""
    if _is_verbatim(d, sources):
        return "verbatim"
    copied = _covered_tokens(d.tokens, [(s.derived_start, s.derived_end) for s in spans])
    share = copied / (len(d.tokens) or 1)
    return "near-verbatim" if share >= NEAR_VERBATIM else "paraphrase"


def _is_verbatim(d: Profile, sources: Sequence[Profile]) -> bool:
    """One source with the same words in the same order; only spacing, case or punctuation differ."""
    if len(sources) != 1:
        return False
    if d.unit.text == sources[0].unit.text:
        return True  # most verbatim links of a scan: no need to compare word by word
    a, b = d.tokens, sources[0].tokens
    return len(a) == len(b) and all(x.norm == y.norm for x, y in zip(a, b, strict=True))


def _covered_tokens(tokens: Sequence[Token], ranges: list[tuple[int, int]]) -> int:
    """How many of ``tokens`` (in order, not overlapping) lie wholly inside one of ``ranges``."""
    starts = [t.start for t in tokens]
    covered: set[int] = set()
    for s, e in ranges:
        # Tokens from the first starting at or after s, up to the last starting before e.
        first, last = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
        covered.update(k for k in range(first, last) if tokens[k].end <= e)
    return len(covered)


def _whole_unit_span(
    derived: Sequence[Token], source: Sequence[Token], min_words: int
) -> tuple[SharedSpan, ...]:
    """The shared spans of a verbatim link (the same words in the same order).

    They are what :func:`shared_spans` finds, one run over the whole unit, without
    comparing every word with every other: half the links of a corpus scan are verbatim.
    A unit shorter than ``min_words`` goes through :func:`shared_spans`.
    """
    if len(derived) < min_words:
        return tuple(shared_spans(source, derived, min_words))
    return (SharedSpan(source[0].start, source[-1].end, derived[0].start, derived[-1].end),)


def shared_spans(source: Sequence[Token], derived: Sequence[Token], min_words: int = 3) -> list[SharedSpan]:
    """Maximal runs of identical words, longest first, each word used at most once per side.

    Order between runs is free, because rewrites reorder clauses.
    """
    positions: dict[str, list[int]] = {}
    for j, t in enumerate(source):
        positions.setdefault(t.norm, []).append(j)
    runs: list[tuple[int, int, int]] = []  # (length, derived start, source start)
    for i, t in enumerate(derived):
        for j in positions.get(t.norm, ()):
            if i > 0 and j > 0 and derived[i - 1].norm == source[j - 1].norm:
                continue  # not the start of a maximal run
            n = 0
            while i + n < len(derived) and j + n < len(source) and derived[i + n].norm == source[j + n].norm:
                n += 1
            if n >= min_words or (n >= 2 and all(x.content for x in derived[i : i + n])):
                runs.append((n, i, j))
    runs.sort(key=lambda r: (-r[0], r[1], r[2]))
    taken_d: set[int] = set()
    taken_s: set[int] = set()
    spans = []
    for n, i, j in runs:
        if taken_d.intersection(range(i, i + n)) or taken_s.intersection(range(j, j + n)):
            continue
        taken_d.update(range(i, i + n))
        taken_s.update(range(j, j + n))
        spans.append(
            SharedSpan(source[j].start, source[j + n - 1].end, derived[i].start, derived[i + n - 1].end)
        )
    spans.sort(key=lambda s: s.derived_start)
    return spans


def _left_out(source: Sequence[Profile], derived: Sequence[Profile], links: list[Link]) -> list[LeftOut]:
    """Stretches of used source units whose content words no linked derived unit has."""
    used_by: dict[int, set[str]] = {}
    for link in links:
        if link.is_reuse:
            stems = set().union(*(derived[i].stems for i in link.derived))
            for j in link.source:
                used_by.setdefault(j, set()).update(stems)
    parts = []
    for j, stems in sorted(used_by.items()):
        for start, end in _uncovered_runs(source[j].tokens, stems):
            parts.append(LeftOut(unit=j, start=start, end=end))
    return parts


def _uncovered_runs(tokens: Sequence[Token], covered: set[str], min_words: int = 3) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    run: list[Token] = []
    for t in [*tokens, None]:
        if t is not None and (not t.content or t.stem not in covered):
            if t.content or run:
                run.append(t)
            continue
        content = [x for x in run if x.content]
        if len(content) >= min_words:
            runs.append((content[0].start, content[-1].end))
        run = []
    return runs
