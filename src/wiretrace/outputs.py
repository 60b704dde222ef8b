"""Writing result files so that a killed run never leaves a half-written one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wiretrace.errors import WiretraceError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: The mode ``open`` would give a new file. Temporary files are private (0600), and a report
#: renamed into place must not stay unreadable to the people it is shared with.
NEW_FILE_MODE = 0o666 & ~_umask()


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed onto it when the block ends without error.

    Readers see either the old file or the whole new one, never a part; after an error
    or a kill, nothing but a hidden ``.part`` file can remain.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "report.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = path.expanduser()
    if path.is_dir():
        raise WiretraceError(f"{path} is a directory; give a file name")
    if not path.parent.exists():
        raise WiretraceError(f"{path.parent}: no such directory")
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(NEW_FILE_MODE)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
