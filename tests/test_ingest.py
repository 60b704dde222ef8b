from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.errors import InputError
from wiretrace.ingest import read_document


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_utf8_text_keeps_the_file_name_as_id(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "story.txt", "Café owners said prices rose.".encode()))
    assert doc.id == "story.txt"
    assert doc.text == "Café owners said prices rose."


def test_other_encodings_are_detected(tmp_path: Path) -> None:
    text = "Le président a déclaré vendredi que les négociations étaient terminées à Genève."
    doc = read_document(write(tmp_path, "fr.txt", text.encode("latin-1")))
    assert doc.text == text


def test_utf16_with_byte_order_mark(tmp_path: Path) -> None:
    doc = read_document(write(tmp_path, "u16.txt", "Rain fell on Monday.".encode("utf-16")))
    assert doc.text == "Rain fell on Monday."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_document(write(tmp_path, "bad.txt", data))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_document(tmp_path)


def test_size_limit_is_clear_and_can_be_raised(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"word " * 3000)
    with pytest.raises(InputError, match=r"over the 0\.0 MB limit; raise it with --max-bytes"):
        read_document(path, max_bytes=1000)
    assert read_document(path, max_bytes=20_000).text.startswith("word")


def test_html_main_text_title_and_date(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><title>Floods hit river towns | Daily Post</title>
    <meta property="og:title" content="Floods hit river towns">
    <meta name="date" content="2024-05-09"></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Floods hit river towns</h1>
    <p>Heavy rain flooded twelve towns along the river on Monday, and roads were closed for hours.</p>
    <p>Officials said more rain was expected later in the week, and schools would stay shut.</p>
    <p>The river rose by three metres overnight, the highest level recorded in twenty years.</p>
    </article><footer>Copyright Daily Post</footer></body></html>"""
    doc = read_document(write(tmp_path, "page.html", html.encode()))
    assert doc.title == "Floods hit river towns"
    assert doc.date == "2024-05-09"
    assert "Heavy rain flooded twelve towns" in doc.text
    assert "Copyright" not in doc.text and "Home" not in doc.text
    assert doc.text.startswith("Floods hit river towns")


def test_html_without_article_text_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no article text"):
        read_document(write(tmp_path, "empty.html", b"<html><body><nav>Home</nav></body></html>"))
