"""Passages of reuse between a suspicious and a source document, from unit links.

The compare engine links units (sentences) of the suspicious document to units of the
source. PAN wants passages: character ranges on both sides. Links that lie close
together on both sides are grouped into one passage, groups that belong to one case are
joined, and passages too small to be trusted are dropped.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice, takewhile

import numpy as np

from wiretrace.align import (
    AlignOptions,
    Profile,
    Profiles,
    SharedSpan,
    UnitLinks,
    Weights,
    as_profiles,
    link_units,
    relink,
    shared_spans,
)
from wiretrace.document import Unit
from wiretrace.embed import Encoder
from wiretrace.pan.edges import packaged_model, with_model_edges
from wiretrace.pan.windows import WindowBar, window_matches
from wiretrace.tokens import Token


@dataclass(frozen=True, slots=True)
class PassageOptions:
    """How unit links become passages."""

    #: Links at most this many units apart on both sides belong to the same passage.
    max_gap: int = 4
    #: Links scoring this much start passages; weaker ones only join a passage beside them ...
    seed_score: float = 0.3
    #: ... at most this many units away on both sides.
    attach_gap: int = 2
    #: A passage needs this many linked units on each side ...
    min_links: int = 2
    #: ... and at least this many characters on the suspicious side.
    min_chars: int = 150
    #: A passage of one link needs this many characters and this score.
    single_min_chars: int = 200
    single_min_score: float = 0.6
    #: Summaries: links at most this many units apart in the suspicious text, ...
    summary_gap: int = 2
    #: ... drawing on at least this many source units, ...
    summary_min_sources: int = 3
    #: ... and spanning this many times more source units than suspicious units.
    summary_ratio: float = 2.0
    #: Links scoring this much on average are copies; a summary is rewritten.
    copy_score: float = 0.8
    #: Edge links scoring this much are copies, cut to the words they share.
    trim_score: float = 0.95
    #: A summary whose sources span this share of the source stands for all of it.
    summary_whole: float = 0.3
    #: A link at either end of a passage must score this share of the passage's median link.
    edge_ratio: float = 0.4
    #: In a pair holding a copy (a passage whose links average this much) ...
    copy_mean: float = 0.95
    #: ... passages whose links average less than this share of the copy's are chance overlap.
    beside_copy_ratio: float = 0.5
    #: A passage whose words lie this much in shared runs is a copy, cut to those runs ...
    copy_share: float = 0.65
    #: ... of at least this many words.
    copy_run_words: int = 5
    #: A passage too small or too weakly linked to keep is kept all the same when its two
    #: stretches, read as bags of words, share this many distinct content stems, ...
    bag_shared: int = 8
    #: ... which make up this much of the suspicious stretch's stem weight ...
    bag_coverage: float = 0.5
    #: ... and this much of the source stretch's, ...
    bag_reverse: float = 0.2
    #: ... over at least this many characters; ...
    bag_min_chars: int = 100
    #: ... failing that, the stretches are tried again this many units wider on each side.
    bag_widen: int = 1
    #: Such a passage this close to another on both sides is part of it.
    bag_join_chars: int = 300
    #: A passage of firm links must hold this share of its source stretch's stem weight:
    #: links that reach over much more of the source than the passage's words account
    #: for are stray, or two pages on one subject.
    firm_reverse: float = 0.2
    #: A passage drawing on a source stretch that a passage whose links average this much
    #: already draws on is dropped, unless the two stand side by side (``bag_join_chars``) ...
    reused_source_score: float = 0.6
    #: ... when the firm passage holds this share of its source stretch: passages that
    #: overshoot their cases often touch at the edges without reusing the same text.
    reused_overlap: float = 0.4
    #: In a passage, a link under this score to a source unit that another unit copies
    #: (a link of ``trim_score`` or more) is an echo of the copy, not part of it.
    echo_score: float = 0.6
    #: No summary when one source stretch this many times as long as the suspicious
    #: stretch holds this share of the weight of the words it shares with the source.
    summary_window: float = 1.5
    summary_local: float = 0.85
    #: A would-be summary lying this much inside a passage of more than twice its links is
    #: that passage with a stray link, not a summary: rewrites of reference lists and
    #: tables link short lines far across the source.
    summary_inside: float = 0.8
    #: In a pair with more than one passage, a passage whose links average under this ...
    weak_mean: float = 0.6
    #: ... and whose suspicious stretch holds less than this share of its source stretch's
    #: stem weight is topical overlap beside the pair's reuse.
    weak_reverse: float = 0.3
    #: In a pair without a verbatim copy, a link covering this share of its sentence's
    #: stem weight ...
    vector_min_coverage: float = 0.3
    #: ... scores this blend of the sentence vectors' cosine (above what each sentence
    #: shares with the rest of the other text) and that coverage, when that is higher.
    #: Vectors come from the static model distilled from ``AlignOptions.model``
    #: (:mod:`wiretrace.static`); 0 leaves links lexical.
    vector_weight: float = 0.5
    #: Across the pairs of one suspicious document (:func:`best_sources`): where passages
    #: against different sources cover this share of the shorter suspicious stretch, only
    #: the better linked is kept. Above 1, every pair keeps its passages.
    rival_overlap: float = 0.8
    #: A rewritten passage whose edge holds this many more content words that its other side
    #: lacks than it has shared ones, each shared word counting as ``edge_shared_worth``
    #: unshared ones, is cut to the next shared word: a passage spans whole sentences, and
    #: a case may start or stop inside one. 0 leaves the edges as the links set them.
    edge_unshared_words: int = 5
    edge_shared_worth: float = 2.5
    #: ... and grown over the next sentence's words on each side while at least this share
    #: of them (and 2 or more) are words of the other side's stretch, one sentence wider.
    edge_shared_share: float = 0.75
    #: Stretches that no passage covers are searched with windows of content words
    #: (step 15, :mod:`wiretrace.pan.windows`), in pairs without a copy. None
    #: turns this off.
    windows: WindowBar | None = field(default_factory=WindowBar)
    #: Last, each passage's edges move a sentence at a time where the trained model of
    #: :mod:`wiretrace.pan.edges` gives a move a probability over ``edge_model_bar``, up
    #: to ``edge_model_rounds`` moves per edge (step 16). False turns this off.
    edge_model: bool = True
    edge_model_bar: float = 0.5
    edge_model_rounds: int = 3
    #: A passage ending at a sentence's last word keeps the closing punctuation after it
    #: (step 17): the period, question mark or quote is part of what was reused.
    closing_punctuation: bool = True
    #: Passages at most this many characters apart on both sides once every step is done
    #: are one reuse cut in two (step 18): random obfuscation shuffles words across the
    #: sentence where the pieces meet. 0 leaves them apart.
    touching_chars: int = 100
    #: A passage's source side loses whole lines at either end whose content stems are at
    #: most this share found in its suspicious stretch (step 19), when the source text is
    #: given: a web page's lines are its paragraphs, headings and list items, and reuse
    #: starts and stops at them, where sentences read across a heading do not. None turns
    #: this off.
    line_share: float | None = 0.2
    #: A pair where no step up to 15 found a passage gets the one window pair that best
    #: passes this looser bar (the end of step 15): a scrambled rewrite may keep too few of
    #: its words for ``windows``, the bar every stretch of every pair must pass, while one
    #: stretch per pair at this bar is seldom chance. It then goes through steps 16 to 19
    #: like any passage. None turns this off.
    lone_window: WindowBar | None = field(
        default_factory=lambda: WindowBar(shared=6, coverage=0.4, reverse=0.15, shared_weight=25.0)
    )


@dataclass(frozen=True, slots=True)
class Passage:
    """A detected passage: character ranges in the suspicious and the source document."""

    this_start: int
    this_end: int
    source_start: int
    source_end: int
    #: Linked units on the side with fewer of them.
    links: int
    #: The score of the strongest link.
    best: float
    #: The mean score of its links.
    mean: float


#: Alignment settings for PAN: a lower lexical bar than news pairs, because passages are
#: judged as groups of links; unit pairs sharing one word are not scored at all.
PAN_ALIGN = AlignOptions(semantic=False, lexical_threshold=0.25, min_shared_words=2)


def detect_passages(
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    align_options: AlignOptions = PAN_ALIGN,
    options: PassageOptions | None = None,
    encoder: Encoder | None = None,
    weights: Weights | None = None,
    source_text: str | None = None,
) -> list[Passage]:
    """Align the units of two profiled documents and group the links into passages.

    ``weights`` are the stem weights over the units of both, when the caller has them.
    ``source_text``, the source document's text, lets the last step cut each passage's
    source side at line breaks (``PassageOptions.line_share``).
    Links are lexical first. When no passage holds a verbatim link, sentence vectors
    (``PassageOptions.vector_weight``) raise loose links and the passages are found again:
    paraphrase and translation keep a sentence's meaning where they change its words.
    Then each rewritten passage's edges move from sentence ends to where the words its
    two sides share start and stop (``PassageOptions.edge_unshared_words``). Last, in a
    pair without a copy, the stretches no passage covers are searched with windows of
    content words (``PassageOptions.windows``); a pair still without a passage gets its
    best window at a looser bar (``PassageOptions.lone_window``). A trained model moves
    each passage's edges a sentence at a time where it judges that closer to the reuse
    (``PassageOptions.edge_model``); each end then keeps the closing punctuation after it
    (``PassageOptions.closing_punctuation``), passages that touch on both sides are
    joined (``PassageOptions.touching_chars``), and, given the source text, source sides
    lose the lines at their ends that the suspicious side hardly shares
    (``PassageOptions.line_share``).
    """
    options = options or PassageOptions()
    suspicious, source = as_profiles(suspicious), as_profiles(source)
    weights = weights or Weights(suspicious, source)
    linked = link_units(suspicious, source, align_options, encoder, weights)
    passages = _passages_from_links(linked, suspicious, source, weights, options)
    if options.vector_weight and linked.scored and not _holds_verbatim(passages, options):
        linked = _with_sentence_vectors(linked, suspicious, source, weights, align_options, options)
        found = _passages_from_links(linked, suspicious, source, weights, options)
        # A link the vectors raise past the single-link bar is judged by its length alone, so a
        # short passage the word bags had found can drop out; passages of the lexical links that
        # no passage covers now are kept.
        found += [p for p in passages if not any(_overlaps(p, q) for q in found)]
        passages = sorted(found, key=lambda p: (p.this_start, p.source_start))
    passages = _with_edges_at_shared_words(passages, suspicious, source, options)
    passages = _with_word_windows(passages, suspicious, source, weights, options)
    if not passages and options.lone_window is not None:
        passages = best_window(suspicious, source, weights, options.lone_window)
    if options.edge_model and passages:
        passages = with_model_edges(
            passages,
            suspicious,
            source,
            weights,
            packaged_model(),
            options.edge_model_bar,
            options.edge_model_rounds,
        )
    return finished_passages(passages, suspicious, source, options, source_text)


def finished_passages(
    passages: list[Passage],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    options: PassageOptions,
    source_text: str | None = None,
) -> list[Passage]:
    """Steps 17 to 19, after the edges are set: closing punctuation, touching passages
    joined and, given the source text, source lines the suspicious side hardly shares cut
    off, each as ``options`` asks."""
    if options.closing_punctuation:
        passages = [with_closing_punctuation(p, suspicious, source) for p in passages]
    if options.touching_chars:
        passages = touching_joined(passages, options.touching_chars)
    if options.line_share is not None and source_text is not None:
        passages = [
            with_source_lines_trimmed(p, source_text, suspicious, source, options.line_share)
            for p in passages
        ]
    return passages


def with_source_lines_trimmed(
    p: Passage, source_text: str, suspicious: Sequence[Profile], source: Sequence[Profile], share: float
) -> Passage:
    """``p`` without the lines at either end of its source side that its suspicious side
    hardly shares (step 19).

    A line whose content stems are no more than ``share`` found in the suspicious stretch
    is dropped, from each end inward; the passage keeps one line at least.
    """
    lines = _lines_between(source_text, p.source_start, p.source_end)
    if len(lines) < 2:
        return p
    other = {t.stem for t in _content_words(suspicious, p.this_start, p.this_end)}

    def shared(line: tuple[int, int]) -> bool:
        stems = {t.stem for t in _content_words(source, *line)}
        return bool(stems) and len(stems & other) > share * len(stems)

    first, last = 0, len(lines) - 1
    while first < last and not shared(lines[first]):
        first += 1
    while last > first and not shared(lines[last]):
        last -= 1
    return replace(
        p, source_start=max(p.source_start, lines[first][0]), source_end=min(p.source_end, lines[last][1])
    )


def _lines_between(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The non-blank lines of ``text[start:end]``, as offsets, cut at ``start`` and ``end``."""
    lines = []
    while start < end:
        newline = text.find("\n", start, end)
        stop = end if newline < 0 else newline
        if text[start:stop].strip():
            lines.append((start, stop))
        start = stop + 1
    return lines


