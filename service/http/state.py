"""What the HTTP app holds for its lifetime, and the dependencies that hand it to routes."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from service.engines import Engine, build_engine, choose
from service.errors import ConfigurationError, EngineUnavailable, Unauthorized
from service.http.body import read_limited
from service.http.recent import RecentResponses
from service.jobs.callbacks import CallbackPolicy
from service.jobs.worker import JobWorker
from service.metrics import Metrics
from service.pipeline import Summariser
from service.settings import EngineName, Settings
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
    engines: dict[str, Engine] = field(default_factory=dict)
    _by_request: dict[str | None, Engine] = field(default_factory=dict)
    api_keys: list[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self.api_keys = [key.encode() for key in self.settings.api_key_list()]

    def engine(self, requested: EngineName | None) -> Engine:
        """The engine for a request: asked for, else MILESTONES_ENGINE, else auto."""
        known = self._by_request.get(requested)
        if known is not None:
            return known
        try:
            choice = choose(self.settings, requested)
        except ConfigurationError as error:
            raise EngineUnavailable(error.detail) from None
        if choice.name not in self.engines:
            # The service answers with the rules when the LLM fails, unless told not to.
            fallback = True if self.settings.fallback is None else self.settings.fallback
            self.engines[choice.name] = build_engine(choice, self.settings, fallback=fallback)
        self._by_request[requested] = self.engines[choice.name]
        return self.engines[choice.name]

    async def aclose(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
            self.worker = None
        for engine in self.engines.values():
            await engine.aclose()
        self.store.close()


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def require_api_key(request: Request, service: ServiceDep) -> None:
    """Bearer API key, compared in constant time against every configured key."""
    if not service.api_keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    given = token.strip().encode()
    matched = False
    for key in service.api_keys:
        matched |= hmac.compare_digest(given, key)
    if scheme.lower() != "bearer" or not matched:
        raise Unauthorized("send a valid API key as 'Authorization: Bearer <key>'")


AuthDep = Depends(require_api_key)


@dataclass(frozen=True)
class Incoming:
    """A request to summarise an article: the engine for it, whether to bypass the
    cache, and its raw body (read within the size limit)."""

    engine: Engine
    refresh: bool
    body: bytes


async def read_incoming(
    request: Request,
    service: ServiceDep,
    engine: Annotated[
        EngineName | None, Query(description="auto, llm or rules (default: the service's).")
    ] = None,
    x_milestones_engine: Annotated[EngineName | None, Header()] = None,
    cache_control: Annotated[str | None, Header()] = None,
) -> Incoming:
    """The engine (``?engine=`` or ``X-Milestones-Engine:``), ``Cache-Control: no-cache``,
    and the body, as POST /v1/summaries and POST /v1/jobs both take them."""
    chosen = service.engine(engine or x_milestones_engine)
    refresh = "no-cache" in (cache_control or "").lower()
    return Incoming(chosen, refresh, await read_limited(request, service.settings.max_body_bytes))


IncomingDep = Annotated[Incoming, Depends(read_incoming)]
