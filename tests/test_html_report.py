"""The HTML report in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, WIRE
from wiretrace import compare


def test_document_text_is_escaped_in_the_markup() -> None:
    hostile = (
        "Officials said the vaccine would be offered to 20 countries next year. <script>alert(1)</script>"
    )
    page = compare(WIRE, hostile, semantic=False).to_html()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 2  # the JSON data block and the report's own script


@pytest.mark.slow
def test_report_renders_side_by_side_and_runs_no_document_script(tmp_path: Path, browser: Any) -> None:
    hostile = (
        'Vaccine news <img src=x onerror="window.hacked=1">\n\n'
        "Officials said the vaccine would be offered to 20 countries next year. <script>window.hacked=2;alert(1)</script>"
    )
    report = tmp_path / "report.html"
    report.write_text(compare(WIRE, hostile, semantic=False).to_html())
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(report.as_uri())
    page.screenshot(path=str(ARTIFACTS / "html-report.png"), full_page=True)
    a_box = page.locator("#doc-a").bounding_box()
    b_box = page.locator("#doc-b").bounding_box()
    assert a_box and b_box and b_box["x"] > a_box["x"] + a_box["width"] * 0.8  # side by side
    shown = page.locator("#doc-b").inner_text()
    assert "<script>window.hacked=2;alert(1)</script>" in shown
    assert '<img src=x onerror="window.hacked=1">' in shown
    assert page.evaluate("window.hacked === undefined")
    assert dialogs == []
    linked = page.locator(".unit.lab-split, .unit.lab-near-verbatim, .unit.lab-paraphrase").first
    linked_id = linked.get_attribute("id")
    page.locator(f"#{linked_id}").click()
    assert page.locator(".unit.hl").count() >= 2  # the unit and its partner
    page.screenshot(path=str(ARTIFACTS / "html-report-clicked.png"), full_page=True)
    page.close()