def best_window(
    suspicious: Sequence[Profile], source: Sequence[Profile], weights: Weights, bar: WindowBar
) -> list[Passage]:
    """The window match passing ``bar`` that covers most of its suspicious stretch (end of step 15).

    One passage at most, or none when no window pair passes ``bar``.
    """
    matches = window_matches(suspicious, source, weights, bar)
    if not matches:
        return []
    m = max(matches, key=lambda m: (m.coverage, -m.this_start))
    return [
        Passage(
            m.this_start, m.this_end, m.source_start, m.source_end, links=1, best=m.coverage, mean=m.coverage
        )
    ]


def touching_joined(passages: Sequence[Passage], gap: int) -> list[Passage]:
    """``passages`` with those at most ``gap`` characters apart on both sides joined (step 18).

    The source sides may touch in either order: a rewrite may swap two sentences.
    """
    joined: list[Passage] = []
    for p in sorted(passages, key=lambda p: (p.this_start, p.source_start)):
        if joined and _near(joined[-1], p, gap):
            joined[-1] = _joined(joined[-1], p)
        else:
            joined.append(p)
    return joined


#: What may close a sentence after its last word.
_CLOSING = frozenset(".!?;:)]\"'’”")


def with_closing_punctuation(p: Passage, suspicious: Sequence[Profile], source: Sequence[Profile]) -> Passage:
    """``p`` with each side's end moved over the closing punctuation right after it (step 17)."""
    return replace(
        p, this_end=_past_closing(suspicious, p.this_end), source_end=_past_closing(source, p.source_end)
    )


