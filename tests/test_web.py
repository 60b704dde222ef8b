"""The web app's JSON API: compare, limits and refusals, corpus pages' data, headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import WIRE
from tests.corpus_fixture import REWRITES
from tests.web_fixture import HOSTILE_ID, HOSTILE_TITLE, scanned_corpus
from wiretrace import Index, compare
from wiretrace.document import Document
from wiretrace.scan import Record
from wiretrace.web.app import CSP, ServeSettings, create_app

LIMIT = 50_000
REWRITE = (
    "Deadly malaria vaccine trial\n\nThe World Health Organization said on Tuesday that a new malaria "
    "vaccine had cut child deaths by 30 percent in a trial in Ghana and Kenya."
)


@pytest.fixture(scope="module")
def scan_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scanned_corpus(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(scan_out: Path) -> Iterator[TestClient]:
    app = create_app(ServeSettings(scan=scan_out, semantic=False, max_upload_bytes=LIMIT))
    with TestClient(app) as running_client:
        yield running_client


# -- compare ------------------------------------------------------------------------------------
def test_compare_returns_the_cli_report_and_a_permalink(client: TestClient) -> None:
    response = client.post(
        "/api/compare", json={"a": WIRE, "b": REWRITE, "a_name": "wire", "b_name": "paper"}
    )
    assert response.status_code == 200
    expected = compare(Document("wire", WIRE), Document("paper", REWRITE), semantic=False).to_dict()
    assert response.json() == expected
    assert response.json()["verdict"]["source"] == "a"
    saved = response.headers["content-location"]
    assert saved.startswith("/api/compare/saved/")
    assert client.get(saved).json() == response.json()
    assert client.get("/api/compare/saved/not-a-key").status_code == 404


def test_uploaded_files_are_compared_and_html_is_reduced_to_its_text(client: TestClient) -> None:
    page = (
        "<!doctype html><html><head><title>Vaccine trial</title></head><body><nav>Home | World</nav>"
        f"<article><p>{WIRE.splitlines()[0]}</p></article></body></html>"
    )
    files = {"a": ("wire.txt", WIRE.encode(), "text/plain"), "b": ("page.html", page.encode(), "text/html")}
    response = client.post("/api/compare/files", files=files)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["a"]["id"], report["b"]["id"]) == ("wire.txt", "page.html")
    assert report["verdict"]["derived"] == "wholly"
    assert "Home | World" not in " ".join(u["text"] for u in report["b"]["units"])


def test_windows_1252_upload_is_decoded(client: TestClient) -> None:
    text = "The minister\u2019s caf\u00e9 plan was approved on Monday by 12 votes to 3."
    files = {"a": ("a.txt", text.encode("cp1252"), "text/plain"), "b": ("b.txt", text.encode(), "text/plain")}
    report = client.post("/api/compare/files", files=files).json()
    assert report["a"]["units"][0]["text"] == text


@pytest.mark.parametrize(
    ("upload", "status", "words"),
    [
        (b"", 422, "empty"),
        (b"   \n\n  ", 422, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, 422, "binary"),
        (b"word " * (LIMIT // 5 + 1), 413, "limit"),
    ],
)
def test_bad_uploads_get_a_clear_4xx(client: TestClient, upload: bytes, status: int, words: str) -> None:
    files = {"a": ("a.txt", WIRE.encode(), "text/plain"), "b": ("b.bin", upload, "application/octet-stream")}
    response = client.post("/api/compare/files", files=files)
    assert response.status_code == status
    assert words in response.json()["detail"]
    assert "b.bin" in response.json()["detail"]
    assert client.get("/api/health").json() == {"status": "ok"}


def test_pasted_text_over_the_limit_or_empty_is_refused(client: TestClient) -> None:
    assert client.post("/api/compare", json={"a": WIRE, "b": "x" * (LIMIT + 1)}).status_code == 413
    empty = client.post("/api/compare", json={"a": WIRE, "b": "  "})
    assert empty.status_code == 422
    assert "empty" in empty.json()["detail"]
    assert client.post("/api/compare", json={"a": WIRE}).status_code == 422
    assert (
        client.post(
            "/api/compare", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_texts_of_space_alone_are_refused_and_the_schema_says_so(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["CompareRequest"]
    some_text = re.compile(schema["properties"]["b"]["pattern"])
    # Characters that one of Python, pydantic and JSON Schema counts as space and another does not.
    for space in ["\x85", "\x1c", "\u2003", "\ufeff"]:
        answer = client.post("/api/compare", json={"a": WIRE, "b": space * 3})
        assert answer.status_code == 422, repr(space)
        assert "empty" in answer.json()["detail"]
        assert not some_text.search(space * 3)
    assert some_text.search(" \u00e9 ")


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    huge = b'{"a": "' + b"x" * (3 * LIMIT + 2_000_000) + b'", "b": "y"}'
    response = client.post("/api/compare", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


# -- corpus ---------------------------------------------------------------------------------------
def test_families_sort_by_size_and_by_date(client: TestClient) -> None:
    by_size = client.get("/api/families").json()
    assert [f["size"] for f in by_size] == sorted((f["size"] for f in by_size), reverse=True)
    floods = by_size[0]
    assert floods["size"] == 4
    assert [o["id"] for o in floods["originals"]] == ["wire-floods"]
    by_date = client.get("/api/families", params={"sort": "date", "order": "asc"}).json()
    firsts = [f["first_date"] for f in by_date]
    assert firsts == sorted(firsts)
    assert by_date[0]["originals"][0]["id"] == "wire-airline"  # 2024-03-15, the earliest story


def test_family_page_has_members_originals_and_edges(client: TestClient) -> None:
    family_id = client.get("/api/families").json()[0]["family"]
    family = client.get(f"/api/families/{family_id}").json()
    members = {m["id"] for m in family["members"]}
    assert members == {"wire-floods", "paper-floods", "site-floods", HOSTILE_ID}
    assert family["originals"] == ["wire-floods"]
    assert {(e["source"], e["target"]) for e in family["edges"]} >= {
        ("wire-floods", "paper-floods"),
        ("wire-floods", "site-floods"),
    }
    assert client.get("/api/families/f-nothing").status_code == 404


def test_document_page_lists_sources_and_reusers(client: TestClient) -> None:
    wire = client.get("/api/documents/wire-floods").json()
    assert wire["sources"] == []
    assert {r["other"]["id"] for r in wire["reused_by"]} >= {"paper-floods", "site-floods"}
    paper = client.get("/api/documents/paper-floods").json()
    assert "wire-floods" in {r["other"]["id"] for r in paper["sources"]}
    assert paper["text"].startswith("Deadly floods in Kandor")
    assert paper["family"] == wire["family"]
    assert client.get("/api/documents/no-such-doc").status_code == 404


def test_stored_documents_can_be_compared_by_id(client: TestClient) -> None:
    report = client.get("/api/compare", params={"a": "wire-election", "b": "paper-election"}).json()
    assert report["verdict"]["source"] == "a"
    assert report["b"]["units"][0]["text"] == REWRITES["paper-election"][2].split(". ")[0] + "."
    assert client.get("/api/compare", params={"a": "wire-election", "b": "missing"}).status_code == 404


def test_search_finds_words_in_title_and_text(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "helicopters Kandor"}).json()
    assert {h["document"]["id"] for h in hits} == {"wire-floods", "paper-floods", HOSTILE_ID}
    titled = client.get("/api/search", params={"q": "onerror"}).json()
    assert [h["document"]["title"] for h in titled] == [HOSTILE_TITLE]  # data, returned as it is
    assert client.get("/api/search", params={"q": '"unbalanced'}).status_code == 200
    assert client.get("/api/search", params={"q": "zzzunknownword"}).json() == []


def test_documents_are_listed_in_reading_order(client: TestClient) -> None:
    first = client.get("/api/documents", params={"limit": 2}).json()
    second = client.get("/api/documents", params={"limit": 2, "offset": 2}).json()
    assert len(first) == len(second) == 2
    assert not {d["id"] for d in first} & {d["id"] for d in second}


def test_index_documents_are_matched_on_request(tmp_path: Path, scan_out: Path) -> None:
    from tests.corpus_fixture import STORIES

    index = Index(tmp_path / "wire.db", semantic=False)
    index.add_records([Record(i, text, date=date) for i, (date, text) in STORIES.items()])
    _, _, paper = REWRITES["paper-floods"]
    index.add_records([Record("paper-floods-copy", paper, date="2024-05-03")])
    index.close()
    app = create_app(ServeSettings(index=tmp_path / "wire.db", semantic=False))
    with TestClient(app) as client:
        page = client.get("/api/documents/paper-floods-copy").json()
        assert page["collection"] == "index"
        assert [r["other"]["id"] for r in page["sources"]] == ["wire-floods"]
        assert client.get("/api/search", params={"q": "Kandor"}).json()[0]["collection"] == "index"
        assert client.get("/api/families").json() == []


# -- pages and headers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/", "/compare", "/families", "/families/f-1", "/documents/a/b.txt", "/search"]
)
def test_every_view_has_its_own_url_and_a_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP
    assert '<script src="/static/app.js"' in response.text


def test_static_assets_and_api_schema(client: TestClient) -> None:
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/vendor/cytoscape.min.js").status_code == 200
    assert ".lab-verbatim{--c:" in client.get("/static/labels.css").text
    schema = client.get("/api/openapi.json").json()
    assert {
        "/api/compare",
        "/api/compare/files",
        "/api/documents/{doc_id}",
        "/api/families",
        "/api/search",
        "/api/health",
    } <= set(schema["paths"])
    assert not [p for p in schema["paths"] if not p.startswith("/api/")]


def test_a_missing_scan_folder_is_a_clear_error(tmp_path: Path) -> None:
    from wiretrace.errors import InputError

    with pytest.raises(InputError, match="not a finished scan output"):
        create_app(ServeSettings(scan=tmp_path, semantic=False))


# -- the command ----------------------------------------------------------------------------------
def test_serve_command_warns_off_loopback_and_answers(scan_out: Path) -> None:
    import subprocess
    import time

    import httpx

    from tests.conftest import WIRETRACE
    from tests.web_fixture import free_port

    port = free_port()
    command = [str(WIRETRACE), "serve", "--scan", str(scan_out), "--host", "0.0.0.0", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--no-semantic", "--workers", "1"], stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert httpx.get(f"http://127.0.0.1:{port}/api/info").json()["library"]["families"] == 3
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "warning: serving on 0.0.0.0" in stderr
    assert "Traceback" not in stderr


def test_serve_command_refuses_a_folder_that_holds_no_scan(tmp_path: Path) -> None:
    import subprocess

    from tests.conftest import WIRETRACE

    done = subprocess.run(
        [str(WIRETRACE), "serve", "--scan", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "not a finished scan output" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_serve_command_refuses_a_port_in_use() -> None:
    import socket
    import subprocess

    from tests.conftest import WIRETRACE

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(WIRETRACE), "serve", "--no-semantic", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
