"""Benchmark for `wiretrace scan`: pair recall, spurious relations, cost, growth, floor, baselines.

Usage:
    .venv/bin/python bench/scan.py [--fractions 0.25 0.5 1.0] [--spark-fraction 0.25] [--skip-baselines]

The corpus is built from ../shared/data (see bench/scan_corpus.py): pan13-train sources and
suspicious documents plus Reuters-21578 bodies of 50 words or more. The scan sees only the
texts. Truth: the pan13-train pairs whose truth XML holds a plagiarism case.

For each fraction it runs the real CLI (`wiretrace scan`, local engine, every core) into a
fresh folder and measures wall time and the peak memory of the whole process tree. In the
same run it times the floor (read, lowercase, tokenize, hash word 5-grams), an exact word
5-gram inverted index baseline and a datasketch MinHash LSH baseline, and scores all three
on pair recall. For the truth pairs the scan relates, it counts which document it names
as the original. Record the printed tables in docs/benchmarks.md with machine and date.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import xxhash

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_corpus import build, negative_pairs, truth_pairs
from treemem import run_measured

REPO = Path(__file__).resolve().parent.parent
WIRETRACE = REPO / ".venv" / "bin" / "wiretrace"
GOALS = {"none": 0.99, "random": 0.97, "translation": 0.95, "summary": 0.95}
_WORD = re.compile(r"\w+")


def read_corpus(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def floor_pass(path: Path) -> float:
    """Read, lowercase, tokenize and hash the word 5-grams of every document."""
    start = time.perf_counter()
    for line in path.open(encoding="utf-8"):
        words = _WORD.findall(json.loads(line)["text"].lower())
        for k in range(len(words) - 4):
            xxhash.xxh3_64_intdigest(" ".join(words[k : k + 5]).encode())
    return time.perf_counter() - start


def five_grams(text: str) -> set[int]:
    words = _WORD.findall(text.lower())
    return {xxhash.xxh3_64_intdigest(" ".join(words[k : k + 5]).encode()) for k in range(len(words) - 4)}


def inverted_index_baseline(
    docs: list[dict[str, str]], max_df: int = 100, min_shared: int = 5
) -> set[tuple[str, str]]:
    """Pairs sharing at least ``min_shared`` exact word 5-grams of document frequency at most ``max_df``."""
    postings: dict[int, list[int]] = {}
    for n, doc in enumerate(docs):
        for h in five_grams(doc["text"]):
            postings.setdefault(h, []).append(n)
    shared: Counter[tuple[int, int]] = Counter()
    for members in postings.values():
        if 2 <= len(members) <= max_df:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    shared[(a, b)] += 1
    return {_key(docs[a]["id"], docs[b]["id"]) for (a, b), c in shared.items() if c >= min_shared}


def minhash_baseline(docs: list[dict[str, str]], threshold: float = 0.2) -> set[tuple[str, str]]:
    """datasketch MinHash LSH over word 5-grams at document-level Jaccard ``threshold``."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    found = set()
    for doc in docs:
        sketch = MinHash(num_perm=128, hashfunc=lambda b: xxhash.xxh32_intdigest(b))
        sketch.update_batch([" ".join(g).encode() for g in _grams(doc["text"])])
        for other in lsh.query(sketch):
            found.add(_key(other, doc["id"]))
        lsh.insert(doc["id"], sketch)
    return found


def _grams(text: str) -> list[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return [tuple(words[k : k + 5]) for k in range(len(words) - 4)]


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def recall(
    found: set[tuple[str, str]], truth: dict[tuple[str, str], str], present: set[str]
) -> dict[str, float]:
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for (source, susp), obfuscation in truth.items():
        if source in present and susp in present:
            totals[obfuscation] += 1
            hits[obfuscation] += _key(source, susp) in found
    return {o: round(hits[o] / totals[o], 3) for o in GOALS if totals[o]}


def spurious(found: set[tuple[str, str]], truth: dict[tuple[str, str], str]) -> dict[str, int]:
    truth_keys = {_key(*k) for k in truth}
    negatives = {_key(*k) for k in negative_pairs()}
    extra = found - truth_keys
    return {
        "total": len(extra),
        "with_reuters": sum(1 for a, b in extra if a.startswith("reuters/") or b.startswith("reuters/")),
        "pan_pan": sum(1 for a, b in extra if a.startswith("pan/") and b.startswith("pan/")),
        "known_negatives": len(extra & negatives),
    }


def run_scan(
    corpus: Path, out: Path, engine: str = "local", extra: Sequence[str] = ()
) -> tuple[float, float, set[tuple[str, str]], dict]:
    cmd = [str(WIRETRACE), "scan", str(corpus), "--out", str(out), "--engine", engine, *extra]
    wall, peak_mb, peak_pss_mb, status = run_measured(cmd, stderr=subprocess.DEVNULL)
    if status != 0:
        sys.exit(f"scan failed with status {status}")
    found = set()
    for line in (out / "pairs.jsonl").open():
        record = json.loads(line)
        found.add(_key(record["a"], record["b"]))
    summary = json.loads((out / "summary.json").read_text())
    summary["largest_family"] = max((len(f["members"]) for f in read_families(out)), default=0)
    summary["peak_pss_mb"] = round(peak_pss_mb)
    return wall, peak_mb, found, summary


def direction_figures(out: Path, truth: dict[tuple[str, str], str]) -> dict[str, int]:
    """How often the scan names the PAN source document as the original of a truth pair.

    PAN has no dates, so content decides; a suspicious document embeds part of its source
    in a longer text of its own, which is not how a news rewrite condenses a wire story.
    """
    counts: Counter[str] = Counter()
    for record in map(json.loads, (out / "pairs.jsonl").open()):
        pair = next((k for k in ((record["a"], record["b"]), (record["b"], record["a"])) if k in truth), None)
        if pair is None:
            continue
        original = record.get("source")
        counts[
            "source named" if original == pair[0] else "unknown" if original is None else "suspicious named"
        ] += 1
    return dict(counts)


def read_families(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "families.jsonl").open()]


