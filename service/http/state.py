"""What the HTTP app holds for its lifetime, and the dependencies that hand it to routes."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from service.cache import SummaryCache
from service.engines import Engine, build_engine, choose
from service.errors import ConfigurationError
from service.http.problems import EngineUnavailable, Unauthorized
from service.metrics import Metrics
from service.settings import EngineName, Settings
from service.store import Store


@dataclass
class Service:
    """Settings, store, cache, metrics and the engines built so far."""

    settings: Settings
    store: Store
    cache: SummaryCache
    metrics: Metrics
    engines: dict[str, Engine] = field(default_factory=dict)

    def engine(self, requested: EngineName | None) -> Engine:
        """The engine for a request: asked for, else MILESTONES_ENGINE, else auto."""
        try:
            choice = choose(self.settings, requested)
        except ConfigurationError as error:
            raise EngineUnavailable(error.detail) from None
        if choice.name not in self.engines:
            # The service answers with the rules when the LLM fails, unless told not to.
            fallback = True if self.settings.fallback is None else self.settings.fallback
            self.engines[choice.name] = build_engine(choice, self.settings, fallback=fallback)
        return self.engines[choice.name]

    async def aclose(self) -> None:
        for engine in self.engines.values():
            await engine.aclose()
        self.store.close()


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def require_api_key(request: Request, service: ServiceDep) -> None:
    """Bearer API key, compared in constant time against every configured key."""
    keys = service.settings.api_key_list()
    if not keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    given = token.strip().encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key.encode())
    if scheme.lower() != "bearer" or not matched:
        raise Unauthorized("send a valid API key as 'Authorization: Bearer <key>'")


AuthDep = Depends(require_api_key)
