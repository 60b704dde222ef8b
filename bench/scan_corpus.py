"""The scan benchmark corpus, built from ../shared/data, and its ground truth.

Documents: every source and suspicious document of pan13-train, and every Reuters-21578
body of at least 50 words as a distractor, written as one JSON Lines file with the fields
`wiretrace scan` reads (`id`, `text`, and for Reuters `title` and `date`).

Truth: the source-suspicious pairs of the four plagiarism subfolders whose truth XML holds
at least one ``plagiarism`` feature; the pairs of 01-no-plagiarism are known negatives.

Usage: .venv/bin/python bench/scan_corpus.py OUT.jsonl [--fraction 0.25]
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PLAGIARISM_FOLDERS = {
    "02-no-obfuscation": "none",
    "03-random-obfuscation": "random",
    "04-translation-obfuscation": "translation",
    "05-summary-obfuscation": "summary",
}
MIN_REUTERS_WORDS = 50
_REUTERS = re.compile(r"<REUTERS[^>]*NEWID=\"(\d+)\">(.*?)</REUTERS>", re.DOTALL)
_FIELD = {name: re.compile(f"<{name}>(.*?)</{name}>", re.DOTALL) for name in ("DATE", "TITLE", "BODY")}


def pan_documents(pan: Path) -> Iterator[dict[str, str]]:
    for folder in ("src", "susp"):
        for path in sorted((pan / folder).glob("*.txt")):
            text = path.read_text(encoding="utf-8", errors="replace")
            yield {"id": f"pan/{folder}/{path.stem}", "text": text}


def reuters_documents(reuters: Path) -> Iterator[dict[str, str]]:
    for path in sorted(reuters.glob("reut2-*.sgm")):
        raw = path.read_bytes().decode("latin-1")
        for newid, block in _REUTERS.findall(raw):
            body = _field(block, "BODY")
            if len(body.split()) < MIN_REUTERS_WORDS:
                continue
            record = {"id": f"reuters/{newid}", "text": body, "title": _field(block, "TITLE")}
            date = _reuters_date(_field(block, "DATE"))
            if date:
                record["date"] = date
            yield record


def _field(block: str, name: str) -> str:
    match = _FIELD[name].search(block)
    if not match:
        return ""
    text = re.sub(r"&#\d+;", "", match.group(1))
    return html.unescape(text).strip()


def _reuters_date(raw: str) -> str | None:
    try:
        return datetime.strptime(raw.strip()[:20], "%d-%b-%Y %H:%M:%S").isoformat()
    except ValueError:
        return None


def build(out: Path, fraction: float = 1.0, seed: int = 13) -> int:
    """Write the corpus (or a random ``fraction`` of it) to ``out``; return the document count."""
    for needed in (SHARED / "pan13-train", SHARED / "reuters21578"):
        if not needed.is_dir():  # an empty corpus would make every figure meaningless
            raise SystemExit(
                f"{needed}: no such directory; the benchmark needs ../shared beside the repository"
            )
    rng = random.Random(seed)
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for record in [*pan_documents(SHARED / "pan13-train"), *reuters_documents(SHARED / "reuters21578")]:
            if fraction < 1.0 and rng.random() >= fraction:
                continue
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def truth_pairs(pan: Path = SHARED / "pan13-train") -> dict[tuple[str, str], str]:
    """``{(source id, suspicious id): obfuscation}`` for every pair with a plagiarism case."""
    truth: dict[tuple[str, str], str] = {}
    for folder, obfuscation in PLAGIARISM_FOLDERS.items():
        for xml_path in sorted((pan / folder).glob("*.xml")):
            root = ET.parse(xml_path).getroot()
            if not root.findall("feature[@name='plagiarism']"):
                continue
            susp = Path(root.get("reference", "")).stem
            for feature in root.findall("feature[@name='plagiarism']"):
                source = Path(feature.get("source_reference", "")).stem
                truth[(f"pan/src/{source}", f"pan/susp/{susp}")] = obfuscation
    return truth


def negative_pairs(pan: Path = SHARED / "pan13-train") -> set[tuple[str, str]]:
    """The pairs of 01-no-plagiarism: known not to share text."""
    negatives = set()
    for xml_path in (pan / "01-no-plagiarism").glob("*.xml"):
        susp, _, source = xml_path.stem.partition("-source-")
        negatives.add((f"pan/src/source-{source}", f"pan/susp/{susp}"))
    return negatives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--fraction", type=float, default=1.0)
    args = parser.parse_args()
    print(f"{build(args.out, args.fraction)} documents written to {args.out}")


if __name__ == "__main__":
    main()
