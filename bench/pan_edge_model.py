"""Train the edge model of `wiretrace pan` (step 16) and measure it on held-out halves.

Usage: .venv/bin/python bench/pan_edge_model.py [--corpus ../shared/data/pan13-train]
       [--workers 2] [--write]

1. Detects every pair of the corpus with the edge model off, and steps 17 to 19 too,
   since the model sees passages before those steps.
2. For each detection that meets exactly one case (and the case only that detection),
   offers every edge move of :func:`wiretrace.pan.edges.edge_moves` and labels it by the
   truth: does it raise the detection's share of its case plus the case's share of it?
3. Splits the corpus by suspicious document (even and odd numbers), trains gradient-boosted
   trees on each half and applies them to the other half's detections, followed by steps
   17 to 19: the PlagDet printed for "held out" is what the model does on documents it
   has never seen.
4. Trains the model on both halves. With ``--write`` it replaces
   ``src/wiretrace/pan/edge_model.json``, after checking that wiretrace's own tree
   evaluation gives scikit-learn's probabilities.

scikit-learn is needed here only (``scripts/bootstrap --dev`` installs it); detection
reads the JSON. About 4 minutes on 2 cores. Record the printed table in docs/pan.md.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

from wiretrace.align import Profiles, Weights
from wiretrace.pan.corpus import read_pairs
from wiretrace.pan.detect import Passage, PassageOptions, finished_passages
from wiretrace.pan.edges import FEATURES, EdgeModel, edge_moves, with_model_edges
from wiretrace.pan.measures import Annotation, score
from wiretrace.pan.run import detect_document, pan_profiles, pan_text
from wiretrace.pan.xml import CASE, pair_file_name, read_annotations

REPO = Path(__file__).resolve().parent.parent
MODEL_PATH = REPO / "src" / "wiretrace" / "pan" / "edge_model.json"
GROUPS = (
    "01-no-plagiarism",
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
)
TREES, DEPTH, LEARNING_RATE = 200, 4, 0.05

Detections = dict[str, list[Annotation]]


@dataclass
class Corpus:
    """Where a PAN corpus's documents are, and its truth by pair file name."""

    root: Path
    truth: dict[str, tuple[str, list[Annotation]]]

    def paths(self, pair: str) -> tuple[Path, Path]:
        """The suspicious and the source document of a pair file name."""
        suspicious, source = pair.removesuffix(".xml").split("-source-")
        return self.root / "susp" / f"{suspicious}.txt", self.root / "src" / f"source-{source}.txt"

    def source_text(self, pair: str) -> str:
        return pan_text(str(self.paths(pair)[1]))

    def profiles(self, pair: str) -> tuple[Profiles, Profiles]:
        suspicious, source = self.paths(pair)
        return pan_profiles(str(suspicious)), pan_profiles(str(source))


def half_of(pair: str) -> int:
    """0 or 1: the parity of the suspicious document's number."""
    return int(pair.split("-source-")[0][-5:]) % 2


def read_truth(root: Path) -> dict[str, tuple[str, list[Annotation]]]:
    return {
        xml.name: (group, read_annotations(xml, CASE))
        for group in GROUPS
        for xml in sorted((root / group).glob("*.xml"))
    }


def _detect(job: tuple[str, str, list[str]]) -> Detections:
    root, suspicious, sources = job
    found = detect_document(
        Path(root) / "susp" / suspicious,
        [Path(root) / "src" / s for s in sources],
        passage_options=PassageOptions(
            edge_model=False, closing_punctuation=False, touching_chars=0, line_share=None
        ),
    )
    return {pair_file_name(suspicious, s): found[s] for s in sources}


def detect_all(root: Path, workers: int) -> Detections:
    pairs = sorted(read_pairs(root / "pairs", root / "src", root / "susp"), key=lambda p: p.suspicious)
    jobs = [
        (str(root), suspicious, [p.source for p in same])
        for suspicious, same in groupby(pairs, key=lambda p: p.suspicious)
    ]
    detections: Detections = {}
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for found in pool.imap_unordered(_detect, jobs, chunksize=4):
            detections.update(found)
    return detections


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _meets(d: Annotation, c: Annotation) -> bool:
    return bool(_overlap(d.this_range, c.this_range) and _overlap(d.source_range, c.source_range))


def _closeness(case: Annotation, this: tuple[int, int], source: tuple[int, int]) -> float:
    """The detection's share of its case plus the case's share of the detection."""
    shared = _overlap(this, case.this_range) + _overlap(source, case.source_range)
    case_chars = case.this_length + case.source_length
    found_chars = (this[1] - this[0]) + (source[1] - source[0])
    return shared / case_chars + shared / max(found_chars, 1)


