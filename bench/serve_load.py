"""Load test for `wiretrace serve`: concurrent clients on the compare API, health checked throughout.

Usage: .venv/bin/python bench/serve_load.py [--clients 20] [--seconds 60] [--workers 2]

Starts `wiretrace serve` on a free loopback port, with its defaults (sentence model on).
Each request compares a distinct, article-sized pair: a Reuters-21578 story of 250 to 900
words and a rewrite of it (a new headline, every third sentence dropped, the first two
swapped), so no request repeats another. Meanwhile a probe asks /api/health four times a
second. Prints requests per second, latency percentiles, errors, the health probe's worst
and 99th-percentile latency, and the server's peak memory (the process tree's RSS and PSS).
Record the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_corpus import SHARED, reuters_documents
from treemem import tree_pss_mb, tree_rss_mb

REPO = Path(__file__).resolve().parent.parent


def article_pairs() -> Iterator[dict[str, str]]:
    """Distinct (story, rewrite) pairs of article size, in corpus order."""
    for doc in reuters_documents(SHARED / "reuters21578"):
        words = len(doc["text"].split())
        if not 250 <= words <= 900:
            continue
        sentences = re.split(r"(?<=[.!?])\s+", " ".join(doc["text"].split()))
        kept = [s for i, s in enumerate(sentences) if i % 3 != 2]
        if len(kept) >= 2:
            kept[0], kept[1] = kept[1], kept[0]
        title = (doc.get("title") or "News in brief").title()
        rewrite = f"{title}\n\n" + "\n\n".join(kept)
        yield {"a": doc["text"], "b": rewrite, "a_name": doc["id"], "b_name": doc["id"] + "-rewrite"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def load(base: str, clients: int, seconds: float) -> dict[str, object]:
    pairs = article_pairs()
    latencies: list[float] = []
    health: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.perf_counter() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop_at:
            body = next(pairs)
            start = time.perf_counter()
            try:
                response = await http.post(base + "/api/compare", json=body)
                if response.status_code != 200:
                    errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
                    continue
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - start)

    def probe() -> None:
        # A thread of its own, so the load clients' work never delays the probe's measurement.
        with httpx.Client(timeout=30) as http:
            while time.perf_counter() < stop_at:
                start = time.perf_counter()
                response = http.get(base + "/api/health")
                health.append(time.perf_counter() - start)
                if response.json() != {"status": "ok"}:
                    errors["health"] = errors.get("health", 0) + 1
                time.sleep(0.25)

    limits = httpx.Limits(max_connections=clients + 2)
    prober = threading.Thread(target=probe, daemon=True)
    async with httpx.AsyncClient(timeout=300, limits=limits) as http:
        started = time.perf_counter()
        prober.start()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    prober.join()
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(latencies) / elapsed, 2),
        "p50_ms": round(percentile(latencies, 50) * 1000),
        "p95_ms": round(percentile(latencies, 95) * 1000),
        "p99_ms": round(percentile(latencies, 99) * 1000),
        "errors": errors,
        "health_checks": len(health),
        "health_p99_ms": round(percentile(health, 99) * 1000, 1),
        "health_max_ms": round(max(health) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    port = free_port()
    command = [
        str(REPO / ".venv/bin/wiretrace"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
    ]
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    peak = peak_pss = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            peak = max(peak, tree_rss_mb(server.pid))
            peak_pss = max(peak_pss, tree_pss_mb(server.pid))
            time.sleep(0.2)

    threading.Thread(target=sample, daemon=True).start()
    try:
        start = time.perf_counter()
        while True:
            try:
                if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            if time.perf_counter() - start > 120:
                raise SystemExit("the server did not start")
        startup = time.perf_counter() - start
        figures = asyncio.run(load(base, args.clients, args.seconds))
    finally:
        done.set()
        server.terminate()
        server.wait(timeout=30)
    figures |= {
        "clients": args.clients,
        "workers": args.workers,
        "startup_s": round(startup, 1),
        "peak_rss_mb": round(peak),
        "peak_pss_mb": round(peak_pss),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
    }
    print(json.dumps(figures, indent=2))
    print(
        f"\n| {args.clients} clients, {args.seconds:.0f} s | {figures['requests_per_second']} req/s | "
        f"{figures['p50_ms']} / {figures['p95_ms']} / {figures['p99_ms']} ms | errors {sum(figures['errors'].values())} | "  # type: ignore[union-attr]
        f"health p99 {figures['health_p99_ms']} ms, max {figures['health_max_ms']} ms | peak {figures['peak_rss_mb']} MB |"
    )
    if figures["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
