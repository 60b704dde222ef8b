"""Bad-request fuzzing: schemathesis drives every API operation from the OpenAPI schema.

Whatever it sends, the server must answer with a documented status and a body that fits the
schema, and never with a 5xx.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import negative_data_rejection, positive_data_acceptance  # noqa: E402

from tests.web_fixture import scanned_corpus  # noqa: E402
from wiretrace.web.app import ServeSettings, create_app  # noqa: E402

# schemathesis reads the schema when the module loads, so the app is made here; pytest 9 does not
# support schemathesis's fixture-based loader. The folder goes when the test process ends.
_FOLDER = tempfile.TemporaryDirectory(prefix="wiretrace-fuzz-")
_APP = create_app(
    ServeSettings(scan=scanned_corpus(Path(_FOLDER.name)), semantic=False, max_upload_bytes=20_000)
)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", _APP)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_with_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    # An upload's schema cannot say "non-empty, not binary, decodable", so refusing such files is
    # right; and a multipart field carries text, so a "null" file is the four letters, not null.
    uploads = case.operation.path == "/api/compare/files"
    excluded = [positive_data_acceptance, negative_data_rejection] if uploads else []
    case.call_and_validate(excluded_checks=excluded)
