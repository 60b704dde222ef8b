"""Benchmark for `wiretrace compare`: cold CLI start, warm per-pair time, peak memory.

Usage: .venv/bin/python bench/compare.py [--pairs 20]

Prints one line per figure. Needs ../shared (the seed pair, and pan13-train source documents
to build 800-word article pairs). Record the output in docs/benchmarks.md with machine and date.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
PAN_SRC = SHARED / "data" / "pan13-train" / "src"
WIRETRACE = REPO / ".venv" / "bin" / "wiretrace"


def cold_cli_runs(runs: int, extra: list[str], cache: str | None = None) -> tuple[list[float], float]:
    """Wall seconds of whole `wiretrace compare` processes on the seed pair, and their peak RSS (MB)."""
    env = dict(os.environ)
    if cache is not None:
        env["WIRETRACE_CACHE"] = cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [
                str(WIRETRACE),
                "compare",
                str(SEEDS / "001_becda5a04def5fa6.txt"),
                str(SEEDS / "000_79eae0e34309706e.txt"),
                "--format",
                "json",
                *extra,
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return times, peak_mb


def article_pairs(count: int, words: int = 800, seed: int = 7) -> list[tuple[str, str]]:
    """(original, rewrite) pairs of about `words` words each, built from distinct PAN source documents.

    The rewrite keeps about 60 % of the original's sentences, shuffled, with a few words
    changed, plus sentences from an unrelated document: the shape of a real newspaper rewrite.
    """
    rng = random.Random(seed)
    files = sorted(PAN_SRC.glob("*.txt"))
    rng.shuffle(files)
    texts = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if len(text.split()) >= words * 2:
            texts.append(" ".join(text.split()[: words * 2]))
        if len(texts) >= count * 2:
            break
    pairs = []
    for i in range(count):
        original = _first_words(texts[2 * i], words)
        other = re.split(r"(?<=[.!?])\s+", texts[2 * i + 1])
        sentences = re.split(r"(?<=[.!?])\s+", original)
        kept = [s for s in sentences if rng.random() < 0.6]
        kept = [_edit(s, rng) for s in kept]
        kept += other[: max(1, len(sentences) - len(kept))]
        rng.shuffle(kept)
        pairs.append((original, _first_words(" ".join(kept), words)))
    return pairs


def _first_words(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def _edit(sentence: str, rng: random.Random) -> str:
    tokens = sentence.split()
    if len(tokens) > 6 and rng.random() < 0.5:
        del tokens[rng.randrange(len(tokens))]
    return " ".join(tokens)


def warm_pair_times(pairs: list[tuple[str, str]], semantic: bool) -> list[float]:
    from wiretrace import compare
    from wiretrace.embed import get_encoder

    if semantic:
        get_encoder().encode(["warm up the model"])
    compare(pairs[0][0], pairs[0][1], semantic=semantic)  # imports and first-call set-up
    times = []
    for original, rewrite in pairs:  # distinct texts each time, so the vector cache never helps
        start = time.perf_counter()
        compare(original, rewrite, semantic=semantic)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    args = parser.parse_args()
    if not SEEDS.is_dir() or not PAN_SRC.is_dir():
        print("../shared is missing: nothing to benchmark", file=sys.stderr)
        return 1
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")

    with tempfile.TemporaryDirectory() as empty_cache:
        first, _ = cold_cli_runs(1, [], cache=empty_cache)
    print(f"first run ever (exports the model to ONNX once): {first[0]:.2f} s wall")
    cold, peak = cold_cli_runs(5, [])
    print(
        f"cold CLI run, seed pair, model load included: median {statistics.median(cold):.2f} s "
        f"(min {min(cold):.2f}, max {max(cold):.2f}) over {len(cold)} runs; peak RSS {peak:.0f} MB"
    )
    cold_lex, _ = cold_cli_runs(5, ["--no-semantic"])
    print(f"cold CLI run, seed pair, --no-semantic: median {statistics.median(cold_lex):.2f} s")

    pairs = article_pairs(args.pairs)
    words = statistics.mean(len(a.split()) + len(b.split()) for a, b in pairs) / 2
    for semantic in (False, True):
        times = warm_pair_times(pairs, semantic)
        name = "semantic" if semantic else "--no-semantic"
        print(
            f"warm API compare, {len(pairs)} distinct pairs of ~{words:.0f}-word articles, {name}: "
            f"median {statistics.median(times) * 1000:.0f} ms, p90 {sorted(times)[int(len(times) * 0.9) - 1] * 1000:.0f} ms"
        )
    print(f"peak RSS of the API process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