def _past_closing(profiles: Sequence[Profile], end: int) -> int:
    """``end`` moved over the closing punctuation that follows it in its unit."""
    at = bisect_right(profiles, end - 1, key=lambda p: p.unit.start) - 1
    if at < 0:
        return end
    unit = profiles[at].unit
    while end < unit.end and unit.text[end - unit.start] in _CLOSING:
        end += 1
    return end


def _holds_verbatim(passages: Sequence[Passage], options: PassageOptions) -> bool:
    # A pair holding a verbatim link is reused one way (step 10): vectors would only find
    # the copy's subject again elsewhere.
    return any(p.best >= options.copy_mean for p in passages)


def _with_word_windows(
    passages: list[Passage],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    options: PassageOptions,
) -> list[Passage]:
    """Add the stretches outside every passage whose windows of content words share most
    of their rare stems (step 15, :mod:`wiretrace.pan.windows`).

    A random rewrite can scramble its words so far that no sentence pair links, while the
    words themselves are still there.
    """
    if options.windows is None or any(p.mean >= options.copy_mean for p in passages):
        return passages  # beside a copy, windows would find its subject's words again
    covered = [(p.this_start, p.this_end) for p in passages]
    found = [
        Passage(
            m.this_start, m.this_end, m.source_start, m.source_end, links=1, best=m.coverage, mean=m.coverage
        )
        for m in window_matches(suspicious, source, weights, options.windows, covered)
    ]
    if not found:
        return passages
    joined = _with_bag_passages(passages, found, options.bag_join_chars)
    return sorted(joined, key=lambda p: (p.this_start, p.source_start))


def _with_edges_at_shared_words(
    passages: list[Passage], suspicious: Sequence[Profile], source: Sequence[Profile], options: PassageOptions
) -> list[Passage]:
    """Move each rewritten passage's edges to where the words its two sides share start and
    stop (step 14).

    Passages span whole sentences, but a rewrite may take a source sentence from its middle
    and sit in a sentence of the suspicious text that starts with words of its own; and the
    sentence just outside a passage may hold the rest of the reuse, with links too weak to
    be trusted. Inside a rewrite, random edits and translation leave most content words
    shared; outside it, few are. Copies (links averaging ``copy_mean``) were cut to their
    copied runs already and are left as they are; a passage holding a verbatim link is cut
    but not grown, its copied words having set its edges; and the source side of a summary
    (a source stretch over ``summary_ratio`` times longer) stands for all it condenses.
    """
    if not options.edge_unshared_words:
        return passages
    return [_edges_at_shared_words(p, suspicious, source, options) for p in passages]


def _edges_at_shared_words(
    p: Passage, suspicious: Sequence[Profile], source: Sequence[Profile], options: PassageOptions
) -> Passage:
    if p.mean >= options.copy_mean:
        return p  # a copy, cut to its copied runs (step 6)
    p = _cut_to_shared_words(p, suspicious, source, options)
    if p.best >= options.copy_mean or _summarises(p, options):
        return p  # a verbatim link's copied words set the edges (step 5)
    return _grown_over_shared_words(p, suspicious, source, options)


def _summarises(p: Passage, options: PassageOptions) -> bool:
    return p.source_end - p.source_start > options.summary_ratio * (p.this_end - p.this_start)


def _cut_to_shared_words(
    p: Passage, suspicious: Sequence[Profile], source: Sequence[Profile], options: PassageOptions
) -> Passage:
    this = _content_words(suspicious, p.this_start, p.this_end)
    other = _content_words(source, p.source_start, p.source_end)
    this_start, this_end = _shared_bounds(this, {t.stem for t in other}, options)
    source_start, source_end = None, None
    if not _summarises(p, options):
        source_start, source_end = _shared_bounds(other, {t.stem for t in this}, options)
    return replace(
        p,
        this_start=p.this_start if this_start is None else this_start,
        this_end=p.this_end if this_end is None else this_end,
        source_start=p.source_start if source_start is None else source_start,
        source_end=p.source_end if source_end is None else source_end,
    )


def _grown_over_shared_words(
    p: Passage, suspicious: Sequence[Profile], source: Sequence[Profile], options: PassageOptions
) -> Passage:
    this_wide = _one_unit_wider(suspicious, p.this_start, p.this_end)
    source_wide = _one_unit_wider(source, p.source_start, p.source_end)
    this_stems = {t.stem for t in _content_words(suspicious, *this_wide)}
    source_stems = {t.stem for t in _content_words(source, *source_wide)}
    share = options.edge_shared_share
    return replace(
        p,
        this_start=_shared_reach(suspicious, p.this_start, this_wide[0], source_stems, share),
        this_end=_shared_reach(suspicious, p.this_end, this_wide[1], source_stems, share),
        source_start=_shared_reach(source, p.source_start, source_wide[0], this_stems, share),
        source_end=_shared_reach(source, p.source_end, source_wide[1], this_stems, share),
    )


