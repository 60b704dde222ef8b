"""The command line as a user meets it: real processes, real files, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import WIRE

WIRETRACE = [sys.executable, "-m", "wiretrace.cli"]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WIRETRACE, *args],
        input=stdin.decode() if stdin else None,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "wire.txt"
    a.write_text(WIRE)
    b = tmp_path / "paper.txt"
    b.write_text("Health\n\nOfficials said the vaccine would be offered to 20 countries next year.\n")
    return a, b


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == "wiretrace 0.1.0"
    help_text = run("compare", "--help").stdout
    for option in ("--format", "--no-semantic", "--model", "--device", "--max-bytes", "--output"):
        assert option in help_text


def test_json_report_to_stdout(pair: tuple[Path, Path]) -> None:
    done = run("compare", str(pair[0]), str(pair[1]), "--format", "json", "--no-semantic")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"]["source"] == "a"
    assert report["a"]["id"] == "wire.txt"


def test_standard_input_as_one_side(pair: tuple[Path, Path]) -> None:
    done = run("compare", str(pair[0]), "-", "-f", "json", "--no-semantic", stdin=pair[1].read_bytes())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["b"]["id"] == "stdin"


def test_terminal_report_shows_verdict_and_facts(pair: tuple[Path, Path]) -> None:
    done = run("compare", str(pair[0]), str(pair[1]), "--no-semantic")
    assert done.returncode == 0, done.stderr
    assert "Derived:" in done.stdout and "Facts" in done.stdout and "Left out of wire.txt" in done.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\x00\x01\x02\x03binary" * 50, "binary"),
        (b"\xff\xfe\x00\xd8", "not valid UTF-16"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, pair: tuple[Path, Path], content: bytes, expected: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    done = run("compare", str(pair[0]), str(bad), "--no-semantic")
    assert done.returncode == 2
    assert expected in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_missing_file_directory_and_huge_file(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as stream:
        stream.write(b"All work and no play makes a dull story. " * (50 * 1024 * 1024 // 41))
    for target, expected in [
        (tmp_path / "missing.txt", "no such file"),
        (tmp_path, "is a directory"),
        (huge, "over the 10.5 MB limit"),
    ]:
        done = run("compare", str(pair[0]), str(target), "--no-semantic")
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_undecodable_text_is_refused(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    bad = tmp_path / "mixed.txt"
    # Valid UTF-16 would need a BOM; this is random high bytes with text-like spacing.
    bad.write_bytes(bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 40)
    done = run("compare", str(pair[0]), str(bad), "--no-semantic")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "encoding" in done.stderr or "binary" in done.stderr


def test_html_output_file_is_written_whole(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    out = tmp_path / "report.html"
    done = run("compare", str(pair[0]), str(pair[1]), "-f", "html", "-o", str(out), "--no-semantic")
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("<!doctype html>")
    assert not list(tmp_path.glob("*.part"))
    # Readable as any new file would be, not private like the temporary file it was.
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    ("name", "starts"), [("report.html", "<!doctype html>"), ("REPORT.JSON", "{"), ("report.txt", "")]
)
def test_output_format_follows_the_file_name(
    tmp_path: Path, pair: tuple[Path, Path], name: str, starts: str
) -> None:
    out = tmp_path / name
    done = run("compare", str(pair[0]), str(pair[1]), "-o", str(out), "--no-semantic")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith(starts)
    if name == "report.txt":
        assert "derives" in text and not text.lstrip().startswith(("<", "{"))
    # An explicit --format wins over the name.
    done = run("compare", str(pair[0]), str(pair[1]), "-o", str(out), "-f", "json", "--no-semantic")
    assert json.loads(out.read_text())["verdict"]


def test_output_into_missing_directory_leaves_nothing(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    out = tmp_path / "nowhere" / "report.json"
    done = run("compare", str(pair[0]), str(pair[1]), "-f", "json", "-o", str(out), "--no-semantic")
    assert done.returncode == 2 and "no such directory" in done.stderr
    assert not out.parent.exists()
