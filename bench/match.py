"""Benchmark for `wiretrace match`: warm time per 800-word article against an index of the scan corpus.

Usage: .venv/bin/python bench/match.py [--index /tmp/wiretrace-bench.db] [--articles 30]

Builds (or reuses) an index of the whole scan benchmark corpus (bench/scan_corpus.py),
timing `index add`, then matches articles of about 800 words: the opening 800 words of
suspicious PAN documents, which reuse indexed sources. The first match loads the vectors
and is reported apart; the rest are the warm figures. Record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_corpus import build
from wiretrace.index import Index
from wiretrace.scan.records import Record, read_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "wiretrace-bench.db")
    parser.add_argument("--articles", type=int, default=30)
    args = parser.parse_args()
    corpus = Path(tempfile.gettempdir()) / "wiretrace-bench-corpus.jsonl"
    count = build(corpus)
    if not args.index.exists():
        start = time.perf_counter()
        with Index(args.index) as index:
            report = index.add([corpus])
        print(f"index add: {report.added} documents in {time.perf_counter() - start:.1f} s")
    print(f"index: {args.index} ({args.index.stat().st_size / 1e6:.0f} MB), corpus {count} documents")
    articles = []
    for item in read_corpus([corpus]):
        if isinstance(item, Record) and item.id.startswith("pan/susp/"):
            words = item.text.split()
            if len(words) >= 800:
                articles.append(Record(f"new-{item.id}", " ".join(words[:800])))
        if len(articles) >= args.articles + 1:
            break
    with Index(args.index) as index:
        start = time.perf_counter()
        first = index.match(articles[0])
        print(f"first match (loads the passage vectors): {(time.perf_counter() - start) * 1000:.0f} ms")
        times, found = [], 0
        for article in articles[1:]:
            start = time.perf_counter()
            matches = index.match(article)
            times.append((time.perf_counter() - start) * 1000)
            found += bool(matches)
    times.sort()
    print(
        json.dumps(
            {
                "articles": len(times),
                "with_a_source": found,
                "median_ms": round(statistics.median(times)),
                "p90_ms": round(times[int(0.9 * (len(times) - 1))]),
                "max_ms": round(times[-1]),
                "first_match_sources": [m.source for m in first],
            }
        )
    )


if __name__ == "__main__":
    main()
