"""Passage edges moved by a trained model, one sentence at a time (step 16 of ``wiretrace pan``).

After the rules of steps 5, 6 and 14, a rewritten passage's edges are still often a
sentence off: random edits and translation leave the sentence just outside a passage
linked too weakly to join, and a stray link can pull in a neighbour that only shares the
subject's words. Each rule looks at one sign at a time; a small gradient-boosted model
weighs them together. For each edge of a passage, on each side, it is offered four moves
(drop the first or last sentence, take the one before or after) and scores each from
plain features: how much of the sentence's IDF weight the other side holds, how much of
it no other sentence of the passage explains, how the two sides' lengths compare before
and after, and so on (:data:`FEATURES`). A move is made when the model gives it a
probability over ``bar``; at most one move per edge per round.

The model is a JSON file of decision trees (``edge_model.json``), trained offline on
pan13-train by ``bench/pan_edge_model.py`` from the truth of where cases start and stop.
Nothing reads truth at detection time. The script also reports the model's effect on each
half of the corpus when trained on the other half, which is the honest estimate.

>>> model = EdgeModel.from_dict({"features": ["x"], "learning_rate": 1.0, "init": 0.0,
...     "trees": [{"feature": [0, -1, -1], "threshold": [0.5, 0.0, 0.0],
...                "left": [1, -1, -1], "right": [2, -1, -1], "value": [0.0, -2.0, 2.0]}]})
>>> model.probabilities(np.array([[0.2], [0.9]])).round(3).tolist()
[0.119, 0.881]
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np

from wiretrace.align import Profile, Weights

#: The moves offered at each edge: drop the first or last sentence of a side's stretch, or
#: take the sentence before or after it.
MOVES = ("trim_first", "trim_last", "extend_before", "extend_after")

#: What the model reads about one move, in this order. "side" is the side being moved,
#: "other" the passage's other side, "unit" the sentence the move drops or takes, "rest"
#: the side's other sentences in the passage. Shares are of IDF weight.
FEATURES = (
    "move",
    "side_is_source",
    "unit_weight",
    "unit_share_in_other",
    "unit_share_in_other_only",
    "unit_stems_in_other",
    "unit_stems_in_other_only",
    "unit_words",
    "unit_chars",
    "length_ratio",
    "length_ratio_after",
    "other_unexplained",
    "side_units",
    "other_units",
    "unit_chars_outside",
    "side_chars",
    "other_chars",
    "unit_best_share_inside_other",
    "unit_best_share_beside_other",
    "unit_share_in_rest",
    "other_unexplained_after",
    "unit_ends_sentence",
    "unit_line_breaks",
)


class Ranged(Protocol):
    """A passage as this module reads it (:class:`~wiretrace.pan.detect.Passage` is one)."""

    this_start: int
    this_end: int
    source_start: int
    source_end: int


P = TypeVar("P", bound=Ranged)


class EdgeMove(NamedTuple):
    """One possible move of a passage's edge: its side, which edge, and the range after it."""

    side: str  # "this" (suspicious) or "source"
    edge: str  # "start" or "end"
    start: int
    end: int
    features: tuple[float, ...]


@dataclass(frozen=True)
class EdgeModel:
    """Gradient-boosted decision trees, as plain arrays (one row per tree, padded).

    A node whose ``left`` is -1 is a leaf. The probability of a move is the logistic of
    ``init + learning_rate * sum(leaf values)``, as scikit-learn's gradient boosting
    computes it for two classes.
    """

    features: tuple[str, ...]
    learning_rate: float
    init: float
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EdgeModel:
        """A model from its JSON form: ``features``, ``learning_rate``, ``init`` and ``trees``."""
        trees = data["trees"]
        width = max(len(t["left"]) for t in trees)

        def padded(key: str, fill: float, dtype: type) -> np.ndarray:
            return np.array([t[key] + [fill] * (width - len(t[key])) for t in trees], dtype=dtype)

        return cls(
            features=tuple(data["features"]),
            learning_rate=float(data["learning_rate"]),
            init=float(data["init"]),
            feature=np.maximum(padded("feature", 0, np.int64), 0),
            threshold=padded("threshold", 0.0, np.float64),
            left=padded("left", -1, np.int64),
            right=padded("right", -1, np.int64),
            value=padded("value", 0.0, np.float64),
        )

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """The probability that each row's move brings the passage closer to its case."""
        rows = np.asarray(rows, dtype=np.float64)
        trees = np.arange(len(self.left))[None, :]
        node = np.zeros((len(rows), len(self.left)), dtype=np.int64)
        while True:
            inner = self.left[trees, node] >= 0
            if not inner.any():
                break
            goes_left = (
                rows[np.arange(len(rows))[:, None], self.feature[trees, node]] <= self.threshold[trees, node]
            )
            step = np.where(goes_left, self.left[trees, node], self.right[trees, node])
            node = np.where(inner, step, node)
        raw = self.init + self.learning_rate * self.value[trees, node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))


@functools.lru_cache(maxsize=1)
def packaged_model() -> EdgeModel:
    """The model shipped with wiretrace (``wiretrace/pan/edge_model.json``)."""
    text = resources.files("wiretrace.pan").joinpath("edge_model.json").read_text(encoding="utf-8")
    model = EdgeModel.from_dict(json.loads(text))
    if model.features != FEATURES:
        raise ValueError("edge_model.json was trained on other features; run bench/pan_edge_model.py")
    return model


