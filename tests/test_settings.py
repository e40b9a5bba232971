"""Settings: read from the environment, each named one way, old names kept for a release."""

from __future__ import annotations

import pytest

from service.settings import Settings, env_name, load_settings


def test_a_jobs_and_a_webhooks_first_wait_are_named_like_the_transports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MILESTONES_JOB_BACKOFF_INITIAL_S", "7")
    monkeypatch.setenv("MILESTONES_WEBHOOK_BACKOFF_INITIAL_S", "9")
    monkeypatch.setenv("MILESTONES_BACKOFF_INITIAL_S", "0.25")
    settings = load_settings()
    assert (settings.job_backoff_initial_s, settings.webhook_backoff_initial_s) == (7, 9)
    assert settings.backoff_initial_s == 0.25


def test_the_old_names_of_the_first_waits_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MILESTONES_JOB_BACKOFF_S", "3")
    monkeypatch.setenv("MILESTONES_WEBHOOK_BACKOFF_S", "4")
    settings = load_settings()
    assert (settings.job_backoff_initial_s, settings.webhook_backoff_initial_s) == (3, 4)
    assert Settings(job_backoff_s=2).job_backoff_initial_s == 2
    assert env_name("job_backoff_initial_s") == "MILESTONES_JOB_BACKOFF_S"  # the one set