def _one_unit_wider(profiles: Sequence[Profile], start: int, end: int) -> tuple[int, int]:
    """The range of the units a stretch touches, with one more unit on each side."""
    first = max(0, bisect_right(profiles, start, key=lambda p: p.unit.end) - 1)
    last = min(len(profiles) - 1, bisect_left(profiles, end, key=lambda p: p.unit.start))
    return min(start, profiles[first].unit.start), max(end, profiles[last].unit.end)


def _shared_reach(profiles: Sequence[Profile], edge: int, limit: int, shared: set[str], share: float) -> int:
    """How far from ``edge`` towards ``limit`` the content words stay at least ``share``
    shared (2 or more of them), ending on a shared word; ``edge`` when they do not."""
    forward = limit >= edge
    words = _words_after(profiles, edge) if forward else _words_before(profiles, edge)
    within = takewhile(lambda t: t.end <= limit if forward else t.start >= limit, words)
    reach, hits = edge, 0
    for seen, t in enumerate((t for t in within if t.content), start=1):
        if t.stem in shared:
            hits += 1
            if hits >= 2 and hits >= share * seen:
                reach = t.end if forward else t.start
    return reach


def _content_words(profiles: Sequence[Profile], start: int, end: int) -> list[Token]:
    return list(takewhile(lambda t: t.end <= end, (t for t in _words_after(profiles, start) if t.content)))


def _shared_bounds(
    words: list[Token], shared: set[str], options: PassageOptions
) -> tuple[int | None, int | None]:
    """Where a stretch's words start and end once the edges its other side lacks are cut;
    None leaves an edge as it is."""
    flags = [t.stem in shared for t in words]
    first = _past_unshared_edge(flags, options)
    last = _past_unshared_edge(flags[::-1], options)
    if first is not None and last is not None and first > len(words) - 1 - last:
        return None, None
    return (
        None if first is None else words[first].start,
        None if last is None else words[len(words) - 1 - last].end,
    )


def _past_unshared_edge(flags: list[bool], options: PassageOptions) -> int | None:
    """The first shared word after the edge stretch that is most unshared, if it is unshared
    enough to cut.

    An edge stretch scores its unshared words less ``edge_shared_worth`` for each shared
    one: a few words of the subject do not keep a sentence's opening words of its own in
    the passage. The stretch of the highest score is cut when it reaches
    ``edge_unshared_words``.
    """
    score, highest, cut = 0.0, float(options.edge_unshared_words), None
    for k, is_shared in enumerate(flags):
        score += -options.edge_shared_worth if is_shared else 1.0
        if score >= highest:
            highest, cut = score, k + 1
    if cut is None:
        return None
    return next((k for k in range(cut, len(flags)) if flags[k]), None)


def best_sources(by_source: Mapping[str, Sequence[Passage]], share: float = 0.8) -> dict[str, list[Passage]]:
    """Give each stretch of a suspicious document to the source that explains it best.

    ``by_source`` holds one suspicious document's passages, pair by pair, keyed by source.
    A passage is dropped where a passage against another source covers ``share`` of the
    shorter of their two suspicious stretches and has more linked units (or as many, with
    a higher mean score). Each pair alone cannot tell a rewrite of its source from the same
    subject, or a shared footer, met in another source; the sources side by side can.
    Passages that tie are all kept.

    >>> strong = Passage(0, 400, 0, 400, links=4, best=0.9, mean=0.7)
    >>> weak = Passage(50, 400, 900, 1200, links=2, best=0.6, mean=0.5)
    >>> kept = best_sources({"a.txt": [strong], "b.txt": [weak]})
    >>> kept["a.txt"] == [strong], kept["b.txt"]
    (True, [])
    """
    rivals = [(name, p) for name, passages in by_source.items() for p in passages]

    def outdone(name: str, p: Passage) -> bool:
        return any(
            other != name and _same_stretch(p, q, share) and (q.links, q.mean) > (p.links, p.mean)
            for other, q in rivals
        )

    return {name: [p for p in passages if not outdone(name, p)] for name, passages in by_source.items()}


def _same_stretch(p: Passage, q: Passage, share: float) -> bool:
    shorter = min(p.this_end - p.this_start, q.this_end - q.this_start)
    overlap = min(p.this_end, q.this_end) - max(p.this_start, q.this_start)
    return overlap > share * shorter


def _passages_from_links(
    linked: UnitLinks,
    suspicious: Profiles,
    source: Profiles,
    weights: Weights,
    options: PassageOptions,
) -> list[Passage]:
    all_seeds = _seeds(linked)
    seeds = [seed for seed in all_seeds if linked.scored[seed].score >= options.seed_score]
    weak = [seed for seed in all_seeds if linked.scored[seed].score < options.seed_score]
    d_units = [p.unit for p in suspicious]
    s_units = [p.unit for p in source]
    grown = _attach_weak(_cluster(seeds, options.max_gap), weak, options.attach_gap)
    in_groups = {seed for g in grown for seed in g}
    groups = [
        (_trim_edges(_without_echoes(g, linked, options), linked, options.edge_ratio), True) for g in grown
    ]
    # A weak link on its own can stand only on the evidence of its stretches' words.
    groups += [([seed], False) for seed in weak if seed not in in_groups]
    passages, by_bag = [], []
    for g, linked_firmly in groups:
        p = _bounded_passage(g, suspicious, source, d_units, s_units, linked, options)
        if (
            linked_firmly
            and _kept(p, options)
            and _source_share(g, suspicious, source, weights) >= options.firm_reverse
        ):
            passages.append(p)
        elif (found := _bag_passage(p, g, suspicious, source, weights, options)) is not None:
            by_bag.append(found)
    passages = _one_reuse_per_source_stretch(passages, options)
    summaries = _summaries(seeds, suspicious, source, linked, weights, options)
    summaries = [s for s in summaries if not any(_inside(s, p, options.summary_inside) for p in passages)]
    displaced = [p for p in passages if any(_overlaps(p, s) for s in summaries)]
    passages = [p for p in passages if p not in displaced] + summaries
    passages = _with_bag_passages(passages, by_bag, options.bag_join_chars)
    passages = _without_chance_beside_copy(passages, options, summaries, displaced)
    passages = _without_loose_beside_others(passages, suspicious, source, weights, options)
    return sorted(passages, key=lambda p: (p.this_start, p.source_start))