def edge_moves(
    this_range: tuple[int, int],
    source_range: tuple[int, int],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
) -> list[EdgeMove]:
    """Every move offered to a passage's four edges, with the features the model reads."""
    moves = []
    for side, units, other_units, own, other in (
        ("source", source, suspicious, source_range, this_range),
        ("this", suspicious, source, this_range, source_range),
    ):
        inside = _units_in(units, own)
        other_inside = _units_in(other_units, other)
        if inside and other_inside:
            moves += _side_moves(side, units, other_units, inside, other_inside, own, other, weights)
    return moves


def _units_in(units: Sequence[Profile], span: tuple[int, int]) -> list[int]:
    return [k for k, p in enumerate(units) if p.unit.end > span[0] and p.unit.start < span[1]]


def _side_moves(
    side: str,
    units: Sequence[Profile],
    other_units: Sequence[Profile],
    inside: list[int],
    other_inside: list[int],
    own: tuple[int, int],
    other: tuple[int, int],
    weights: Weights,
) -> list[EdgeMove]:
    other_stems = frozenset().union(*(other_units[k].stems for k in other_inside))
    beside_other = [
        k
        for k in (other_inside[0] - 2, other_inside[0] - 1, other_inside[-1] + 1, other_inside[-1] + 2)
        if 0 <= k < len(other_units)
    ]
    other_weight = weights.total(other_stems) or 1e-9
    offered: list[tuple[str, int, tuple[int, int], list[int]]] = []
    if len(inside) >= 2:
        offered.append(("trim_first", inside[0], (units[inside[1]].unit.start, own[1]), inside[1:]))
        offered.append(("trim_last", inside[-1], (own[0], units[inside[-2]].unit.end), inside[:-1]))
    if inside[0] > 0:
        k = inside[0] - 1
        offered.append(("extend_before", k, (units[k].unit.start, own[1]), inside))
    if inside[-1] + 1 < len(units):
        k = inside[-1] + 1
        offered.append(("extend_after", k, (own[0], units[k].unit.end), inside))
    own_chars, other_chars = own[1] - own[0], max(other[1] - other[0], 1)
    moves = []
    for move, k, after, rest in offered:
        unit = units[k]
        stems = unit.stems
        rest_stems = frozenset().union(*(units[j].stems for j in rest))
        unit_weight = weights.total(stems) or 1e-9
        in_other = stems & other_stems
        only_here = in_other - rest_stems
        if move == "trim_first":
            outside = own[0] - unit.unit.start
        elif move == "trim_last":
            outside = unit.unit.end - own[1]
        else:
            outside = 0
        features = (
            MOVES.index(move),
            side == "source",
            unit_weight,
            weights.total(in_other) / unit_weight,
            weights.total(only_here) / unit_weight,
            len(in_other),
            len(only_here),
            len(unit.words),
            unit.unit.end - unit.unit.start,
            own_chars / other_chars,
            (after[1] - after[0]) / other_chars,
            weights.total(other_stems - rest_stems) / other_weight,
            len(inside),
            len(other_inside),
            outside,
            own_chars,
            other_chars,
            max(weights.total(stems & other_units[j].stems) / unit_weight for j in other_inside),
            max(
                (weights.total(stems & other_units[j].stems) / unit_weight for j in beside_other), default=0.0
            ),
            weights.total(stems & rest_stems) / unit_weight,
            weights.total(other_stems - rest_stems - stems) / other_weight,
            unit.unit.text.rstrip()[-1:] in ".!?\"'",
            unit.unit.text.count("\n"),
        )
        edge = "start" if move in ("trim_first", "extend_before") else "end"
        moves.append(EdgeMove(side, edge, after[0], after[1], tuple(float(f) for f in features)))
    return moves


def with_model_edges(
    passages: Sequence[P],
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    model: EdgeModel,
    bar: float = 0.5,
    rounds: int = 3,
) -> list[P]:
    """Each passage with the moves the model favours, up to ``rounds`` per edge.

    ``passages`` hold ``this_start``, ``this_end``, ``source_start`` and ``source_end``
    (:class:`~wiretrace.pan.detect.Passage`, a dataclass). A passage never grows into another one's
    suspicious stretch, and a move that would empty a side is not made.
    """
    moved = list(passages)
    for i in range(len(moved)):
        for _ in range(rounds):
            after = _moved_once(moved[i], suspicious, source, weights, model, bar)
            if after is None or any(_overlaps_this(after, q) for j, q in enumerate(moved) if j != i):
                break
            moved[i] = after
    return moved


def _moved_once(
    p: P,
    suspicious: Sequence[Profile],
    source: Sequence[Profile],
    weights: Weights,
    model: EdgeModel,
    bar: float,
) -> P | None:
    moves = edge_moves(
        (p.this_start, p.this_end), (p.source_start, p.source_end), suspicious, source, weights
    )
    if not moves:
        return None
    chances = model.probabilities(np.array([m.features for m in moves]))
    best: dict[tuple[str, str], tuple[float, EdgeMove]] = {}
    for move, chance in zip(moves, chances.tolist(), strict=True):
        key = (move.side, move.edge)
        if chance > bar and chance > best.get(key, (0.0, move))[0]:
            best[key] = (chance, move)
    if not best:
        return None
    edges = {
        "this_start": p.this_start,
        "this_end": p.this_end,
        "source_start": p.source_start,
        "source_end": p.source_end,
    }
    for (side, edge), (_, move) in best.items():
        edges[f"{side}_{edge}"] = move.start if edge == "start" else move.end
    if edges["this_end"] <= edges["this_start"] or edges["source_end"] <= edges["source_start"]:
        return None
    return replace(p, **edges)  # type: ignore[type-var]  # passages are dataclasses


def _overlaps_this(a: Ranged, b: Ranged) -> bool:
    return min(a.this_end, b.this_end) > max(a.this_start, b.this_start)
