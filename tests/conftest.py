"""Shared fixtures: a clean environment, settings pointing at a stubbed model, an engine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx

from service.engines.llm import LLMEngine
from service.settings import Settings
from tests.model_stub import BASE_URL


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's model key, endpoint or settings, and the default
    store is the test's own (commands keep what they summarise)."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "MILESTONES_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/default-store.sqlite3")


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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway schema in the PostgreSQL of TEST_DATABASE_URL.

    Unset: the test is skipped, with the reason. Set but unreachable: the test fails
    (CI sets it, and a missing server must not pass as a skip)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped (.ci/run sets it)")
    schema = f"milestones_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine("postgresql+psycopg://" + url.split("://", 1)[1])
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as error:
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}")
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's URL: embedded SQLite, and the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.sqlite3"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def site() -> Iterator[Any]:
    """A site on loopback whose pages and feeds a test sets (``tests/doubles/pages.py``)."""
    from tests.doubles.pages import serving

    with serving() as serving_site:
        yield serving_site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium driven by Playwright (``tests/doubles/browser.py``)."""
    from tests.doubles.browser import launch

    yield from launch()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``-m "not slow"`` (``make check``), a module that is slow as a whole
    (``pytestmark = pytest.mark.slow``) is not even imported: its imports (a browser
    driver, a fuzzer building its schema) are most of its cost."""
    if config.getoption("markexpr", "") != "not slow" or collection_path.suffix != ".py":
        return None
    head = collection_path.read_text(encoding="utf-8")[:4000]
    return True if "\npytestmark = pytest.mark.slow" in head else None