def _with_sentence_vectors(
    linked: UnitLinks,
    suspicious: Profiles,
    source: Profiles,
    weights: Weights,
    align_options: AlignOptions,
    options: PassageOptions,
) -> UnitLinks:
    """Links rescored with static sentence vectors, and the units linked again.

    Pages on one subject have similar mean vectors, so a raw cosine is mostly topic. Each
    cosine is taken above its background, the larger of the median cosines that its two
    sentences have with the other text, and rescaled to what is left above it.
    """
    cosines = _cosines(suspicious, source, align_options.model)
    rows, columns = np.median(cosines, axis=1), np.median(cosines, axis=0)
    scored = dict(linked.scored)
    for (i, j), ev in linked.scored.items():
        if ev.coverage < options.vector_min_coverage:
            continue
        background = max(rows[i], columns[j])
        above = max(0.0, float(cosines[i, j] - background) / max(1e-6, 1.0 - background))
        score = options.vector_weight * above + (1 - options.vector_weight) * float(ev.coverage)
        if score > ev.score:
            scored[i, j] = ev._replace(score=score)
    return relink(suspicious, source, scored, weights, align_options)


def _cosines(suspicious: Profiles, source: Profiles, model: str) -> np.ndarray:
    this, other = _static_vectors(suspicious, model), _static_vectors(source, model)
    return np.asarray(this @ other.T, dtype=np.float32)


def _static_vectors(profiles: Profiles, model: str) -> np.ndarray:
    # Kept with the document's profiles: corpus engines align a document in many pairs,
    # and tokenizing its sentences again for each would cost more than the alignment.
    known = profiles.static_vectors
    if model not in known:
        from wiretrace.static import get_static_model

        known[model] = get_static_model(model).encode([p.unit.text for p in profiles])
    return known[model]


def _bounded_passage(
    group: list[tuple[int, int]],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    d_units: Sequence[Unit],
    s_units: Sequence[Unit],
    linked: UnitLinks,
    options: PassageOptions,
) -> Passage:
    """The passage a group of links spans, its ends moved to where the reuse starts and stops."""
    p = _passage(group, d_units, s_units, linked)
    p = _trim_to_copied(p, group, suspicious, source, linked, options)
    p = _snap_to_copy(p, group, suspicious, source, options)
    p = _refine_edges(p, group, suspicious, source)
    return _extend_copy(p, suspicious, source, options.copy_run_words)


def _with_bag_passages(passages: list[Passage], by_bag: list[Passage], join_chars: int) -> list[Passage]:
    """Add the passages found by their words alone, joining those beside a firm passage to it.

    A rewritten passage is often linked firmly in some sentences and only loosely in the
    next; one case reported as two pieces costs granularity.
    """
    passages = list(passages)
    for extra in sorted(by_bag, key=lambda p: p.this_start):
        if any(_overlaps(extra, p) for p in passages):
            continue
        near = [k for k, p in enumerate(passages) if _near(extra, p, join_chars)]
        if near:
            passages[near[0]] = _joined(passages[near[0]], extra)
        elif not any(_source_overlaps(extra, p) for p in passages):
            # A source stretch already reused elsewhere is no evidence of a looser second reuse.
            passages.append(extra)
    return passages


def _one_reuse_per_source_stretch(passages: list[Passage], options: PassageOptions) -> list[Passage]:
    """Keep one passage per source stretch: the best linked, with any passage right beside it.

    A rewrite draws on a stretch of its source once. When a second, weaker passage far
    away in the suspicious text draws on the same stretch, its links are the source's
    words met again by chance (the copy's topic, a repeated phrase), not a second reuse.
    """
    kept: list[Passage] = []
    for p in sorted(passages, key=lambda p: -p.mean):
        firm = [
            k
            for k, q in enumerate(kept)
            if q.mean >= options.reused_source_score and _source_reused(p, q, options.reused_overlap)
        ]
        if not firm:
            kept.append(p)
        elif _near(p, kept[firm[0]], options.bag_join_chars):
            kept[firm[0]] = _joined(kept[firm[0]], p)
    return kept


def _without_loose_beside_others(
    passages: list[Passage],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    options: PassageOptions,
) -> list[Passage]:
    """Drop loosely linked passages that explain little of their source stretch, beside others.

    Translation chains and random edits leave true passages whose links are loose, but
    their words still make up a good share of the source stretch they rewrite. A loose
    passage whose words account for little of its source stretch, in a pair where other
    passages are found, is two texts on one subject meeting again (a stray summary over
    the whole source, a paragraph on the same theme), not another reuse. A pair's only
    passage is left to the filter: there is nothing beside it to prefer.
    """
    if len(passages) < 2:
        return passages
    return [
        p
        for p in passages
        if p.mean >= options.weak_mean
        or _stretch_share(p, suspicious, source, weights) >= options.weak_reverse
    ]


def _stretch_share(
    p: Passage, suspicious: Sequence[Profile], source: Sequence[Profile], weights: Weights
) -> float:
    """The share of the stem weight of the units under the passage's source range that the
    units under its suspicious range hold too."""
    this = [u for u in suspicious if u.unit.end > p.this_start and u.unit.start < p.this_end]
    other = [u for u in source if u.unit.end > p.source_start and u.unit.start < p.source_end]
    return _shared_stems(this, other, weights)[2]


def _source_reused(p: Passage, firm: Passage, share: float) -> bool:
    """Whether more than ``share`` of the source stretch of ``p`` lies in that of ``firm``."""
    overlap = min(p.source_end, firm.source_end) - max(p.source_start, firm.source_start)
    return overlap > share * (p.source_end - p.source_start)


def _inside(summary: Passage, p: Passage, share: float) -> bool:
    """Whether ``share`` of the suspicious stretch of ``summary`` lies in that of ``p``, a
    passage of more than twice its links."""
    overlap = min(summary.this_end, p.this_end) - max(summary.this_start, p.this_start)
    return overlap >= share * (summary.this_end - summary.this_start) and p.links > 2 * summary.links


def _source_overlaps(a: Passage, b: Passage) -> bool:
    return a.source_start < b.source_end and b.source_start < a.source_end


def _near(a: Passage, b: Passage, gap: int) -> bool:
    """Whether two passages are at most ``gap`` characters apart on both sides."""
    this_gap = max(a.this_start, b.this_start) - min(a.this_end, b.this_end)
    source_gap = max(a.source_start, b.source_start) - min(a.source_end, b.source_end)
    return this_gap <= gap and source_gap <= gap


