"""PAN corpora on disk: the ``pairs`` file and the documents it names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wiretrace.errors import InputError


@dataclass(frozen=True, slots=True)
class PanPair:
    """One suspicious document and one source document to align."""

    suspicious: str
    source: str


def read_pairs(pairs_file: Path, src_dir: Path, susp_dir: Path) -> list[PanPair]:
    """The pairs listed in a PAN ``pairs`` file, checked against the two document folders.

    Each non-blank line holds a suspicious and a source file name. A missing file, a
    malformed line or a document absent from its folder raises :class:`InputError` naming
    the file and line.
    """
    for folder in (src_dir, susp_dir):
        if not folder.is_dir():
            raise InputError(f"{folder}: no such directory")
    try:
        lines = pairs_file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{pairs_file}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{pairs_file} is a directory; give the pairs file") from None
    except UnicodeDecodeError:
        raise InputError(f"{pairs_file}: not a UTF-8 text file") from None
    pairs = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2:
            raise InputError(
                f"{pairs_file}:{number}: expected 'suspicious-document.txt source-document.txt', got {line.strip()!r}"
            )
        pair = PanPair(suspicious=fields[0], source=fields[1])
        for name, folder in ((pair.suspicious, susp_dir), (pair.source, src_dir)):
            if Path(name).name != name or not (folder / name).is_file():
                raise InputError(f"{pairs_file}:{number}: unknown document {name!r} (not in {folder})")
        pairs.append(pair)
    if not pairs:
        raise InputError(f"{pairs_file}: no pairs listed")
    return pairs
