"""Benchmark for `wiretrace pan`: PlagDet per obfuscation type, wall time, pairs/s, peak memory.

Usage: .venv/bin/python bench/pan.py [--corpus ../shared/data/pan13-train] [--workers 2]

Runs the real CLI on the whole corpus into a fresh folder (so nothing is resumed), after
one untimed pass over the files to warm the file cache, then scores the output with
`wiretrace pan-eval`. Record the printed table in docs/benchmarks.md with machine and date.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from treemem import run_measured

REPO = Path(__file__).resolve().parent.parent
WIRETRACE = REPO / ".venv" / "bin" / "wiretrace"
TARGETS = {
    "02-no-obfuscation": 0.99,
    "03-random-obfuscation": 0.93,
    "04-translation-obfuscation": 0.92,
    "05-summary-obfuscation": 0.80,
    "overall": 0.93,
}


def warm_file_cache(corpus: Path) -> None:
    for path in [*corpus.glob("src/*.txt"), *corpus.glob("susp/*.txt")]:
        path.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "data" / "pan13-train")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    corpus: Path = args.corpus
    if not (corpus / "pairs").is_file():
        sys.exit(f"no PAN corpus at {corpus}")
    warm_file_cache(corpus)
    pairs = sum(1 for line in (corpus / "pairs").read_text().splitlines() if line.strip())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "detections"
        cmd = [
            str(WIRETRACE),
            "pan",
            str(corpus / "pairs"),
            str(corpus / "src"),
            str(corpus / "susp"),
            str(out),
        ]
        wall, peak_mb, _, status = run_measured(
            [*cmd, "--workers", str(args.workers)], stderr=subprocess.DEVNULL
        )
        if status != 0:
            sys.exit(f"wiretrace pan failed with status {status}")
        scores = json.loads(
            subprocess.run(
                [str(WIRETRACE), "pan-eval", str(corpus), str(out), "--format", "json"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    print(f"machine: {platform.processor() or platform.machine()}, {args.workers} workers")
    print(
        f"pairs: {pairs}  wall: {wall:.1f} s  rate: {pairs / wall:.1f} pairs/s  peak RSS (tree): {peak_mb:.0f} MB"
    )
    print(f"{'group':28s} {'plagdet':>8s} {'prec':>7s} {'recall':>7s} {'gran':>7s} {'target':>7s}")
    rows = [*scores["groups"].items(), ("overall", scores["overall"])]
    for name, s in rows:
        target = TARGETS.get(name)
        mark = "" if target is None else f"{target:.2f}" + (" ok" if s["plagdet"] >= target else " MISS")
        print(
            f"{name:28s} {s['plagdet']:8.4f} {s['precision']:7.4f} {s['recall']:7.4f} "
            f"{s['granularity']:7.4f} {mark:>7s}"
        )


if __name__ == "__main__":
    main()