def _joined(a: Passage, b: Passage) -> Passage:
    return replace(
        a,
        this_start=min(a.this_start, b.this_start),
        this_end=max(a.this_end, b.this_end),
        source_start=min(a.source_start, b.source_start),
        source_end=max(a.source_end, b.source_end),
        links=a.links + b.links,
        best=max(a.best, b.best),
    )


def _without_chance_beside_copy(
    passages: list[Passage],
    options: PassageOptions,
    summaries: Sequence[Passage] = (),
    displaced: Sequence[Passage] = (),
) -> list[Passage]:
    """Drop weak passages, and any summary, from a pair whose strongest passage is a copy.

    A pair of documents is reused one way: when one passage is copied word for word,
    other passages of loosely related sentences are topical overlap (two pages on the
    same subject), not another rewrite, and links reaching all over the source beside a
    copy are its subject's words, not a summary. The passages in ``displaced``, which the
    summaries had replaced, come back when the summaries go.
    """
    strongest = max((p.mean for p in passages if p not in summaries), default=0.0)
    if strongest < options.copy_mean:
        return passages
    kept = [p for p in passages if p not in summaries]
    if len(kept) < len(passages):
        kept += displaced  # the passages a dropped summary had taken the place of
    return [p for p in kept if p.mean >= options.beside_copy_ratio * strongest]


def _summaries(
    seeds: list[tuple[int, int]],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    linked: UnitLinks,
    weights: Weights,
    options: PassageOptions,
) -> list[Passage]:
    """Compact stretches of the suspicious text that draw on sources spread far apart.

    A summary condenses a whole story into a few sentences, so its links reach over many
    more source sentences than it has itself. Such a stretch is one passage, and
    when its sources span most of the source document, the source side is all of it: a
    summary stands for the whole text it condenses.
    """
    d_units = [p.unit for p in suspicious]
    s_units = [p.unit for p in source]
    found = []
    source_length = s_units[-1].end if s_units else 0
    for group in _cluster_one_side(seeds, options.summary_gap):
        d_idx = {i for i, _ in group}
        s_idx = {j for _, j in group}
        if len(d_idx) < options.min_links or len(s_idx) < options.summary_min_sources:
            continue
        if _mostly_one_copy(group, linked, options):
            continue
        compression = (max(s_idx) - min(s_idx) + 1) / (max(d_idx) - min(d_idx) + 1)
        if compression < options.summary_ratio:
            continue  # about one source sentence per sentence: a copy or a rewrite, not a summary
        p = _passage(group, d_units, s_units, linked)
        if _one_source_stretch_explains(p, suspicious, source, weights, options):
            continue  # a rewrite of one stretch, with stray links elsewhere
        source_len = p.source_end - p.source_start
        if source_length and source_len >= options.summary_whole * source_length:
            p = replace(p, source_start=s_units[0].start, source_end=source_length)
        found.append(p)
    return found


def _one_source_stretch_explains(
    p: Passage,
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    options: PassageOptions,
) -> bool:
    """Whether one short stretch of the source holds nearly all the words the stretch shares with it.

    A summary draws on its whole source, so no stretch about as long as the summary
    explains most of it. A rewrite of one passage links stray sentences all over the
    source too, on the subject's common words, but its own source stretch explains it.
    """
    d_stems = frozenset().union(
        *(u.stems for u in suspicious if u.unit.end > p.this_start and u.unit.start < p.this_end)
    )
    whole = weights.total(d_stems & frozenset().union(*(u.stems for u in source)))
    if whole <= 0:
        return False
    longest = options.summary_window * (p.this_end - p.this_start)
    best = 0.0
    for first in range(len(source)):
        stems: set[str] = set()
        for unit in source[first:]:
            if stems and unit.unit.end - source[first].unit.start > longest:
                break
            stems |= unit.stems
        best = max(best, weights.total(d_stems & stems))
    return best >= options.summary_local * whole


def _mostly_one_copy(group: list[tuple[int, int]], linked: UnitLinks, options: PassageOptions) -> bool:
    """True when most of the links are copied text, plus stray links.

    Either one close group of near-copies holds most links, or runs of consecutive
    sentences copied in order do: two copied blocks side by side in the suspicious text,
    taken from far apart in the source, reach over it as a summary does. A summary that
    lifts sentences picks them one by one, not three or more in a row.
    """
    largest = max(_cluster(group, options.max_gap), key=len)
    if len(largest) > len(group) / 2:
        return _mean_score(largest, linked) >= options.copy_score
    copied_runs = [
        run
        for run in _diagonal_runs(group)
        if len(run) >= _COPIED_RUN_LINKS and _mean_score(run, linked) >= options.copy_score
    ]
    return sum(map(len, copied_runs)) > len(group) / 2


#: Consecutive sentences copied in order that make a copied block rather than a quote.
_COPIED_RUN_LINKS = 3


def _mean_score(links: list[tuple[int, int]], linked: UnitLinks) -> float:
    return sum(linked.scored[seed].score for seed in links) / len(links)


