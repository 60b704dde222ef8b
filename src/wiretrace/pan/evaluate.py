"""``wiretrace pan-eval``: score a folder of detections against a PAN truth folder.

A truth folder holds one XML file per pair. When it holds subfolders of such files, as
PAN corpora do (``01-no-plagiarism`` ... ``05-summary-obfuscation``), each subfolder is
also scored on its own. Detection files are matched to truth files by name; a pair with
no detection file has no detections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wiretrace.errors import InputError
from wiretrace.pan.measures import Annotation, Scores, score
from wiretrace.pan.xml import CASE, DETECTION, read_annotations


@dataclass(frozen=True, slots=True)
class Evaluation:
    """PAN scores overall and, where the truth has subfolders, for each of them."""

    overall: Scores
    by_group: dict[str, Scores] = field(default_factory=dict)
    pairs: int = 0
    #: Truth pairs for which the detections folder has no file.
    missing: int = 0

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "pairs": self.pairs,
            "missing_detection_files": self.missing,
            "overall": _scores_dict(self.overall),
            "groups": {name: _scores_dict(s) for name, s in self.by_group.items()},
        }


def evaluate(truth_dir: Path, detections_dir: Path) -> Evaluation:
    """Score the detection files in ``detections_dir`` against the truth in ``truth_dir``."""
    for folder in (truth_dir, detections_dir):
        if not folder.is_dir():
            raise InputError(f"{folder}: no such directory")
    groups = _truth_groups(truth_dir)
    if not any(groups.values()):
        raise InputError(f"{truth_dir}: no truth XML files found")
    detection_files = {p.name: p for p in detections_dir.rglob("*.xml")}
    all_cases: list[Annotation] = []
    all_detections: list[Annotation] = []
    by_group: dict[str, Scores] = {}
    missing = 0
    for name, files in groups.items():
        cases: list[Annotation] = []
        detections: list[Annotation] = []
        for truth_file in files:
            cases += read_annotations(truth_file, CASE)
            found = detection_files.get(truth_file.name)
            if found is None:
                missing += 1
            else:
                detections += read_annotations(found, DETECTION)
        if name:
            by_group[name] = score(cases, detections)
        all_cases += cases
        all_detections += detections
    pairs = sum(len(files) for files in groups.values())
    return Evaluation(score(all_cases, all_detections), by_group, pairs, missing)


def _truth_groups(truth_dir: Path) -> dict[str, list[Path]]:
    """Truth files by subfolder name; files directly in ``truth_dir`` fall under ``""``."""
    groups: dict[str, list[Path]] = {}
    top = sorted(truth_dir.glob("*.xml"))
    if top:
        groups[""] = top
    for sub in sorted(p for p in truth_dir.iterdir() if p.is_dir()):
        files = sorted(sub.glob("*.xml"))
        if files:
            groups[sub.name] = files
    return groups


def _scores_dict(s: Scores) -> dict[str, float | int]:
    return {
        "plagdet": round(s.plagdet, 4),
        "precision": round(s.precision, 4),
        "recall": round(s.recall, 4),
        "granularity": round(s.granularity, 4),
        "cases": s.cases,
        "detections": s.detections,
    }
