"""Shared fixtures: a clean environment, settings pointing at a stubbed model, an engine."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import respx

from service.engines.llm import LLMEngine
from service.settings import Settings
from tests.model_stub import BASE_URL


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's model key, endpoint or settings."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "MILESTONES_")):
            monkeypatch.delenv(name)


class Sleeps(list[float]):
    """A sleep that only records how long it was asked to wait."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def settings() -> Settings:
    return Settings(
        openai_api_key="test-key",
        openai_base_url=BASE_URL,
        model="test-model",
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
    )


@pytest.fixture
def engine(settings: Settings, sleeps: Sleeps) -> LLMEngine:
    return LLMEngine(settings, sleep=sleeps)


@pytest.fixture
def model() -> Iterator[respx.MockRouter]:
    """The stubbed model API; every request to any other host fails the test."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router
