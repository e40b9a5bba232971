"""Engines: what turns an article into a validated extraction.

``llm`` asks a chat model; ``rules`` reads the article with deterministic rules, offline.
The engine is chosen by settings (``MILESTONES_ENGINE``) or per call; ``auto`` picks the
model when one is configured (``OPENAI_API_KEY`` or ``OPENAI_BASE_URL``) and the rules
otherwise. With ``MILESTONES_FALLBACK`` on, an LLM engine that fails after its retries
hands the article to the rules engine (``FallbackEngine``).
"""

from __future__ import annotations

from dataclasses import dataclass

from service.engines.base import ArticleRequest, Batch, BatchSettings, Engine, EngineRun
from service.engines.transport import RequestGate
from service.errors import ConfigurationError
from service.settings import EngineName, Settings

__all__ = [
    "ArticleRequest",
    "Batch",
    "BatchSettings",
    "Engine",
    "EngineChoice",
    "EngineRun",
    "RequestGate",
    "build_engine",
    "choose",
]

NO_MODEL = (
    "no model is configured: set OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL (for an "
    "OpenAI-compatible server such as vLLM, Ollama or LiteLLM), and MILESTONES_MODEL"
)


@dataclass(frozen=True)
class EngineChoice:
    """Which engine runs, and why."""

    name: str
    reason: str


def choose(settings: Settings, requested: EngineName | None = None) -> EngineChoice:
    """Resolve ``auto`` to a concrete engine, saying why."""
    wanted = requested or settings.engine
    if wanted == "llm":
        if not settings.model_configured:
            raise ConfigurationError(f"the llm engine was asked for, but {NO_MODEL}")
        return EngineChoice("llm", "asked for")
    if wanted == "rules":
        return EngineChoice("rules", "asked for")
    if settings.model_configured:
        where = settings.openai_base_url or "OpenAI"
        return EngineChoice("llm", f"auto: a model endpoint is configured ({where})")
    return EngineChoice(
        "rules", "auto: no model endpoint is configured (OPENAI_API_KEY or OPENAI_BASE_URL)"
    )


def build_engine(
    choice: EngineChoice,
    settings: Settings,
    *,
    service: bool = False,
    gate: RequestGate | None = None,
) -> Engine:
    """Construct the chosen engine: every front end builds its engine here. An LLM engine
    has the rules as fallback when ``settings.fallback`` is on; unset, it is on for the
    HTTP ``service`` only (decided here, nowhere else). ``gate`` paces its model requests
    (a bulk run's rate limiter)."""
    from service.engines.fallback import FallbackEngine
    from service.engines.llm import LLMEngine
    from service.engines.rules import RulesEngine

    if choice.name == "rules":
        return RulesEngine()
    llm = LLMEngine(settings, gate=gate)
    use_fallback = settings.fallback if settings.fallback is not None else service
    return FallbackEngine(llm, RulesEngine()) if use_fallback else llm
