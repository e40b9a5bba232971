"""Engines: what turns an article into a validated extraction.

``llm`` asks a chat model. The engine is chosen by settings (``MILESTONES_ENGINE``) or
per call; ``auto`` picks the model when one is configured.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.engines.base import ArticleRequest, Engine, EngineRun
from service.errors import ConfigurationError
from service.settings import EngineName, Settings

__all__ = ["ArticleRequest", "Engine", "EngineChoice", "EngineRun", "build_engine", "choose"]

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
        raise ConfigurationError("the rules engine is not available yet")
    if settings.model_configured:
        where = settings.openai_base_url or "OpenAI"
        return EngineChoice("llm", f"a model endpoint is configured ({where})")
    raise ConfigurationError(NO_MODEL)


def build_engine(choice: EngineChoice, settings: Settings) -> Engine:
    """Construct the chosen engine."""
    from service.engines.llm import LLMEngine

    return LLMEngine(settings)
