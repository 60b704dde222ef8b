"""Reading documents: plain text in any encoding, HTML pages, standard input.

Every reader returns a :class:`~wiretrace.document.Document` whose ``text`` is the
string that all unit offsets point into.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from wiretrace.document import Document
from wiretrace.errors import InputError

#: Largest input read by default, in bytes. Raise it with ``max_bytes`` or ``WIRETRACE_MAX_BYTES``.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype html|<html\b|<head\b|<body\b)", re.IGNORECASE)
_CONTROL_BYTES = bytes(range(9)) + bytes(range(14, 32))
# Below this, charset-normalizer recognised no language in its best guess: the bytes decode,
# but to nonsense.
_MIN_COHERENCE = 0.05
_MIN_HTML_WORDS = 5


def max_bytes_from_env() -> int:
    """The input size limit: ``WIRETRACE_MAX_BYTES`` when set, else :data:`DEFAULT_MAX_BYTES`."""
    raw = os.environ.get("WIRETRACE_MAX_BYTES")
    if raw is None:
        return DEFAULT_MAX_BYTES
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"WIRETRACE_MAX_BYTES must be a whole number of bytes, not {raw!r}") from None


def read_document(source: str | Path, *, doc_id: str | None = None, max_bytes: int | None = None) -> Document:
    """Read a document from a file path, or from standard input when ``source`` is ``"-"``.

    HTML is recognised by its suffix or its opening tag, and its main text, title, date
    and URL are extracted with trafilatura. Other files are decoded as UTF-8, or in the
    encoding that charset-normalizer detects.
    """
    limit = max_bytes if max_bytes is not None else max_bytes_from_env()
    if str(source) == "-":
        data = sys.stdin.buffer.read(limit + 1)
        name, label, suffix = "stdin", "standard input", ""
    else:
        path = Path(source)
        data = _read_file(path, limit)
        name, label, suffix = path.name, str(path), path.suffix.lower()
    return document_from_bytes(data, doc_id=doc_id or name, label=label, suffix=suffix, max_bytes=limit)


def document_from_bytes(
    data: bytes, *, doc_id: str, label: str | None = None, suffix: str = "", max_bytes: int | None = None
) -> Document:
    """Make a document from raw bytes, such as an upload: size, binary and encoding checked.

    HTML is recognised by ``suffix`` (``".html"``) or by its opening tag.

    >>> document_from_bytes("Rain fell in Paris.".encode(), doc_id="note.txt").text
    'Rain fell in Paris.'
    """
    label = label or doc_id
    _check_size(data, max_bytes if max_bytes is not None else max_bytes_from_env(), label)
    is_html = suffix.lower() in _HTML_SUFFIXES or bool(_HTML_SNIFF.match(data[:1024]))
    text = decode_bytes(data, label)
    if is_html:
        return document_from_html(text, doc_id=doc_id, label=label)
    return document_from_text(text, doc_id=doc_id, label=label)


def document_from_text(text: str, *, doc_id: str = "text", label: str | None = None) -> Document:
    """Wrap a string as a document, refusing empty text."""
    if not text.strip():
        raise InputError(f"{label or doc_id} is empty: there is no text to compare")
    return Document(id=doc_id, text=text)


def document_from_html(html: str, *, doc_id: str = "page", label: str | None = None) -> Document:
    """Extract the main text, title, date and URL of an HTML page with trafilatura."""
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    try:
        extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura raises many parser errors on broken markup
        raise InputError(
            f"{label or doc_id}: the HTML could not be parsed ({exc.__class__.__name__})"
        ) from exc
    body = (getattr(extracted, "text", None) or "").strip() if extracted is not None else ""
    if len(body.split()) < _MIN_HTML_WORDS:
        raise InputError(f"{label or doc_id}: no article text was found in this HTML page")
    title = getattr(extracted, "title", None) or None
    text = body if not title or body.startswith(title) else f"{title}\n\n{body}"
    return Document(
        id=doc_id,
        text=text,
        title=title,
        date=getattr(extracted, "date", None) or None,
        url=getattr(extracted, "url", None) or None,
    )


def decode_bytes(data: bytes, label: str) -> str:
    """Decode text bytes, refusing binary data and text in no detectable encoding."""
    if not data.strip():
        raise InputError(f"{label} is empty: there is no text to compare")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_utf16(data, label)
    if _looks_binary(data):
        raise InputError(f"{label} looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches or matches[0].coherence < _MIN_COHERENCE:
        raise InputError(f"{label} is not UTF-8 and its encoding could not be detected")
    best = matches[0]
    # Single-byte code pages often tie; Windows-1252 is by far the most common of them.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    preferred = next((m for m in tied if m.encoding == "cp1252"), best)
    return str(preferred)


def _decode_utf16(data: bytes, label: str) -> str:
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        raise InputError(f"{label} has a UTF-16 byte-order mark but is not valid UTF-16") from None
    if not text.strip():
        raise InputError(f"{label} is empty: there is no text to compare")
    return text


def _read_file(path: Path, limit: int) -> bytes:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a directory; give a file")
    size = path.stat().st_size
    if size > limit:
        _raise_too_large(str(path), size, limit)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc


def _check_size(data: bytes, limit: int, label: str) -> None:
    if len(data) > limit:
        _raise_too_large(label, len(data), limit)


def _raise_too_large(label: str, size: int, limit: int) -> None:
    raise InputError(
        f"{label} is {size / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB limit; "
        "raise it with --max-bytes or WIRETRACE_MAX_BYTES"
    )


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = sum(head.count(bytes([b])) for b in _CONTROL_BYTES)
    return control > len(head) * 0.05
