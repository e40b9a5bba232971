"""A bounded property-based run over the OpenAPI schema: no input gets a 5xx."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import checks

from service.app import create_app
from service.settings import Settings
from tests.hostile import SHAPES

# The rules engine: no model is involved, so any 5xx would be the service's own fault.
_STORE = tempfile.mkdtemp(prefix="milestones-fuzz-")
_SECRET = "whsec_" + base64.b64encode(b"0" * 32).decode()
_AUTH = {"Authorization": "Bearer fuzz-key"}


async def _public_dns(host: str, port: int) -> list[str]:
    return ["93.184.215.14"]


# Fuzzing (schemathesis and hypothesis, thousands of requests): run by `make test`.
pytestmark = pytest.mark.slow

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


@pytest.fixture
def hostile_app(store_url: str) -> Iterator[FastAPI]:
    """The fuzzed app on each store (PostgreSQL refuses what SQLite takes: NUL, say),
    holding one summary so that lists, cursors and timelines have rows to read."""
    application = create_app(
        Settings(database_url=store_url, engine="rules", api_keys="fuzz-key", job_workers=0)
    )
    answer = asyncio.run(_send(application, "POST", "/v1/summaries", json=_ONE_ARTICLE))
    assert answer.status_code == 200, answer.text
    yield application
    asyncio.run(application.state.service.aclose())


_ONE_ARTICLE = {"text": "Acme/Beta Therapeutics said the FDA has granted Orphan Drug "
                "Designation to AB-321 for haemophilia B in March 2024."}  # fmt: skip


async def _send(application: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        headers = {**_AUTH, **kwargs.pop("headers", {})}
        return await client.request(method, path, headers=headers, **kwargs)


def _answered_well(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


@given(body=_bodies, path=st.sampled_from(["/v1/summaries", "/v1/jobs"]))
@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_no_hostile_body_gets_a_server_error(
    hostile_app: FastAPI, body: tuple[str, str], path: str
) -> None:
    content_type, content = body
    headers = {"content-type": content_type}
    _answered_well(
        asyncio.run(_send(hostile_app, "POST", path, content=content.encode(), headers=headers))
    )


# Values for a list's parameters: dates of any year, cursors holding any JSON (integers
# beyond 64 bits of either sign, values of the wrong types, deep nesting), any text with
# NUL and invisible characters, very long values.
_cursor_keys = st.one_of(
    st.lists(
        st.one_of(st.integers(-(2**80), 2**80), st.text(max_size=6), st.booleans(), st.floats()),
        max_size=4,
    ),
    st.recursive(st.integers(), lambda inner: st.lists(inner, max_size=3), max_leaves=6),
)
_sorts = st.sampled_from(["-seen", "seen", "date", "-date", 5])
_cursors = st.one_of(
    st.tuples(_sorts, _cursor_keys).map(
        lambda pair: base64.urlsafe_b64encode(json.dumps(list(pair)).encode()).decode()
    ),
    st.tuples(_sorts, st.lists(st.integers(-(2**80), 2**80), min_size=1, max_size=3)).map(
        lambda pair: base64.urlsafe_b64encode(json.dumps(list(pair)).encode()).decode()
    ),
    st.integers(1, 20_000).map(lambda n: base64.urlsafe_b64encode(b"[" * n).decode()),
    st.text(max_size=700),
)
_any_text = st.one_of(
    st.text(
        alphabet=st.sampled_from(["a", "/", ".", "%", "\u0000", "[", *_INVISIBLE]), max_size=60
    ),
    st.integers(1, 6000).map(lambda n: "x" * n),
    st.text(max_size=30),
)
_dates_of_any_shape = st.one_of(
    st.sampled_from(["0000-01-01", "0000-02-29", "9999-12-31", "9999", "1899-12"]),
    st.from_regex(r"[0-9]{1,5}(-[0-9]{1,3}){0,2}", fullmatch=True),
    _any_date,
)
_param_values = {
    "date_from": _dates_of_any_shape,
    "date_to": _dates_of_any_shape,
    "cursor": _cursors,
    "limit": st.one_of(st.integers(-(2**70), 2**70).map(str), _any_text),
    **{name: _any_text for name in ("kind", "status", "product", "organisation",
                                    "authority", "jurisdiction", "q", "sort", "format")},
}  # fmt: skip
# One or two parameters at a time (a value FastAPI refuses, 422, hides the others), the
# dates and the cursor, which reach the store, oftener.
_queries = st.lists(
    st.sampled_from([*sorted(_param_values), *["date_from", "date_to", "cursor"] * 3]),
    min_size=1,
    max_size=2,
    unique=True,
).flatmap(lambda keys: st.fixed_dictionaries({k: _param_values[k] for k in keys}))
_lists = st.sampled_from(["/v1/milestones", "/v1/events", "/v1/summaries"])


@given(path=_lists, params=_queries, sort=st.sampled_from(["-seen", "date", None]))
@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_no_hostile_list_query_gets_a_server_error(
    hostile_app: FastAPI, path: str, params: dict[str, str], sort: str | None
) -> None:
    if sort is not None:
        params.setdefault("sort", sort)
    _answered_well(asyncio.run(_send(hostile_app, "GET", path, params=params)))


@given(
    name=_any_text,
    path=st.sampled_from(["/v1/products/{}/timeline", "/v1/organisations/{}/timeline",
                          "/v1/summaries/{}", "/v1/jobs/{}", "/v1/summaries/{}/calls",
                          "/v1/summaries/{}/attempts"]),
)  # fmt: skip
@hypothesis_settings(
    max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_no_hostile_name_or_id_in_a_path_gets_a_server_error(
    hostile_app: FastAPI, name: str, path: str
) -> None:
    segment = quote(name, safe="", errors="surrogatepass")
    _answered_well(asyncio.run(_send(hostile_app, "GET", path.format(segment))))
