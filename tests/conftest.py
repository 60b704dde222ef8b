"""Shared fixtures. Tests that need ../shared skip cleanly when it is absent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
SEED_SOURCE = SEEDS / "001_becda5a04def5fa6.txt"
SEED_REWRITE = SEEDS / "000_79eae0e34309706e.txt"
CHECK_SEEDS = SHARED / "tools" / "check_seeds.py"
WIRETRACE = REPO / ".venv" / "bin" / "wiretrace"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Screenshots that browser tests save, for a person to look at after a run.
ARTIFACTS = REPO / "test-artifacts"

# A wire story written for these tests, and the ways a newspaper might reuse it.
WIRE = """GENEVA, March 3 (Reuters) - The World Health Organization said on Tuesday that a new malaria vaccine had cut child deaths by 30 percent in a trial in Ghana and Kenya.

The trial, which ran for four years, enrolled 12,000 children under the age of five in rural clinics.

Officials said the vaccine would be offered to 20 countries next year, starting with Nigeria and Uganda.

WHO Director-General Tedros Adhanom Ghebreyesus called the result a historic step for child health in Africa.

Funding for the rollout will come from the Gavi vaccine alliance, which has pledged $160 million."""


@pytest.fixture
def wire() -> str:
    return WIRE


@pytest.fixture
def shared_seeds() -> tuple[Path, Path]:
    if not SEED_SOURCE.is_file() or not SEED_REWRITE.is_file():
        pytest.skip("../shared/seeds is not present")
    return SEED_SOURCE, SEED_REWRITE


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; skipped where either is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield launched
        launched.close()
