"""What the HTTP app holds for its lifetime, and the dependencies that hand it to routes."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from fastapi import Depends, Request

from schemas import SummaryRecord
from service.egress import CallbackPolicy
from service.engines import Engine, build_engine, choose
from service.errors import (
    CallbacksUnavailable,
    ConfigurationError,
    EngineUnavailable,
    InvalidRequest,
    NotFound,
    Unauthorized,
)
from service.fetch import Fetcher
from service.http.body import read_limited
from service.http.recent import RecentResponses
from service.jobs.worker import JobWorker
from service.metrics import Metrics
from service.pipeline import Summariser
from service.settings import ENGINE_NAMES, EngineName, Settings
from service.store import Store


@dataclass
class Service:
    """Settings, store, summariser, metrics, recent responses, the engines built so far, the
    callback URL policy and this replica's job worker (when it runs one)."""

    settings: Settings
    store: Store
    summariser: Summariser
    metrics: Metrics
    callbacks: CallbackPolicy = field(default_factory=CallbackPolicy)
    recent: RecentResponses = field(default_factory=RecentResponses)
    worker: JobWorker | None = None
    _fetcher: Fetcher | None = None
    engines: dict[str, Engine] = field(default_factory=dict)
    _by_request: dict[str | None, Engine] = field(default_factory=dict)
    _building: threading.Lock = field(default_factory=threading.Lock)
    api_keys: list[tuple[bytes, str]] = field(init=False)  # each key and its name
    # Signs the pages' CSRF tokens: derived from the keys, so every replica with the same
    # keys agrees; without keys (loopback only, one process), random for this process.
    page_secret: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        named = self.settings.api_key_names()
        self.api_keys = [(key.encode(), name) for key, name in named.items()]
        if self.api_keys:
            keys = b"\n".join(sorted(key for key, _ in self.api_keys))
            self.page_secret = hashlib.sha256(b"milestones pages\n" + keys).digest()
        else:
            self.page_secret = secrets.token_bytes(32)

    def caller(self, token: str) -> str | None:
        """The name of the API key ``token`` (compared in constant time with every key),
        if it is one."""
        given, found = token.strip().encode(), None
        for key, name in self.api_keys:
            if hmac.compare_digest(given, key):
                found = name
        return found

    def engine(self, requested: EngineName | None) -> Engine:
        """The engine for a request: asked for, else MILESTONES_ENGINE, else auto."""
        known = self._by_request.get(requested)
        if known is not None:
            return known
        try:
            choice = choose(self.settings, requested)
        except ConfigurationError as error:
            raise EngineUnavailable(error.detail) from None
        with self._building:  # one engine per name, built once even by two threads
            if choice.name not in self.engines:
                # The service answers with the rules when the LLM fails, unless told not to.
                self.engines[choice.name] = build_engine(choice, self.settings, service=True)
            self._by_request[requested] = self.engines[choice.name]
        return self.engines[choice.name]

    async def engine_for(self, requested: EngineName | None) -> Engine:
        """``engine``, from a coroutine: an engine not built yet is built in a worker
        thread (its word lists parsed, its modules imported), never in the loop's turn."""
        known = self._by_request.get(requested)
        if known is not None:
            return known
        return await asyncio.to_thread(self.engine, requested)

    async def check_callback(self, url: str, instead: str) -> None:
        """Refuse a callback URL this service would not send to (CallbackRefused), or any
        when it has no signing secret (CallbacksUnavailable, saying what to do ``instead``)."""
        if self.settings.webhook_secret is None:
            raise CallbacksUnavailable(
                "this service has no webhook signing secret (MILESTONES_WEBHOOK_SECRET), "
                f"so it sends no callbacks: {instead}"
            )
        await self.callbacks.check(url)

    def fetcher(self) -> Fetcher:
        """The fetcher of pages by URL (under the fetch policy), made when first needed."""
        if self._fetcher is None:
            self._fetcher = Fetcher(self.settings)
        return self._fetcher

    async def aclose(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.aclose()
        if self.worker is not None:
            await self.worker.stop()
            self.worker = None
        for engine in self.engines.values():
            await engine.aclose()
        await self.summariser.aclose()  # writes under way, then the store


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


def service_of(request: Request) -> Service:
    """The service, for a route on the hot path (without a dependency to resolve)."""
    service: Service = request.app.state.service
    return service


LOCAL_CALLER = "local"  # who calls a service that has no API keys


async def require_api_key(request: Request) -> None:
    """Bearer API key, compared in constant time against every configured key; the key's
    name is the request's ``state.caller``."""
    service = service_of(request)
    if not service.api_keys:
        request.state.caller = LOCAL_CALLER
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    caller = service.caller(token)
    if scheme.lower() != "bearer" or caller is None:
        raise Unauthorized("send a valid API key as 'Authorization: Bearer <key>'")
    request.state.caller = caller


AuthDep = Depends(require_api_key)

IDEMPOTENCY_KEY_MAX = 200

# The request parameters read_incoming reads itself, as the OpenAPI page shows them.
INCOMING_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "engine",
        "in": "query",
        "required": False,
        "description": "auto, llm or rules (default: the service's).",
        "schema": {"enum": list(ENGINE_NAMES), "type": "string"},
    },
    {
        "name": "x-milestones-engine",
        "in": "header",
        "required": False,
        "description": "The engine, as a header (?engine= wins when both are given).",
        "schema": {"enum": list(ENGINE_NAMES), "type": "string"},
    },
    {
        "name": "cache-control",
        "in": "header",
        "required": False,
        "description": "no-cache: make the summary afresh and refresh the cache.",
        "schema": {"type": "string"},
    },
    {
        "name": "idempotency-key",
        "in": "header",
        "required": False,
        "description": "The same key with the same request gives the first answer back.",
        "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
    },
]


