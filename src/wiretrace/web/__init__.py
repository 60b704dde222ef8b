"""``wiretrace serve``: the web app (FastAPI), its corpus view, and its compare workers.

See :func:`wiretrace.web.app.create_app` and docs/serve.md.
"""

from __future__ import annotations

from wiretrace.web.app import ServeSettings, create_app
from wiretrace.web.library import Library

__all__ = ["Library", "ServeSettings", "create_app"]
