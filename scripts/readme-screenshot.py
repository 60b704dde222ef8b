#!/usr/bin/env python3
"""Make docs/img/compare-seeds.png: the compare page on the seed pair, for the README.

Usage: .venv/bin/python scripts/readme-screenshot.py   (needs Debian's chromium and ../shared/seeds)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.web_fixture import running  # noqa: E402

from wiretrace.web.app import ServeSettings, create_app  # noqa: E402

SEEDS = REPO.parent / "shared" / "seeds"
TARGET = REPO / "docs" / "img" / "compare-seeds.png"


def main() -> None:
    source, rewrite = SEEDS / "001_becda5a04def5fa6.txt", SEEDS / "000_79eae0e34309706e.txt"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with running(create_app(ServeSettings())) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/compare")
        page.fill("#name-a", source.name)
        page.fill("#name-b", rewrite.name)
        page.fill("#text-a", source.read_text(encoding="utf-8"))
        page.fill("#text-b", rewrite.read_text(encoding="utf-8"))
        page.click("#compare-texts")
        page.wait_for_selector("#verdict", timeout=60_000)
        page.click("#b-4")  # pin one rewrite sentence, so the picture shows its partner lit
        top = page.evaluate("document.querySelector('.report').getBoundingClientRect().top + window.scrollY")
        clip = {"x": 0, "y": top - 8, "width": 1400, "height": 1180}
        page.screenshot(path=str(TARGET), clip=clip, full_page=True)
        browser.close()
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
