"""Shared fixtures. Tests that need ../shared skip cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
SEED_SOURCE = SEEDS / "001_becda5a04def5fa6.txt"
SEED_REWRITE = SEEDS / "000_79eae0e34309706e.txt"
CHECK_SEEDS = SHARED / "tools" / "check_seeds.py"
WIRETRACE = REPO / ".venv" / "bin" / "wiretrace"

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
