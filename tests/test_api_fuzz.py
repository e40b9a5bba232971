"""A bounded property-based run over the OpenAPI schema: no input gets a 5xx."""

from __future__ import annotations

import base64
import tempfile

import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from service.http.app import create_app
from service.settings import Settings

# The rules engine: no model is involved, so any 5xx would be the service's own fault.
_STORE = tempfile.mkdtemp(prefix="milestones-fuzz-")
_SECRET = "whsec_" + base64.b64encode(b"0" * 32).decode()


async def _public_dns(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


app = create_app(
    Settings(
        database_url=f"sqlite:///{_STORE}/fuzz.sqlite3",
        engine="rules",
        webhook_secret=_SECRET,
        job_workers=0,  # the jobs the fuzzer queues are never run (nor called back)
    ),
    resolve=_public_dns,  # callback hosts: checked, never looked up for real
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_no_request_the_schema_allows_gets_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        [content_type] = response.headers["content-type"]  # schemathesis: lists of values
        assert content_type.startswith("application/problem+json")
