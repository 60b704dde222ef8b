"""The founding example: the seed pair, checked against the human reading in both orders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CHECK_SEEDS


@pytest.mark.slow
@pytest.mark.parametrize("swapped", [False, True])
@pytest.mark.parametrize("semantic", [True, False])
def test_seed_pair_matches_the_gold_reading(
    shared_seeds: tuple[Path, Path], tmp_path: Path, swapped: bool, semantic: bool
) -> None:
    source, rewrite = shared_seeds
    a, b = (rewrite, source) if swapped else (source, rewrite)
    report = tmp_path / "r.json"
    args = [
        sys.executable,
        "-m",
        "wiretrace.cli",
        "compare",
        str(a),
        str(b),
        "--format",
        "json",
        "-o",
        str(report),
    ]
    if not semantic:
        args.append("--no-semantic")
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    check = [sys.executable, str(CHECK_SEEDS), str(report), *(["--swapped"] if swapped else [])]
    checked = subprocess.run(check, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout
    assert "16/16 units exact" in checked.stdout
