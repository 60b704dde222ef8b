"""Benchmark and check for the optional GPU path (`--device cuda`).

Usage: .venv/bin/python bench/gpu.py [--device cuda] [--model all-MiniLM-L6-v2]
       [--sentences FILE] [--count 30000] [--save-sentences FILE]

Three figures, each against the CPU path (MiniLM through ONNX Runtime):
- the seed comparison with `--device DEVICE`: is its JSON report the same as on the CPU?
- sentence vectors of the first 2,000 sentences: the largest difference from the CPU's;
- sentences encoded per second on DEVICE (2,000, 10,000 and the whole count), and on the
  CPU (1,000 sentences).

The sentences are the units of pan13-train's source documents, segmented by wiretrace,
unless --sentences names a file of one sentence per line (--save-sentences writes that
file, for a machine without ../shared). Record the output in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
PAN_SRC = SHARED / "data" / "pan13-train" / "src"


def pan_sentences(count: int) -> list[str]:
    """The first `count` sentence units of pan13-train's source documents, in file order."""
    from wiretrace.document import Document
    from wiretrace.segment import segment

    sentences: list[str] = []
    for path in sorted(PAN_SRC.glob("*.txt")):
        doc = Document(id=path.name, text=path.read_text(encoding="utf-8", errors="replace"))
        sentences.extend(" ".join(doc.text[u.start : u.end].split()) for u in segment(doc))
        if len(sentences) >= count:
            break
    return sentences[:count]


def _flatten(value: object, path: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, f"{path}/{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _flatten(item, f"{path}[{i}]").items()}
    return {path: value}


def report_differences(a: Path, b: Path, model: str, device: str) -> tuple[int, int]:
    """How many fields of the compare JSON differ between the CPU and `device`, of how many."""
    from wiretrace.compare import compare

    cpu = _flatten(compare(a, b, model=model, device="cpu").to_dict())
    other = _flatten(compare(a, b, model=model, device=device).to_dict())
    fields = set(cpu) | set(other)
    return sum(cpu.get(k) != other.get(k) for k in fields), len(fields)


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def sentences_per_second(encoder: object, sentences: list[str], device: str) -> tuple[float, float]:
    """Seconds to encode `sentences` once (none cached before), and the rate."""
    _synchronize(device)
    start = time.perf_counter()
    encoder.encode(sentences)  # type: ignore[attr-defined]
    _synchronize(device)
    seconds = time.perf_counter() - start
    return seconds, len(sentences) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--sentences", type=Path, help="one sentence per line (default: pan13-train)")
    parser.add_argument("--count", type=int, default=30_000)
    parser.add_argument("--save-sentences", type=Path, help="write the sentences to this file and stop")
    parser.add_argument(
        "--pair",
        nargs=2,
        type=Path,
        default=[SEEDS / "001_becda5a04def5fa6.txt", SEEDS / "000_79eae0e34309706e.txt"],
    )
    args = parser.parse_args()

    if args.sentences:
        sentences = args.sentences.read_text(encoding="utf-8").splitlines()[: args.count]
    else:
        sentences = pan_sentences(args.count)
    if args.save_sentences:
        args.save_sentences.write_text("\n".join(sentences) + "\n", encoding="utf-8")
        print(f"wrote {len(sentences)} sentences to {args.save_sentences}")
        return

    from wiretrace.embed import OnnxEncoder, SentenceTransformerEncoder, resolve_model

    print(f"machine: {platform.processor() or platform.machine()}, python {sys.version.split()[0]}")
    for a, b in (args.pair, args.pair[::-1]):
        differing, fields = report_differences(a, b, args.model, args.device)
        print(f"compare {a.name} {b.name}: {differing} of {fields} JSON fields differ from the CPU report")

    model_dir = resolve_model(args.model)
    # The encoders themselves, not the cached ones, so that every sentence is really encoded.
    cpu = OnnxEncoder(model_dir)
    other = SentenceTransformerEncoder(model_dir, args.device)
    check = sentences[:2000]
    difference = float(np.abs(cpu.encode(check) - other.encode(check)).max())
    print(f"vectors of {len(check)} sentences: largest difference from the CPU's {difference:.2e}")

    figures: dict[str, dict[str, float]] = {}
    for n in sorted({2000, 10_000, len(sentences)}):
        if n <= len(sentences):
            seconds, rate = sentences_per_second(other, sentences[len(sentences) - n :], args.device)
            figures[f"{args.device} {n}"] = {"seconds": round(seconds, 3), "per_second": round(rate, 1)}
    seconds, rate = sentences_per_second(cpu, sentences[:1000], "cpu")
    figures["cpu (ONNX) 1000"] = {"seconds": round(seconds, 3), "per_second": round(rate, 1)}
    for name, figure in figures.items():
        print(f"encode {name} sentences: {figure['seconds']} s, {figure['per_second']} per second")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
