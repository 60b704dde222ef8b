"""Errors that wiretrace raises on purpose.

    WiretraceError            base class; the CLI prints its message on one line and exits 2
    ├── InputError            a document cannot be read: missing, empty, binary, undecodable, too large
    └── ModelError            the embedding model cannot be found, exported or loaded

Every message says what went wrong and, where there is one, what to do about it.
"""

from __future__ import annotations


class WiretraceError(Exception):
    """Base class for every error wiretrace raises deliberately."""


class InputError(WiretraceError):
    """A document could not be read or is not usable text."""


class ModelError(WiretraceError):
    """The sentence-embedding model could not be resolved, exported or loaded."""
