"""Fallback: when the LLM engine fails after its retries, the rules engine answers.

The result says so: ``meta.engine`` is ``rules``, ``meta.degraded`` is true and
``meta.degraded_reason`` carries the LLM's error. Bad input is never retried this way:
the rules engine would refuse it too.

When the caller has a deadline (an HTTP request, a job), the LLM engine is given less:
the caller's deadline minus a reserve for the rules engine, so a provider that never
answers still leaves time for the fallback's answer within the caller's deadline.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from service.engines.base import ArticleRequest, Batch, Engine, EngineRun
from service.errors import DeadlineExceeded, ExtractionFailed, ProviderError

# Kept for the fallback out of a caller's deadline: this share of the time left, at most
# RESERVE_MAX_S (the rules engine reads a long article in well under a second).
RESERVE_SHARE = 0.25
RESERVE_MAX_S = 10.0


def primary_deadline(deadline: float, now: float) -> float:
    """The deadline the primary engine gets out of the caller's ``deadline``."""
    return deadline - min(RESERVE_MAX_S, max(0.0, deadline - now) * RESERVE_SHARE)


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

    @property
    def settings_key(self) -> str:
        return self.primary.settings_key

    @property
    def batch(self) -> Batch | None:
        return self.primary.batch

    async def aclose(self) -> None:
        await self.primary.aclose()
        await self.fallback.aclose()

    async def extract(self, article: ArticleRequest) -> EngineRun:
        asked = article
        if article.deadline is not None:
            now = asyncio.get_running_loop().time()
            asked = replace(article, deadline=primary_deadline(article.deadline, now))
        try:
            return await self.primary.extract(asked)
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
