"""What every engine is: something that reads an article and returns a valid extraction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from schemas import TokenUsage
from schemas.v1 import Extraction
from service.article import PreparedArticle


@dataclass(frozen=True)
class ArticleRequest:
    """One article, prepared and ready for an engine, and the caller's deadline."""

    prepared: PreparedArticle
    # Event-loop time (``loop.time()``) by which the engine must answer, if the caller
    # has a deadline of its own (an HTTP request, a job).
    deadline: float | None = None

    @property
    def clean_text(self) -> str:
        """The cleaned text, invisible characters left out: what the engine reads."""
        return self.prepared.clean_text

    @property
    def published_at(self) -> date | None:
        return self.prepared.article.published_at

    @property
    def source(self) -> str | None:
        return self.prepared.article.source


@dataclass(frozen=True)
class EngineRun:
    """An engine's valid extraction, and what it took to get it."""

    extraction: Extraction
    attempts: int = 1
    requests: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage.zero)
    # Set when another engine than the one asked produced the extraction (a fallback).
    engine: Engine | None = None
    degraded_reason: str | None = None


class Batch(Protocol):
    """An engine's way to send many articles as one provider batch (``--batch-api``)."""

    def request_line(self, custom_id: str, article: ArticleRequest) -> str:
        """One line of the batch's input file."""
        ...

    async def run(self, requests: Path, settings: BatchSettings) -> dict[str, dict[str, Any]]:
        """Run the batch; its answers by custom id."""
        ...

    def parse(self, answer: dict[str, Any] | None, article: PreparedArticle) -> EngineRun | None:
        """The validated extraction in an answer, or None (then the normal path runs)."""
        ...


@dataclass(frozen=True)
class BatchSettings:
    """How a batch is waited for."""

    poll_s: float = 30.0
    timeout_s: float = 24 * 3600.0


class Engine(Protocol):
    """Reads one article and returns an extraction that passed validation."""

    @property
    def name(self) -> str:
        """``llm`` or ``rules``."""

    @property
    def model(self) -> str | None:
        """The model it asks, if any."""

    @property
    def version(self) -> str:
        """The prompt (or rule set) version, recorded in every result."""

    @property
    def settings_key(self) -> str:
        """What else changes its answers (endpoint, mode, temperature …), for the cache
        key; empty when nothing does."""

    async def extract(self, article: ArticleRequest) -> EngineRun:
        """Extract the article's summary; raises a ``MilestonesError`` on failure."""
        ...

    @property
    def batch(self) -> Batch | None:
        """Its batch capability, if it has one."""

    async def aclose(self) -> None:
        """Release connections."""
