"""Reuse families: connected groups of related documents, their originals, and who took from whom.

Edges come only from pairs that the compare engine judged to be reuse, never from shared
boilerplate alone, so a family cannot chain unrelated stories through a stock phrase.

Direction: each related pair says which side is the original (dates first, else the
content evidence of :func:`~wiretrace.judge.decide_direction`). Within a family the
directions are made consistent: edges are added most-certain first (dated, then by how
lopsided the containment is), and an edge that would close a cycle is reversed or, if
that closes one too, left undirected.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wiretrace.scan.pairs import PairResult


@dataclass(slots=True)
class Family:
    """A connected group of documents that reuse one another's text."""

    family: str
    members: list[str]
    originals: list[str]
    edges: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``families.jsonl`` record."""
        return {
            "family": self.family,
            "members": self.members,
            "originals": self.originals,
            "edges": self.edges,
        }


def build_families(
    pairs: Iterable[PairResult], dates: Mapping[str, str | None] | None = None
) -> list[Family]:
    """Group related pairs into families, largest first.

    >>> p = PairResult("wire", "paper", related=True, source="wire", target="paper",
    ...                verdict={"containment": 0.9}, direction_reason="")
    >>> [f.to_dict() for f in build_families([p])]  # doctest: +ELLIPSIS
    [{'family': 'f-...', 'members': ['paper', 'wire'], 'originals': ['wire'], 'edges': [{'source': 'wire', ...}]}]
    """
    related = [p for p in pairs if p.related]
    groups = _connected(related)
    by_member = {m: i for i, members in enumerate(groups) for m in members}
    edges_of: dict[int, list[PairResult]] = defaultdict(list)
    for pair in related:
        edges_of[by_member[pair.a]].append(pair)
    families = [_family(sorted(members), edges_of[i], dates or {}) for i, members in enumerate(groups)]
    return sorted(families, key=lambda f: (-len(f.members), f.members[0]))


def _connected(pairs: list[PairResult]) -> list[set[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, set[str]] = defaultdict(set)
    for member in list(parent):
        groups[find(member)].add(member)
    return list(groups.values())


def _family(members: list[str], pairs: list[PairResult], dates: Mapping[str, str | None]) -> Family:
    downstream: dict[str, set[str]] = defaultdict(set)
    edges = []
    for pair in sorted(pairs, key=_certainty):
        source, target = _oriented(pair)
        direction = "known" if pair.source else "unknown"
        if _reaches(downstream, target, source):
            source, target = target, source
            direction = "unknown"
            if _reaches(downstream, target, source):
                edges.append(_edge(pair, source, target, "unknown"))
                continue
        downstream[source].add(target)
        edges.append(_edge(pair, source, target, direction))
    receiving = {e["target"] for e in edges if e["direction"] == "known"}
    giving = {e["source"] for e in edges if e["direction"] == "known"}
    originals = sorted(giving - receiving)
    if not originals:
        originals = _earliest(members, dates)
    digest = hashlib.sha1("\n".join(members).encode()).hexdigest()[:12]
    return Family(family=f"f-{digest}", members=members, originals=originals, edges=edges)


def _certainty(pair: PairResult) -> tuple[int, float, str, str]:
    dated = "dates" in pair.direction_reason
    lopsided = float(pair.verdict.get("containment", 0.0)) if pair.source else 0.0
    return (0 if dated else 1 if pair.source else 2, -lopsided, pair.a, pair.b)


def _oriented(pair: PairResult) -> tuple[str, str]:
    if pair.source and pair.target:
        return pair.source, pair.target
    return (pair.a, pair.b) if pair.a < pair.b else (pair.b, pair.a)


def _reaches(downstream: Mapping[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for nxt in downstream.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _edge(pair: PairResult, source: str, target: str, direction: str) -> dict[str, Any]:
    return {
        "source": source,
        "target": target,
        "direction": direction,
        "derived": pair.verdict.get("derived"),
        "containment": pair.verdict.get("containment"),
    }


def _earliest(members: list[str], dates: Mapping[str, str | None]) -> list[str]:
    dated = sorted((d, m) for m in members if (d := dates.get(m)))
    return [dated[0][1]] if dated else []
