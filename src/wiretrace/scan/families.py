"""Reuse families: groups of documents that share one story, their originals, and who took from whom.

Edges come only from pairs that the compare engine judged to be reuse, never from shared
boilerplate alone. Connected groups of related documents are families as they are, up to
a size; a larger group is split into communities (Louvain modularity, weighted by the
number of linked sentences). Wire services repeat background paragraphs across many
different stories, and each repeat is a real but partial relation; followed transitively,
such relations join hundreds of unrelated stories into one component. Communities keep
the densely linked stories apart. A relation between two families stays in the pairs
output and is an edge of neither.

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
    related = sorted((p for p in pairs if p.related), key=lambda p: (p.a, p.b))
    groups = _groups(related)
    by_member = {m: i for i, members in enumerate(groups) for m in members}
    edges_of: dict[int, list[PairResult]] = defaultdict(list)
    for pair in related:
        if by_member[pair.a] == by_member[pair.b]:
            edges_of[by_member[pair.a]].append(pair)
    families = [_family(sorted(members), edges_of[i], dates or {}) for i, members in enumerate(groups)]
    return sorted(families, key=lambda f: (-len(f.members), f.members[0]))


#: Connected groups up to this many documents are families as they are; larger ones are
#: split into communities. Chosen on the benchmark corpus: at 30, 97.5 % of the true PAN
#: pairs found stay inside one family and the largest Reuters family has 48 documents;
#: at 120, 97.7 % and 113 (docs/benchmarks.md).
WHOLE_FAMILY_LIMIT = 30


def _groups(related: list[PairResult]) -> list[set[str]]:
    """Connected groups of related documents, the large ones split into communities.

    Nodes are numbered in sorted order and Louvain is seeded: networkx iterates over sets
    of nodes, and integers, unlike strings, hash the same in every process, so every
    engine and every run gets the same families from the same pairs.
    """
    import networkx as nx

    names = sorted({doc for pair in related for doc in (pair.a, pair.b)})
    number = {name: i for i, name in enumerate(names)}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(names)))
    for pair in related:
        graph.add_edge(number[pair.a], number[pair.b], weight=max(1, len(pair.links)))
    groups: list[set[str]] = []
    for component in sorted(nx.connected_components(graph), key=min):
        if len(component) <= WHOLE_FAMILY_LIMIT:
            groups.append({names[i] for i in component})
            continue
        communities = nx.community.louvain_communities(graph.subgraph(component), weight="weight", seed=0)
        groups.extend({names[i] for i in c} for c in sorted(communities, key=min))
    return groups


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
