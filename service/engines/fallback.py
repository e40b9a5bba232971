"""Fallback: when the LLM engine fails after its retries, the rules engine answers.

The result says so: ``meta.engine`` is ``rules``, ``meta.degraded`` is true and
``meta.degraded_reason`` carries the LLM's error. Bad input is never retried this way:
the rules engine would refuse it too.
"""

from __future__ import annotations

from dataclasses import replace

from service.engines.base import ArticleRequest, Engine, EngineRun
from service.errors import DeadlineExceeded, ExtractionFailed, ProviderError


class FallbackEngine:
    """The primary engine, and the fallback's answer when the primary fails."""

    def __init__(self, primary: Engine, fallback: Engine) -> None:
        self.primary = primary
        self.fallback = fallback

    @property
    def name(self) -> str:
        return self.primary.name

    @property
    def model(self) -> str | None:
        return self.primary.model

    @property
    def version(self) -> str:
        return self.primary.version

    async def aclose(self) -> None:
        await self.primary.aclose()
        await self.fallback.aclose()

    async def extract(self, article: ArticleRequest) -> EngineRun:
        try:
            return await self.primary.extract(article)
        except (ProviderError, DeadlineExceeded, ExtractionFailed) as error:
            run = await self.fallback.extract(article)
            return replace(
                run,
                engine=self.fallback,
                degraded_reason=f"{self.primary.name} failed ({error.kind}): {error.detail}",
                attempts=error.attempts,
                requests=error.requests,
                usage=error.usage,
            )
