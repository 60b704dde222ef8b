"""One colour per label, shared by the terminal and HTML reports."""

from __future__ import annotations

LABEL_COLOURS: dict[str, str] = {
    "verbatim": "#1b7f3b",
    "near-verbatim": "#4caf50",
    "paraphrase": "#1e88e5",
    "merge": "#8e24aa",
    "split": "#00897b",
    "headline": "#f57c00",
    "template": "#9e9e9e",
    "dropped": "#c62828",
    "added": "#6d4c41",
}

LABEL_MEANINGS: dict[str, str] = {
    "verbatim": "copied word for word",
    "near-verbatim": "copied with light edits",
    "paraphrase": "same content, reworded",
    "merge": "several source sentences in one",
    "split": "one source sentence spread over several",
    "headline": "headline drawn from the story",
    "template": "stock phrasing, conflicting facts: not reuse",
    "dropped": "source text the rewrite left out",
    "added": "not from the other text",
}


def label_css() -> str:
    """CSS that gives each label's class its colour: ``.lab-verbatim{--c:#1b7f3b}``."""
    return "".join(f".lab-{name}{{--c:{colour}}}" for name, colour in LABEL_COLOURS.items())
