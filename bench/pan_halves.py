"""Do `wiretrace pan`'s settings generalise? Each is tuned on one half of the corpus and
scored on the other.

Usage: .venv/bin/python bench/pan_halves.py [--corpus ../shared/data/pan13-train]
       [--params seed_score,min_chars] [--workers 2]

The corpus is split by suspicious document: even numbers in one half, odd in the other,
so every source that a suspicious document is weighed against stays in its half. Each
setting in SWEEP moves one `PassageOptions` field below and above its default; the whole
corpus is detected once per setting and PlagDet is taken on each half. A setting fitted to
this corpus would win on the half it was chosen on and lose on the other. The full sweep
runs the detector 19 times (about 20 minutes on 2 cores). Record the printed tables in
docs/pan.md with machine and date.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from wiretrace.pan.detect import PassageOptions
from wiretrace.pan.evaluate import evaluate
from wiretrace.pan.run import run_pan

REPO = Path(__file__).resolve().parent.parent
GROUPS = (
    "02-no-obfuscation",
    "03-random-obfuscation",
    "04-translation-obfuscation",
    "05-summary-obfuscation",
)
HALVES = ("even", "odd")
SWEEP: dict[str, tuple[float, float]] = {
    "seed_score": (0.25, 0.35),
    "max_gap": (3, 5),
    "min_chars": (120, 200),
    "bag_shared": (6, 10),
    "summary_local": (0.8, 0.9),
    "vector_weight": (0.4, 0.6),
    "edge_unshared_words": (3, 8),
    "edge_shared_worth": (1.5, 3.5),
    "edge_shared_share": (0.65, 0.85),
}

Scores = dict[str, float]


def half_of(xml_name: str) -> str:
    """``even`` or ``odd``, by the number of the suspicious document a truth file is about."""
    suspicious = xml_name.split("-source-")[0]
    return HALVES[int(suspicious[-5:]) % 2]


def split_truth(corpus: Path, into: Path) -> dict[str, Path]:
    """One truth folder per half, of links to the corpus's truth files, in its subfolders."""
    folders = {half: into / half for half in HALVES}
    for group in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name[:2].isdigit()):
        for truth in sorted(group.glob("*.xml")):
            target = folders[half_of(truth.name)] / group.name / truth.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(truth.resolve())
    return folders


def detect_and_score(
    corpus: Path, truth: dict[str, Path], options: PassageOptions, workers: int
) -> dict[str, Scores]:
    """PlagDet overall and per obfuscation group, on each half, for one setting."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run_pan(
            corpus / "pairs", corpus / "src", corpus / "susp", out, workers=workers, passage_options=options
        )
        scores = {}
        for half, folder in truth.items():
            result = evaluate(folder, out)
            row = {group[:2]: result.by_group[group].plagdet for group in GROUPS if group in result.by_group}
            scores[half] = {**row, "all": result.overall.plagdet}
        return scores


def settings(params: list[str]) -> list[tuple[str, PassageOptions]]:
    defaults = PassageOptions()
    found = [("default", defaults)]
    for name in params:
        for value in SWEEP[name]:
            found.append((f"{name}={value}", replace(defaults, **{name: value})))
    return found


def print_table(results: dict[str, dict[str, Scores]]) -> None:
    columns = ["02", "03", "04", "05", "all"]
    print("| setting | " + " | ".join(f"{h} {c}" for h in HALVES for c in columns) + " |")
    print("|---" * (1 + 2 * len(columns)) + "|")
    for name, by_half in results.items():
        cells = [f"{by_half[h].get(c, float('nan')):.4f}" for h in HALVES for c in columns]
        print(f"| {name} | " + " | ".join(cells) + " |")


def print_transfer(results: dict[str, dict[str, Scores]], params: list[str]) -> None:
    """For each parameter: the value best on one half, and what it scores on the other."""
    print("\n| parameter | tuned on | value chosen | its PlagDet on the other half | default's |")
    print("|---|---|---|---|---|")
    default = PassageOptions()
    for name in params:
        names = ["default", *(f"{name}={v}" for v in SWEEP[name])]
        for tuned, other in (HALVES, HALVES[::-1]):
            best = max(names, key=lambda n: results[n][tuned]["all"])
            value = getattr(default, name) if best == "default" else best.split("=", 1)[1]
            print(
                f"| {name} | {tuned} | {value} | {results[best][other]['all']:.4f} "
                f"| {results['default'][other]['all']:.4f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "pan13-train")
    parser.add_argument("--params", default=",".join(SWEEP), help="comma-separated PassageOptions fields")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus: Path = args.corpus
    if not (corpus / "pairs").is_file():
        sys.exit(f"no PAN corpus at {corpus}")
    params = [p for p in args.params.split(",") if p]
    unknown = [p for p in params if p not in SWEEP]
    if unknown:
        sys.exit(f"unknown parameter(s) {', '.join(unknown)}; choose from {', '.join(SWEEP)}")
    print(f"machine: {platform.machine()}, {platform.system()}, python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        truth = split_truth(corpus, Path(tmp))
        results = {}
        for name, options in settings(params):
            results[name] = detect_and_score(corpus, truth, options, args.workers)
            print(f"{name}: " + "  ".join(f"{h} {results[name][h]['all']:.4f}" for h in HALVES), flush=True)
    print()
    print_table(results)
    print_transfer(results, params)


if __name__ == "__main__":
    main()