def labelled_moves(corpus: Corpus, detections: Detections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, gain and half of every move offered to a detection that meets one case."""
    rows, gains, halves = [], [], []
    for pair, found in sorted(detections.items()):
        cases = corpus.truth[pair][1]
        for d in found:
            met = [c for c in cases if _meets(d, c)]
            if len(met) != 1 or sum(_meets(e, met[0]) for e in found) != 1:
                continue
            case = met[0]
            suspicious, source = corpus.profiles(pair)
            before = _closeness(case, d.this_range, d.source_range)
            for move in edge_moves(
                d.this_range, d.source_range, suspicious, source, Weights(suspicious, source)
            ):
                this = (move.start, move.end) if move.side == "this" else d.this_range
                other = (move.start, move.end) if move.side == "source" else d.source_range
                rows.append(move.features)
                gains.append(_closeness(case, this, other) - before)
                halves.append(half_of(pair))
    return np.array(rows, dtype=np.float64), np.array(gains), np.array(halves)


def train(rows: np.ndarray, gains: np.ndarray) -> GradientBoostingClassifier:
    """Trees that tell helpful moves from harmful ones, weighted by how much each moves."""
    model = GradientBoostingClassifier(
        n_estimators=TREES, learning_rate=LEARNING_RATE, max_depth=DEPTH, random_state=0
    )
    model.fit(rows, gains > 0, sample_weight=np.abs(gains) + 1e-3)
    return model


def exported(model: GradientBoostingClassifier, rows: np.ndarray, gains: np.ndarray) -> dict:
    """The model as wiretrace's JSON form (see :class:`wiretrace.pan.edges.EdgeModel`)."""
    weight = np.abs(gains) + 1e-3
    prior = float(weight[gains > 0].sum() / weight.sum())
    trees = []
    for (estimator,) in model.estimators_:
        tree = estimator.tree_
        trees.append(
            {
                "feature": tree.feature.tolist(),
                "threshold": tree.threshold.tolist(),
                "left": tree.children_left.tolist(),
                "right": tree.children_right.tolist(),
                "value": tree.value[:, 0, 0].tolist(),
            }
        )
    return {
        "features": list(FEATURES),
        "learning_rate": LEARNING_RATE,
        "init": math.log(prior / (1 - prior)),
        "trees": trees,
        "trained_on": "pan13-train, every detection meeting exactly one case (bench/pan_edge_model.py)",
    }


def moved(corpus: Corpus, detections: Detections, models: dict[int, EdgeModel]) -> Detections:
    """Every detection with the edges the model of the other half favours, then steps 17 to 19."""
    options = PassageOptions()
    result: Detections = {}
    for pair, found in detections.items():
        suspicious, source = corpus.profiles(pair)
        passages = [Passage(*d.this_range, *d.source_range, links=0, best=0.0, mean=0.0) for d in found]
        after = with_model_edges(
            passages, suspicious, source, Weights(suspicious, source), models[1 - half_of(pair)]
        )
        after = finished_passages(after, suspicious, source, options, corpus.source_text(pair))
        suspicious_path, source_path = corpus.paths(pair)
        result[pair] = [
            Annotation(
                suspicious_path.name,
                p.this_start,
                p.this_end - p.this_start,
                source_path.name,
                p.source_start,
                p.source_end - p.source_start,
            )
            for p in after
        ]
    return result


def plagdet_by_group(corpus: Corpus, detections: Detections, pairs: Sequence[str]) -> dict[str, float]:
    figures = {}
    everything_cases, everything_found = [], []
    for group in GROUPS[1:]:
        names = [n for n in pairs if corpus.truth[n][0] == group]
        cases = [c for n in names for c in corpus.truth[n][1]]
        found = [d for n in names for d in detections.get(n, [])]
        figures[group] = score(cases, found).plagdet
        everything_cases += cases
        everything_found += found
    everything_found += [d for n in pairs if corpus.truth[n][0] == GROUPS[0] for d in detections.get(n, [])]
    figures["overall"] = score(everything_cases, everything_found).plagdet
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "pan13-train")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true", help=f"replace {MODEL_PATH.relative_to(REPO)}")
    args = parser.parse_args(argv)
    if not (args.corpus / "pairs").is_file():
        print(f"no PAN corpus at {args.corpus}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    corpus = Corpus(args.corpus, read_truth(args.corpus))
    detections = detect_all(args.corpus, args.workers)
    rows, gains, halves = labelled_moves(corpus, detections)
    print(f"{len(detections)} pairs, {len(rows)} moves, {(gains > 0).sum()} helpful", flush=True)
    fitted = {h: train(rows[halves == h], gains[halves == h]) for h in (0, 1)}
    models = {
        h: EdgeModel.from_dict(exported(m, rows[halves == h], gains[halves == h])) for h, m in fitted.items()
    }
    after = moved(corpus, detections, models)
    print("| half | edges | " + " | ".join(g[3:] for g in GROUPS[1:]) + " | overall |")
    print("|---|---|" + "---|" * len(GROUPS))
    for h, name in ((0, "even"), (1, "odd")):
        pairs = [n for n in detections if half_of(n) == h]
        for label, found in (("steps 1 to 15", detections), ("16 held out, 17 to 19", after)):
            figures = plagdet_by_group(corpus, found, pairs)
            print(f"| {name} | {label} | " + " | ".join(f"{v:.4f}" for v in figures.values()) + " |")
    for label, found in (("steps 1 to 15", detections), ("16 held out, 17 to 19", after)):
        figures = plagdet_by_group(corpus, found, list(detections))
        print(f"| both | {label} | " + " | ".join(f"{v:.4f}" for v in figures.values()) + " |")
    final = train(rows, gains)
    as_json = exported(final, rows, gains)
    ours = EdgeModel.from_dict(as_json).probabilities(rows)
    theirs = final.predict_proba(rows)[:, 1]
    print(f"largest difference from scikit-learn's probabilities: {np.abs(ours - theirs).max():.2e}")
    if np.abs(ours - theirs).max() > 1e-6:
        print("the exported trees do not reproduce the model; nothing written", file=sys.stderr)
        return 1
    if args.write:
        MODEL_PATH.write_text(json.dumps(as_json, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_PATH.relative_to(REPO)}")
    print(f"{time.perf_counter() - started:.1f} s on {platform.processor() or platform.machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
