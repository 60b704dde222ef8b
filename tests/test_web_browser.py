"""The web app end to end in Debian's Chromium: compare the seed pair, highlight, families, safety.

Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, SHARED, WIRE
from tests.web_fixture import HOSTILE_ID, HOSTILE_TITLE, running, scanned_corpus
from wiretrace.web.app import ServeSettings, create_app

pytestmark = pytest.mark.slow
GOLD = SHARED / "gold" / "seeds.json"
UPLOAD_LIMIT = 100_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = scanned_corpus(tmp_path_factory.mktemp("browser"))
    with running(create_app(ServeSettings(scan=out, max_upload_bytes=UPLOAD_LIMIT))) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    opened = browser.new_page(viewport={"width": 1400, "height": 950})
    opened.dialogs = []
    opened.csp_errors = []
    opened.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    opened.on(
        "console",
        lambda m: opened.csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield opened
    opened.close()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lstrip("-*\u2022 ").lower()


def _unit_ids(page: Any, side: str) -> dict[str, str]:
    """Unit element id -> the unit's text, without its tag line."""
    return page.evaluate(
        """side => Object.fromEntries([...document.querySelectorAll('#doc-' + side + ' .unit')].map(
               u => [u.id, [...u.childNodes].slice(1).map(n => n.textContent).join('')]))""",
        side,
    )


def _starting_with(units: dict[str, str], prefix: str) -> str:
    found = [uid for uid, text in units.items() if _norm(text).startswith(_norm(prefix))]
    assert len(found) == 1, f"no single unit starts with {prefix!r}"
    return found[0]


def test_pasted_seed_pair_shows_the_verdict_and_every_gold_link(
    page: Any, server: str, shared_seeds: tuple[Path, Path]
) -> None:
    source, rewrite = shared_seeds
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    page.goto(server + "/")
    page.fill("#text-a", source.read_text(encoding="utf-8"))
    page.fill("#text-b", rewrite.read_text(encoding="utf-8"))
    page.click("#compare-texts")
    page.wait_for_selector("#verdict", timeout=60_000)
    verdict = page.inner_text("#verdict")
    assert "wholly" in verdict
    assert re.search(r"original\s*a \(a\)", verdict)
    assert "/compare/saved/" in page.url
    page.screenshot(path=str(ARTIFACTS / "web-compare-seeds.png"), full_page=True)

    a_units, b_units = _unit_ids(page, "a"), _unit_ids(page, "b")
    sentence_of = {_starting_with(a_units, p): int(n) for n, p in gold["source_sentences"].items()}
    for unit in gold["target_units"]:
        b_id = _starting_with(b_units, unit["starts_with"])
        label = page.get_attribute(f"#{b_id}", "data-label")
        if not unit["sources"]:
            assert label == "added", unit["starts_with"]
            continue
        page.click(f"#{b_id}")
        lit = page.eval_on_selector_all("#doc-a .unit.hl", "els => els.map(e => e.id)")
        assert sorted(sentence_of[i] for i in lit) == sorted(unit["sources"]), unit["starts_with"]
        assert "pinned" in (page.get_attribute(f"#{b_id}", "class") or "")
        page.click(f"#{b_id}")  # unpin
    assert page.locator("#facts").is_visible()
    assert page.dialogs == [] and page.csp_errors == []

    page.reload()  # the permalink redraws the same report
    page.wait_for_selector("#verdict")
    assert "wholly" in page.inner_text("#verdict")


def test_clicking_a_unit_highlights_its_partner(page: Any, server: str) -> None:
    rewrite = "Malaria vaccine cuts deaths\n\n" + WIRE.split("\n\n")[0].split(" - ", 1)[1]
    page.goto(server + "/compare")
    page.fill("#text-a", WIRE)
    page.fill("#text-b", rewrite)
    page.click("#compare-texts")
    page.wait_for_selector("#verdict", timeout=60_000)
    story = "The World Health Organization said on Tuesday"
    b_id = _starting_with(_unit_ids(page, "b"), story)
    a_id = _starting_with(_unit_ids(page, "a"), story)
    page.click(f"#{b_id}")
    assert "hl" in page.get_attribute(f"#{b_id}", "class").split()
    assert "hl" in page.get_attribute(f"#{a_id}", "class").split()
    assert page.locator(".unit.hl").count() == 2
    page.screenshot(path=str(ARTIFACTS / "web-compare-clicked.png"), full_page=True)