def _diagonal_runs(group: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Runs of links whose next link is the next unit on both sides."""
    runs: list[list[tuple[int, int]]] = []
    for seed in sorted(group):
        if runs and seed == (runs[-1][-1][0] + 1, runs[-1][-1][1] + 1):
            runs[-1].append(seed)
        else:
            runs.append([seed])
    return runs


def _cluster_one_side(seeds: list[tuple[int, int]], max_gap: int) -> list[list[tuple[int, int]]]:
    """Runs of seeds at most ``max_gap`` units apart in the suspicious document."""
    runs: list[list[tuple[int, int]]] = []
    for seed in sorted(seeds):
        if runs and seed[0] - runs[-1][-1][0] <= max_gap:
            runs[-1].append(seed)
        else:
            runs.append([seed])
    return runs


def _overlaps(p: Passage, summary: Passage) -> bool:
    return p.this_start < summary.this_end and summary.this_start < p.this_end


def _attach_weak(
    groups: list[list[tuple[int, int]]], weak: list[tuple[int, int]], max_gap: int
) -> list[list[tuple[int, int]]]:
    """Add weak links that sit right beside a group of strong ones.

    Inside a rewritten passage some sentences keep few of their words; alone they prove
    nothing, but next to firm links on both sides they are part of the same passage.
    """
    if not weak or max_gap <= 0:
        return groups
    grown = [list(g) for g in groups]
    for i, j in weak:
        for g in grown:
            if any(abs(i - a) <= max_gap and abs(j - b) <= max_gap for a, b in g):
                g.append((i, j))
                break
    return grown


def _seeds(linked: UnitLinks) -> list[tuple[int, int]]:
    return sorted((i, j) for i, js in linked.groups.items() for j in js)


def _cluster(seeds: list[tuple[int, int]], max_gap: int) -> list[list[tuple[int, int]]]:
    """Connected groups of seeds, where neighbours are within ``max_gap`` units on both sides."""
    parent = list(range(len(seeds)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, (i, j) in enumerate(seeds):
        for b in range(a + 1, len(seeds)):
            i2, j2 = seeds[b]
            if i2 - i > max_gap:
                break
            if abs(j2 - j) <= max_gap:
                parent[find(b)] = find(a)
    groups: dict[int, list[tuple[int, int]]] = {}
    for k, seed in enumerate(seeds):
        groups.setdefault(find(k), []).append(seed)
    return list(groups.values())


def _without_echoes(
    group: list[tuple[int, int]], linked: UnitLinks, options: PassageOptions
) -> list[tuple[int, int]]:
    """Drop weak links to source units that another unit of the group copies word for word.

    The sentence after a copy often shares a few words with the copied source sentence
    and links to it loosely, stretching the passage past where the copy ends.
    """
    copied_by: dict[int, int] = {}
    for i, j in sorted(group, key=lambda seed: -linked.scored[seed].score):
        if linked.scored[i, j].score >= options.trim_score:
            copied_by.setdefault(j, i)
    return [
        (i, j)
        for i, j in group
        if copied_by.get(j, i) == i or linked.scored[i, j].score >= options.echo_score
    ]


def _trim_edges(group: list[tuple[int, int]], linked: UnitLinks, edge_ratio: float) -> list[tuple[int, int]]:
    """Drop links at the ends that are much weaker than the passage's typical link.

    The sentences next to a copied passage often share a few words with the sentences next
    to its source by chance; inside a verbatim copy such a link stands out as weak.
    """
    group = sorted(group)
    scores = sorted(linked.scored[seed].score for seed in group)
    floor = edge_ratio * scores[len(scores) // 2]
    while len(group) > 2 and linked.scored[group[0]].score < floor:
        group.pop(0)
    while len(group) > 2 and linked.scored[group[-1]].score < floor:
        group.pop()
    return group


def _passage(
    group: list[tuple[int, int]], d_units: Sequence[Unit], s_units: Sequence[Unit], linked: UnitLinks
) -> Passage:
    ds = [d_units[i] for i, _ in group]
    ss = [s_units[j] for _, j in group]
    return Passage(
        this_start=min(u.start for u in ds),
        this_end=max(u.end for u in ds),
        source_start=min(u.start for u in ss),
        source_end=max(u.end for u in ss),
        links=min(len({i for i, _ in group}), len({j for _, j in group})),
        best=max(_link_score(seed, linked) for seed in group),
        mean=_mean_score(group, linked),
    )


def _link_score(seed: tuple[int, int], linked: UnitLinks) -> float:
    """A link's score, or, for a sentence merged from several sources, what they explain together."""
    return max(linked.scored[seed].score, linked.joint.get(seed[0], 0.0))


def _trim_to_copied(
    p: Passage,
    group: list[tuple[int, int]],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    linked: UnitLinks,
    options: PassageOptions,
) -> Passage:
    """Where an edge sentence is copied, cut the passage to the words actually shared.

    A copy may begin or end inside a sentence on either side; the rest of that sentence
    is not part of it. Rewritten edge sentences are left whole, since their shared words
    say little about where the rewrite starts.
    """
    d_first, d_last, s_first, s_last = _unit_bounds(group)

    def spans_at(i: int | None, j: int | None) -> list[SharedSpan]:
        pairs = [(a, b) for a, b in group if (i is None or a == i) and (j is None or b == j)]
        copied = [(a, b) for a, b in pairs if linked.scored[a, b].score >= options.trim_score]
        return [s for a, b in copied for s in shared_spans(source[b].tokens, suspicious[a].tokens)]

    this_start, this_end, source_start, source_end = p.this_start, p.this_end, p.source_start, p.source_end
    if spans := spans_at(d_first, None):
        this_start = max(this_start, min(s.derived_start for s in spans))
    if spans := spans_at(d_last, None):
        this_end = min(this_end, max(s.derived_end for s in spans))
    if spans := spans_at(None, s_first):
        source_start = max(source_start, min(s.source_start for s in spans))
    if spans := spans_at(None, s_last):
        source_end = min(source_end, max(s.source_end for s in spans))
    if this_end <= this_start or source_end <= source_start:
        return p
    return replace(
        p, this_start=this_start, this_end=this_end, source_start=source_start, source_end=source_end
    )


def _snap_to_copy(
    p: Passage,
    group: list[tuple[int, int]],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    options: PassageOptions,
) -> Passage:
    """Cut a copied passage to the first and last word of its shared word runs.

    Sentence boundaries of a copy often differ on the two sides (a list in the source run
    together into one sentence in the copy, or a copy that starts mid-sentence), so links
    between whole sentences overshoot. When most of the passage's words lie in long runs
    found on both sides, those runs mark where the copy really starts and ends.
    """
    d_first, d_last, s_first, s_last = _unit_bounds(group)
    d_tokens = [t for u in suspicious[d_first : d_last + 1] for t in u.tokens]
    s_tokens = [t for u in source[s_first : s_last + 1] for t in u.tokens]
    if not d_tokens or not s_tokens:
        return p
    starts = [t.start for t in d_tokens]

    def words_in(run: SharedSpan) -> int:
        return bisect_left(starts, run.derived_end) - bisect_left(starts, run.derived_start)

    # Runs never overlap on a side, so their word counts add up.
    runs = [
        r
        for r in shared_spans(s_tokens, d_tokens, options.copy_run_words)
        if words_in(r) >= options.copy_run_words
    ]
    if not runs or sum(map(words_in, runs)) < options.copy_share * len(d_tokens):
        return p
    return replace(
        p,
        this_start=min(r.derived_start for r in runs),
        this_end=max(r.derived_end for r in runs),
        source_start=min(r.source_start for r in runs),
        source_end=max(r.source_end for r in runs),
    )


def _refine_edges(
    p: Passage, group: list[tuple[int, int]], suspicious: Sequence[Profile], source: Sequence[Profile]
) -> Passage:
    """Grow a passage over copied words in the sentences just outside it.

    A copy need not start at a sentence boundary: the closing words of the sentence before
    it (or the opening words of the one after) may be copied too. A run of at least three
    identical words at the adjacent ends of the outside sentences on both sides decides.
    """
    d_first, d_last, s_first, s_last = _unit_bounds(group)
    this_start, source_start = p.this_start, p.source_start
    this_end, source_end = p.this_end, p.source_end
    if d_first > 0 and s_first > 0:
        run = _common_run(suspicious[d_first - 1].tokens[::-1], source[s_first - 1].tokens[::-1])
        if run:
            this_start, source_start = run[0].start, run[1].start
    if d_last + 1 < len(suspicious) and s_last + 1 < len(source):
        run = _common_run(suspicious[d_last + 1].tokens, source[s_last + 1].tokens)
        if run:
            this_end, source_end = run[0].end, run[1].end
    return replace(
        p, this_start=this_start, this_end=this_end, source_start=source_start, source_end=source_end
    )


def _extend_copy(
    p: Passage, suspicious: Sequence[Profile], source: Sequence[Profile], min_words: int
) -> Passage:
    """Carry a passage that ends (or starts) in copied words on while both texts read the same.

    Sentences are cut differently on the two sides of a copy, and a sentence repeated in
    the source can be linked to the wrong place, so the links may stop short of where the
    copy really ends; the words themselves say where it does.
    """
    this_end, source_end = _carry_on(suspicious, source, p.this_end, p.source_end, min_words, forward=True)
    this_start, source_start = _carry_on(
        suspicious, source, p.this_start, p.source_start, min_words, forward=False
    )
    return replace(
        p, this_start=this_start, this_end=this_end, source_start=source_start, source_end=source_end
    )


def _carry_on(
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    this_at: int,
    source_at: int,
    min_words: int,
    *,
    forward: bool,
) -> tuple[int, int]:
    """Where the same words stop on both sides past a passage edge, if its edge words are the same."""
    inward, outward = (_words_before, _words_after) if forward else (_words_after, _words_before)
    edge = zip(
        islice(inward(suspicious, this_at), min_words),
        islice(inward(source, source_at), min_words),
        strict=False,
    )
    matched = [a.norm == b.norm for a, b in edge]
    if len(matched) < min_words or not all(matched):
        return this_at, source_at
    for a, b in zip(outward(suspicious, this_at), outward(source, source_at), strict=False):
        if a.norm != b.norm:
            break
        this_at, source_at = (a.end, b.end) if forward else (a.start, b.start)
    return this_at, source_at


def _words_after(profiles: Sequence[Profile], position: int) -> Iterator[Token]:
    """The tokens that start at or after ``position``, in order."""
    first = bisect_right(profiles, position, key=lambda p: p.unit.end)
    for profile in profiles[first:]:
        yield from (t for t in profile.tokens if t.start >= position)


def _words_before(profiles: Sequence[Profile], position: int) -> Iterator[Token]:
    """The tokens that end at or before ``position``, nearest first."""
    last = bisect_left(profiles, position, key=lambda p: p.unit.start)
    for profile in reversed(profiles[:last]):
        yield from (t for t in reversed(profile.tokens) if t.end <= position)


def _unit_bounds(group: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """First and last linked unit on the suspicious side, then on the source side."""
    d = [i for i, _ in group]
    s = [j for _, j in group]
    return min(d), max(d), min(s), max(s)


def _common_run(a: Sequence[Token], b: Sequence[Token], min_words: int = 3) -> tuple[Token, Token] | None:
    """The last tokens of the longest shared run at the head of ``a`` and ``b``, if long enough."""
    n = 0
    while n < len(a) and n < len(b) and a[n].norm == b[n].norm:
        n += 1
    return (a[n - 1], b[n - 1]) if n >= min_words else None


def _bag_passage(
    p: Passage,
    group: list[tuple[int, int]],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    options: PassageOptions,
) -> Passage | None:
    """The passage, widened by up to ``bag_widen`` units, if its stretches share enough words.

    Random obfuscation deletes, swaps and shuffles words across sentence boundaries, so a
    rewritten passage may keep too few words in order, sentence by sentence, to be linked
    firmly; read as bags of stems, the two stretches still share most of their rare words.
    Two pages on one subject share a few stems, not a stretch's worth.
    """
    if p.links < 2 and p.best >= options.single_min_score:
        return None  # a single firm link is judged by its length alone (see _kept)
    d_first, d_last, s_first, s_last = _unit_bounds(group)
    for widen in range(options.bag_widen + 1):
        d0, d1 = max(0, d_first - widen), min(len(suspicious) - 1, d_last + widen)
        s0, s1 = max(0, s_first - widen), min(len(source) - 1, s_last + widen)
        if widen:
            p = replace(
                p,
                this_start=min(p.this_start, suspicious[d0].unit.start),
                this_end=max(p.this_end, suspicious[d1].unit.end),
                source_start=min(p.source_start, source[s0].unit.start),
                source_end=max(p.source_end, source[s1].unit.end),
            )
        if p.this_end - p.this_start < options.bag_min_chars:
            continue
        if _bags_agree(suspicious[d0 : d1 + 1], source[s0 : s1 + 1], weights, options):
            return p
    return None


def _bags_agree(
    this: Sequence[Profile], other: Sequence[Profile], weights: Weights, options: PassageOptions
) -> bool:
    shared, coverage, reverse = _shared_stems(this, other, weights)
    return (
        shared >= options.bag_shared and coverage >= options.bag_coverage and reverse >= options.bag_reverse
    )


def _source_share(
    group: list[tuple[int, int]], suspicious: Sequence[Profile], source: Sequence[Profile], weights: Weights
) -> float:
    """The share of the source stretch's stem weight that the suspicious stretch holds too."""
    d_first, d_last, s_first, s_last = _unit_bounds(group)
    return _shared_stems(suspicious[d_first : d_last + 1], source[s_first : s_last + 1], weights)[2]


def _shared_stems(
    this: Sequence[Profile], other: Sequence[Profile], weights: Weights
) -> tuple[int, float, float]:
    """Distinct stems two stretches share, and their weight's share of each stretch's weight."""
    this_stems = frozenset().union(*(u.stems for u in this))
    other_stems = frozenset().union(*(u.stems for u in other))
    shared = this_stems & other_stems
    shared_weight = weights.total(shared)
    return (
        len(shared),
        shared_weight / max(weights.total(this_stems), 1e-9),
        shared_weight / max(weights.total(other_stems), 1e-9),
    )


def _kept(p: Passage, options: PassageOptions) -> bool:
    chars = p.this_end - p.this_start
    if p.links >= options.min_links:
        return chars >= options.min_chars
    return chars >= options.single_min_chars and p.best >= options.single_min_score
