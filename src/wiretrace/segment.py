"""Cutting a document into units: sentences plus the page structure around them.

A page is read as lines and paragraphs first, so that layout decides what belongs
together: a headline on its own line is never glued to the first sentence, and a
hard-wrapped paragraph is read as one flow of text. Sentences inside each block come
from nupunkt. Roles (headline, dateline, byline, list item, ...) are inferred from
layout and wording only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nupunkt

from wiretrace.document import Document, Role, Unit

_LIST_MARKER = re.compile(r"^\s*(?:[-*\u2022\u2023\u25aa\u25cf\u00b7\u2013\u2014]|\d{1,2}[.)])\s+")
_TERMINAL = re.compile(r"[.!?:;,\u2026]$")
_TRAILING_CLOSERS = "\"'\u201d\u2019)]\u00bb "
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\-]+(?:\s+[A-Z][A-Z.'\-]+){0,3})"  # CITY in capitals
    r"(?:,\s*[A-Z][A-Za-z.\-]+(?:\s+[A-Z][A-Za-z.\-]+){0,2})?"  # optional region
    rf"(?:,?\s*{_MONTH}\s+\d{{1,2}}(?:,\s*\d{{4}})?)?"  # optional date
    r"\s*(?:\([A-Za-z][A-Za-z.&\- ]{0,30}\))?"  # optional agency tag
    r"\s*(?:--|\u2014|\u2013|-|:)\s+"
)
_BYLINE = re.compile(
    r"^\(?\s*(?:by|reporting by|written by|writing by|editing by|additional reporting by|compiled by)\s+\S",
    re.IGNORECASE,
)
#: Names what produced a segmentation, for segmentations stored beside their text (the
#: monitoring index): a change to this module or to nupunkt may cut differently.
SEGMENTER_VERSION = (
    f"segment.py {hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]}, nupunkt {version('nupunkt')}"
)
_HEADLINE_MAX_WORDS = 20
_LINK_MAX_WORDS = 16
#: Longest unit in prose mode, in words.
PROSE_MAX_WORDS = 60


@dataclass(frozen=True, slots=True)
class _Block:
    """A stretch of text that layout says is one paragraph or one line."""

    start: int
    end: int
    own_line: bool  # a single line standing alone: a candidate for headline or list item


def segment(doc: Document, *, layout: bool = True) -> list[Unit]:
    """Cut ``doc.text`` into units with roles; also stores them on ``doc.units``.

    ``layout=False`` reads the text as plain prose: paragraphs are split only at blank
    lines, every unit is body text, and overlong sentences are cut into pieces of at most
    :data:`PROSE_MAX_WORDS` words. Corpora such as PAN, whose line breaks carry no meaning,
    want this.

    >>> from wiretrace.document import Document
    >>> units = segment(Document(id="d", text="Storm hits coast\\n\\nRain fell. Rivers rose."))
    >>> [(u.role.value, u.text) for u in units]
    [('headline', 'Storm hits coast'), ('body', 'Rain fell.'), ('body', 'Rivers rose.')]
    """
    spans: list[tuple[int, int, Role]] = []
    if layout:
        for block in _blocks(doc.text):
            spans.extend(_units_of_block(doc.text, block))
        roles = _assign_page_roles(doc.text, spans)
    else:
        spans = list(_prose_units(doc.text))
        roles = [Role.BODY] * len(spans)
    units = [
        Unit(index=i, start=start, end=end, role=role, text=doc.text[start:end])
        for i, ((start, end, _), role) in enumerate(zip(spans, roles, strict=True))
    ]
    doc.units = units
    doc.fact_memo.clear()  # facts kept for the old units would be read as the new ones'
    return units


def _prose_units(text: str) -> Iterator[tuple[int, int, Role]]:
    for lines in _paragraphs(text):
        start, end = lines[0][0], lines[-1][1]
        for s_start, s_end in nupunkt.sent_spans(text[start:end]):
            s, e = _strip_span(text, start + s_start, start + s_end)
            for piece_start, piece_end in _cut_long(text, s, e):
                yield piece_start, piece_end, Role.BODY


def _cut_long(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Pieces of at most PROSE_MAX_WORDS words, so that one run-on list is not one unit."""
    words = list(re.finditer(r"\S+", text[start:end]))
    if not words:
        return
    pieces = -(-len(words) // PROSE_MAX_WORDS)
    size = -(-len(words) // pieces)  # even pieces, so no tiny leftover at the end
    for k in range(0, len(words), size):
        chunk = words[k : k + size]
        yield start + chunk[0].start(), start + chunk[-1].end()


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """Offsets of every line without its line break."""
    start = 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _paragraphs(text: str) -> Iterator[list[tuple[int, int]]]:
    """Runs of non-blank lines, separated by blank lines."""
    current: list[tuple[int, int]] = []
    for start, end in _lines(text):
        if text[start:end].strip():
            current.append(_strip_span(text, start, end))
        elif current:
            yield current
            current = []
    if current:
        yield current


def _blocks(text: str) -> Iterator[_Block]:
    for lines in _paragraphs(text):
        if _is_hard_wrapped(text, lines):
            yield from _wrapped_blocks(text, lines)
        else:
            for start, end in lines:
                yield _Block(start, end, own_line=True)


def _wrapped_blocks(text: str, lines: list[tuple[int, int]]) -> Iterator[_Block]:
    """A hard-wrapped paragraph is one block, except that list items start new blocks."""
    block_start, block_end = lines[0]
    for start, end in lines[1:]:
        if _LIST_MARKER.match(text[start:end]):
            yield _Block(block_start, block_end, own_line=False)
            block_start = start
        block_end = end
    yield _Block(block_start, block_end, own_line=False)


def _is_hard_wrapped(text: str, lines: list[tuple[int, int]]) -> bool:
    """True when a paragraph's line breaks fall mid-sentence at a fixed width."""
    if len(lines) < 2:
        return False
    widths = [end - start for start, end in lines[:-1]]
    if min(widths) < 35 or max(widths) > 120 or max(widths) - min(widths) > 30:
        return False
    unfinished = sum(1 for start, end in lines[:-1] if not _ends_sentence(text[start:end]))
    return unfinished >= max(1, len(widths) // 2)


def _units_of_block(text: str, block: _Block) -> Iterator[tuple[int, int, Role]]:
    chunk = text[block.start : block.end]
    if block.own_line and _LIST_MARKER.match(chunk):
        yield block.start, block.end, Role.LIST_ITEM
        return
    if block.own_line and _BYLINE.match(chunk) and len(chunk.split()) <= 14:
        yield block.start, block.end, Role.BYLINE
        return
    offset = block.start
    dateline = _DATELINE.match(chunk)
    if dateline and len(chunk) > dateline.end() + 20:
        yield offset, offset + len(dateline.group(0).rstrip()), Role.DATELINE
        offset += dateline.end()
    for start, end in nupunkt.sent_spans(text[offset : block.end]):
        s, e = _strip_span(text, offset + start, offset + end)
        if e > s:
            role = Role.HEADLINE if block.own_line and _is_title_like(text[s:e]) else Role.BODY
            yield s, e, role


def _assign_page_roles(text: str, spans: list[tuple[int, int, Role]]) -> list[Role]:
    """Refine provisional roles using position: titles before the story, links in runs."""
    roles = [role for _, _, role in spans]
    first_body = next((i for i, role in enumerate(roles) if role is Role.BODY), len(roles))
    leading_titles = [i for i in range(first_body) if roles[i] is Role.HEADLINE]
    for i in leading_titles[:-1]:
        roles[i] = Role.SECTION_TITLE
    for i in range(first_body, len(roles)):
        if roles[i] is Role.HEADLINE:
            roles[i] = Role.SUBHEAD
    _mark_related_links(text, spans, roles)
    return roles


def _mark_related_links(text: str, spans: list[tuple[int, int, Role]], roles: list[Role]) -> None:
    """List items that read like headlines, two or more in a row, are links to other stories."""
    run: list[int] = []
    for i in [*range(len(roles)), None]:
        if i is not None and roles[i] is Role.LIST_ITEM and _is_link_like(text[spans[i][0] : spans[i][1]]):
            run.append(i)
            continue
        if len(run) >= 2:
            for j in run:
                roles[j] = Role.RELATED_LINK
        run = []


def _is_link_like(item: str) -> bool:
    words = _LIST_MARKER.sub("", item).split()
    return 0 < len(words) <= _LINK_MAX_WORDS and not _ends_sentence(item)


def _is_title_like(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= _HEADLINE_MAX_WORDS and not _ends_sentence(line)


def _ends_sentence(line: str) -> bool:
    return bool(_TERMINAL.search(line.rstrip(_TRAILING_CLOSERS)))


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