def test_family_page_draws_the_reuse_graph(page: Any, server: str) -> None:
    page.goto(server + "/families")
    page.wait_for_selector("#families a")
    page.click("text=size")  # sorted ascending, then back to descending
    page.wait_for_url("**order=asc**")
    page.click("text=size")
    page.wait_for_url("**order=desc**")
    page.locator("#families tr:nth-child(2) td a").first.click()
    page.wait_for_selector("#graph[data-nodes]", timeout=30_000)
    assert page.get_attribute("#graph", "data-nodes") == "4"
    assert int(page.get_attribute("#graph", "data-edges")) >= 3
    assert page.locator("#graph canvas").count() >= 1
    assert page.evaluate("window.wiretraceGraph.nodes('.original').map(n => n.id())") == ["wire-floods"]
    size = page.evaluate("window.wiretraceGraph.nodes()[0].renderedBoundingBox().w")
    assert size > 0
    page.screenshot(path=str(ARTIFACTS / "web-family.png"), full_page=True)
    assert page.csp_errors == []


def test_uploaded_script_runs_nothing_and_is_shown_as_text(page: Any, server: str, tmp_path: Path) -> None:
    hostile = (
        '<img src=x onerror="window.hacked=1">Vaccine news\n\n'
        "Officials said the vaccine would be offered to 20 countries next year. "
        "<script>window.hacked=2;alert(1)</script> "
        '<a href="javascript:window.hacked=3">read more</a>'
    )
    (tmp_path / "wire.txt").write_text(WIRE)
    (tmp_path / "hostile.txt").write_text(hostile)
    page.goto(server + "/compare")
    page.set_input_files("#file-a", str(tmp_path / "wire.txt"))
    page.set_input_files("#file-b", str(tmp_path / "hostile.txt"))
    page.click("#compare-files")
    page.wait_for_selector("#verdict", timeout=60_000)
    shown = page.inner_text("#doc-b")
    assert "<script>window.hacked=2;alert(1)</script>" in shown
    assert '<img src=x onerror="window.hacked=1">' in shown
    assert page.locator("#doc-b script, #doc-b img, #doc-b a").count() == 0
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    assert page.evaluate("window.hacked === undefined")
    page.screenshot(path=str(ARTIFACTS / "web-upload-script.png"), full_page=True)

    page.goto(f"{server}/documents/{HOSTILE_ID}")
    page.wait_for_selector("#doctext")
    assert page.inner_text("h1") == HOSTILE_TITLE
    assert "<script>window.hacked=2</script>" in page.inner_text("#doctext")
    page.goto(f"{server}/search?q=onerror")
    page.wait_for_selector("ol.hits")
    assert HOSTILE_TITLE in page.inner_text("ol.hits")
    assert page.evaluate("window.hacked === undefined")
    assert page.dialogs == []


def test_bad_uploads_get_a_message_on_the_page(page: Any, server: str, tmp_path: Path) -> None:
    (tmp_path / "wire.txt").write_text(WIRE)
    (tmp_path / "big.txt").write_text("word " * (UPLOAD_LIMIT // 4))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tmp_path / "empty.txt").write_text("")
    page.goto(server + "/compare")
    page.set_input_files("#file-a", str(tmp_path / "wire.txt"))
    for name, words in (("big.txt", "limit"), ("image.png", "binary"), ("empty.txt", "empty")):
        page.set_input_files("#file-b", str(tmp_path / name))
        page.click("#compare-files")
        message = page.wait_for_selector("#result .error").inner_text()
        assert name in message and words in message
    page.screenshot(path=str(ARTIFACTS / "web-upload-refused.png"))


def test_document_page_links_sources_and_compare(page: Any, server: str) -> None:
    page.goto(f"{server}/documents/paper-floods")
    page.wait_for_selector("#sources li")
    assert "wire-floods" in page.inner_text("#sources")
    page.click("#sources li >> text=compare")
    page.wait_for_selector("#verdict", timeout=60_000)
    assert "original" in page.inner_text("#verdict")
    assert "/compare?a=wire-floods&b=paper-floods" in page.url