@dataclass(frozen=True)
class Incoming:
    """A request to summarise an article: the engine for it, whether to bypass the
    cache, its Idempotency-Key, and its raw body (read within the size limit)."""

    engine: Engine
    refresh: bool
    idempotency_key: str | None
    body: bytes


def _named_engine(request: Request) -> EngineName | None:
    """The engine the request names, by query or header (the query's wins); both are
    checked."""
    named: dict[str, str] = {}
    for where, value in (
        ("query.engine", request.query_params.get("engine")),
        ("header.x-milestones-engine", request.headers.get("x-milestones-engine")),
    ):
        if value is None:
            continue
        if value not in ENGINE_NAMES:
            detail = f"{where}: Input should be 'auto', 'llm' or 'rules'"
            raise InvalidRequest(detail, [detail])
        named[where] = value
    return cast(EngineName, next(iter(named.values()))) if named else None


async def read_incoming(request: Request) -> Incoming:
    """The engine (``?engine=`` or ``X-Milestones-Engine:``), ``Cache-Control: no-cache``,
    ``Idempotency-Key:`` and the body, as POST /v1/summaries and POST /v1/jobs both take
    them: read here in one go (each parameter FastAPI resolves costs every request)."""
    service = service_of(request)
    chosen = await service.engine_for(_named_engine(request))
    refresh = "no-cache" in request.headers.get("cache-control", "").lower()
    key = request.headers.get("idempotency-key")
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        detail = f"header.idempotency-key: at most {IDEMPOTENCY_KEY_MAX} characters"
        raise InvalidRequest(detail, [detail])
    body = await read_limited(request, service.settings.max_body_bytes)
    return Incoming(chosen, refresh, key or None, body)


IncomingDep = Annotated[Incoming, Depends(read_incoming)]


async def stored_summary(service: Service, summary_id: str) -> SummaryRecord:
    """The stored summary ``summary_id``, or NotFound naming it."""
    record = await service.summariser.get(summary_id)
    if record is None:
        raise NotFound(f"no summary with id {summary_id!r}")
    return record
