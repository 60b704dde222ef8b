"""The standalone HTML report: two documents side by side, links highlighted on hover.

Document text only ever reaches the page through :func:`html.escape`, and the one inline
script is the report's own, allowed by hash in the page's Content-Security-Policy, so a
document that contains markup or script shows it as text and runs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from wiretrace.compare import Comparison
from wiretrace.document import Document
from wiretrace.report.labels import LABEL_COLOURS, LABEL_MEANINGS, label_css


@cache
def _asset(name: str) -> str:
    return resources.files("wiretrace.report").joinpath(name).read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """The CSP source expression that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def render_html(result: Comparison) -> str:
    """Render a comparison as a self-contained HTML page with no external assets."""
    script = _asset("report.js")
    data = json.dumps({"links": [{"a": list(link.a), "b": list(link.b)} for link in result.links]}).replace(
        "<", "\\u003c"
    )
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_hash(script)}; img-src data:"
    v = result.verdict
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{escape(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>wiretrace: {escape(result.a.id)} vs {escape(result.b.id)}</title>",
        f"<style>{_asset('report.css')}{label_css()}</style></head><body>",
        "<header>",
        f"<h1>{escape(result.a.id)} ↔ {escape(result.b.id)}</h1>",
        '<div class="verdict" id="verdict">',
        f"<span><b>derived</b>{escape(v.derived)}</span>",
        f"<span><b>original</b>{escape(result.source_name())}</span>",
        f"<span><b>containment</b>{v.containment:.0%}</span>",
        f"<span><b>coverage</b>{v.coverage:.0%}</span>",
        f"<span><b>credit</b>{escape(v.credit or 'none found')}</span>",
        "</div>",
        f'<p class="explanation">{escape(v.explanation)}</p>',
        _legend(),
        "</header>",
        '<main id="sides">',
        _column(result, "a"),
        _column(result, "b"),
        "</main>",
        _facts(result),
        f'<script type="application/json" id="wt-data">{data}</script>',
        f"<script>{script}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _legend() -> str:
    items = "".join(
        f'<span class="lab-{name}" title="{escape(LABEL_MEANINGS[name])}">{escape(name)}</span>'
        for name in LABEL_COLOURS
    )
    return f'<div class="legend" aria-label="legend">{items}</div>'


def _column(result: Comparison, side: str) -> str:
    doc: Document = getattr(result, side)
    role = (
        "original"
        if result.verdict.source == side
        else "rewrite"
        if result.verdict.source != "unknown"
        else ""
    )
    labels: dict[int, str] = {}
    marks: dict[int, list[tuple[int, int, str]]] = {}
    for link in result.links:
        for i in getattr(link, side):
            labels[i] = link.label
        for span in link.spans:
            start, end = span[side]
            unit = _unit_at(doc, start)
            if unit is not None:
                marks.setdefault(unit, []).append((start, end, "mark"))
    for part in result.left_out.get(side, []):
        marks.setdefault(int(part["unit"]), []).append((int(part["start"]), int(part["end"]), "leftout"))
    is_source = result.verdict.source == side
    units = []
    for unit in doc.units:
        label = labels.get(unit.index) or ("dropped" if is_source and unit.is_story else "added")
        body = _marked_text(doc.text, unit.start, unit.end, marks.get(unit.index, []))
        units.append(
            f'<div class="unit lab-{label} role-{unit.role.value}" id="{side}-{unit.index}" '
            f'data-label="{label}" tabindex="0"><span class="tag">{side}{unit.index} · {unit.role.value} · '
            f'<span class="lab">{label}</span></span>{body}</div>'
        )
    return (
        f'<section class="doc" id="doc-{side}"><h2>{side}: {escape(doc.id)} <small>{role}</small></h2>'
        + "".join(units)
        + "</section>"
    )


def _unit_at(doc: Document, offset: int) -> int | None:
    for unit in doc.units:
        if unit.start <= offset < unit.end:
            return unit.index
    return None


def _marked_text(text: str, start: int, end: int, ranges: list[tuple[int, int, str]]) -> str:
    """Escape a unit's text, wrapping marked ranges; overlapping ranges nest cleanly."""
    cuts = sorted({start, end, *(max(start, s) for s, _, _ in ranges), *(min(end, e) for _, e, _ in ranges)})
    out = []
    for left, right in itertools.pairwise(cuts):
        piece = escape(text[left:right])
        classes = sorted({kind for s, e, kind in ranges if s <= left and right <= e})
        for kind in classes:
            piece = f"<mark>{piece}</mark>" if kind == "mark" else f'<span class="leftout">{piece}</span>'
        out.append(piece)
    return "".join(out)


def _facts(result: Comparison) -> str:
    f = result.facts

    def cell(items: list[Any]) -> str:
        return "<ul>" + "".join(f"<li>{escape(str(x))}</li>" for x in items) + "</ul>"

    changed = [f"{c['a']} → {c['b']}" for c in f.changed]
    return (
        '<section class="facts" id="facts"><h2>Facts</h2><table><tr><th>kept</th>'
        f"<th>only in a ({escape(result.a.id)})</th><th>only in b ({escape(result.b.id)})</th>"
        f"<th>changed (a → b)</th></tr><tr><td>{cell(f.kept)}</td><td>{cell(f.only_a)}</td>"
        f"<td>{cell(f.only_b)}</td><td>{cell(changed)}</td></tr></table></section>"
    )