def family_figures(out: Path, found: set[tuple[str, str]], truth: dict[tuple[str, str], str]) -> dict:
    """How families hold together: the largest ones, and whether related pairs share one.

    Reuters-only families show chaining through wire updates (passim built one of 673
    documents); true PAN pairs split between two families show communities cut too far.
    """
    families = read_families(out)
    family_of = {m: f["family"] for f in families for m in f["members"]}
    reuters_only = [
        len(f["members"]) for f in families if all(m.startswith("reuters/") for m in f["members"])
    ]
    truth_found = [key for key in (_key(*t) for t in truth) if key in found]
    return {
        "largest": sorted((len(f["members"]) for f in families), reverse=True)[:3],
        "largest_reuters_only": max(reuters_only, default=0),
        "truth_pairs_in_one_family": round(
            sum(1 for a, b in truth_found if family_of.get(a) == family_of.get(b)) / max(1, len(truth_found)),
            3,
        ),
        "relations_in_one_family": round(
            sum(1 for a, b in found if family_of.get(a) == family_of.get(b)) / max(1, len(found)), 3
        ),
    }


def sample_spurious(
    found: set[tuple[str, str]], truth: dict[tuple[str, str], str], out: Path, k: int = 8
) -> list[dict]:
    truth_keys = {_key(*t) for t in truth}
    records = {(r["a"], r["b"]): r for r in map(json.loads, (out / "pairs.jsonl").open())}
    extra = sorted(key for key in found if key not in truth_keys)
    rng = random.Random(5)
    picked = rng.sample(extra, min(k, len(extra)))
    rows = []
    for a, b in picked:
        record = records.get((a, b)) or records.get((b, a)) or {}
        chars = sum(s["a"][1] - s["a"][0] for link in record.get("links", []) for s in link["spans"])
        rows.append(
            {
                "a": a,
                "b": b,
                "derived": record.get("verdict", {}).get("derived"),
                "links": len(record.get("links", [])),
                "verbatim_chars": chars,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--spark-fraction", type=float, default=0.25, help="0 to skip the Spark run")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--passage-vectors", action="store_true", help="run the scans with --passage-vectors")
    args = parser.parse_args()
    extra = ["--passage-vectors"] if args.passage_vectors else []
    truth = truth_pairs()
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.system()}, python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for fraction in args.fractions:
            corpus = Path(tmp) / f"corpus-{fraction}.jsonl"
            count = build(corpus, fraction)
            docs = read_corpus(corpus)
            present = {d["id"] for d in docs}
            floor = floor_pass(corpus)
            wall, peak, found, summary = run_scan(corpus, Path(tmp) / f"out-{fraction}", extra=extra)
            print(f"\n== {fraction:.0%} of the corpus: {count} documents ==")
            print(f"floor pass (read, lowercase, tokenize, hash 5-grams): {floor:.1f} s")
            print(
                f"wiretrace scan (local): {wall:.1f} s wall, peak tree RSS {peak:.0f} MB "
                f"(PSS {summary['peak_pss_mb']} MB), {wall / floor:.1f}x the floor"
            )
            print(f"  stages: {summary['seconds']}")
            print(
                f"  candidates {summary['candidates']} (lexical {summary['lexical_candidates']}, semantic {summary['semantic_candidates']}), relations {summary['related_pairs']}, families {summary['families']}, largest family {summary['largest_family']}"
            )
            print(f"  pair recall: {recall(found, truth, present)}  goals {GOALS}")
            print(f"  spurious: {spurious(found, truth)}")
            print(f"  families: {family_figures(Path(tmp) / f'out-{fraction}', found, truth)}")
            print(f"  originals of truth pairs: {direction_figures(Path(tmp) / f'out-{fraction}', truth)}")
            if fraction == max(args.fractions):
                for row in sample_spurious(found, truth, Path(tmp) / f"out-{fraction}"):
                    print(f"    sample spurious: {row}")
            if not args.skip_baselines:
                start = time.perf_counter()
                inverted = inverted_index_baseline(docs)
                inverted_s = time.perf_counter() - start
                print(
                    f"  baseline exact 5-gram inverted index (df<=100, >=5 shared): {inverted_s:.1f} s, {len(inverted)} pairs, recall {recall(inverted, truth, present)}"
                )
                start = time.perf_counter()
                lsh = minhash_baseline(docs)
                lsh_s = time.perf_counter() - start
                print(
                    f"  baseline datasketch MinHash LSH (Jaccard 0.2, 128 perms): {lsh_s:.1f} s, {len(lsh)} pairs, recall {recall(lsh, truth, present)}"
                )
            if args.spark_fraction and abs(fraction - args.spark_fraction) < 1e-9:
                wall_s, peak_s, found_s, summary_s = run_scan(
                    corpus, Path(tmp) / f"spark-{fraction}", engine="spark", extra=extra
                )
                same = (
                    "same pairs as local"
                    if found_s == found
                    else f"{len(found_s ^ found)} pairs differ from local"
                )
                print(
                    f"wiretrace scan --engine spark (local[2]): {wall_s:.1f} s wall, peak tree RSS {peak_s:.0f} MB "
                    f"(PSS {summary_s['peak_pss_mb']} MB); {same}"
                )
                print(f"  stages: {summary_s['seconds']}")


if __name__ == "__main__":
    main()
