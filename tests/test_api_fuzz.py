"""A bounded property-based run over the OpenAPI schema: no input gets a 5xx."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import tempfile
from datetime import date, datetime

import httpx
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import checks

from service.http.app import create_app
from service.settings import Settings
from tests.hostile import SHAPES

# The rules engine: no model is involved, so any 5xx would be the service's own fault.
_STORE = tempfile.mkdtemp(prefix="milestones-fuzz-")
_SECRET = "whsec_" + base64.b64encode(b"0" * 32).decode()
_AUTH = {"Authorization": "Bearer fuzz-key"}


async def _public_dns(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


app = create_app(
    Settings(
        database_url=f"sqlite:///{_STORE}/fuzz.sqlite3",
        engine="rules",
        api_keys="fuzz-key",
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
    response = case.call(headers=_AUTH)
    assert response.status_code < 500, response.text
    # and every answer is one the OpenAPI description documents (status, media type, schema,
    # auth enforced, Allow). Not checked: that every schema-valid request succeeds (an
    # article of valid shape can be all boilerplate, 422; an Idempotency-Key reused with
    # another body is 422 by the IETF draft), nor that every request outside the schema
    # fails (unknown query parameters and headers are ignored, and the key is added to
    # every call, so a case "without Authorization" still carries one).
    case.validate_response(
        response,
        headers=_AUTH,
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
    )
    if response.status_code >= 400:
        [content_type] = response.headers["content-type"]  # schemathesis: lists of values
        assert content_type.startswith("application/problem+json")


# Shapes the schema-driven run above does not reach: deep nesting, dates of any year,
# long one-line articles (tests/hostile.py), invisible characters inside words, numbers
# too long to convert and lone surrogate escapes.
_INVISIBLE = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e"]
_hostile_text = st.one_of(
    st.tuples(st.sampled_from(sorted(SHAPES)), st.integers(200, 40_000)).map(
        lambda shape: SHAPES[shape[0]](shape[1])
    ),
    st.text(
        alphabet=st.sampled_from([*"Acme Bio AG received orphan designation. ", *_INVISIBLE]),
        min_size=1,
        max_size=400,
    ),
)
_depth = st.integers(1, 100_000)
_any_date = st.one_of(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
        lambda d: d.isoformat() + "+14:00"
    ),
)
_bodies = st.one_of(
    _hostile_text.map(lambda t: ("application/json", json.dumps({"text": t}))),
    st.tuples(_hostile_text, _any_date).map(
        lambda p: ("application/json", json.dumps({"text": p[0], "published_at": p[1]}))
    ),
    _hostile_text.map(lambda t: ("text/plain", t)),
    _hostile_text.map(
        lambda t: ("text/html", f"<html><body><p>{html.escape(t)}</p></body></html>")
    ),
    _depth.map(lambda n: ("application/json", "[" * n)),
    st.integers(1, 20_000).map(
        lambda n: ("application/json", '{"text": "a", "id": ' + "7" * n + "}")
    ),
    st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\u0000"]).map(
        lambda escape: (
            "application/json",
            '{"text": "Acme ' + escape + ' Bio raised $5 million."}',
        )
    ),
    _depth.map(lambda n: ("application/json", '{"ninjs": ' + '{"a": ' * n)),
    _depth.map(lambda n: ("application/ninjs+json", "{" * n)),
    _depth.map(lambda n: ("text/html", "<div>" * n + "Acme Bio raised $5 million.")),
    _any_date.map(
        lambda d: (
            "application/ninjs+json",
            json.dumps(
                {
                    "body_text": "Acme Bio AG received orphan designation on Tuesday.",
                    "versioncreated": d,
                }
            ),
        )
    ),
)


@given(body=_bodies, path=st.sampled_from(["/v1/summaries", "/v1/jobs"]))
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_no_hostile_body_gets_a_server_error(body: tuple[str, str], path: str) -> None:
    content_type, content = body

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = {"content-type": content_type, **_AUTH}
            return await client.post(path, content=content.encode(), headers=headers)

    response = asyncio.run(post())
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
