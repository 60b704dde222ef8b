"""Writing result files so that a killed run never leaves a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from wiretrace.errors import WiretraceError


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place.

    Readers see either the old file or the whole new one, never a part.
    """
    path = path.expanduser()
    if path.is_dir():
        raise WiretraceError(f"{path} is a directory; give a file name")
    if not path.parent.exists():
        raise WiretraceError(f"{path.parent}: no such directory")
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(tmp).replace(path)
    finally:
        Path(tmp).unlink(missing_ok=True)
