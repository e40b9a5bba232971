"""One backoff policy serves the transport's retries, a job's runs and a webhook's
deliveries: exponential, capped, with full jitter."""

from __future__ import annotations

import inspect

import pytest

from service.backoff import Backoff


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 5.0), (2, 10.0), (3, 20.0), (9, 60.0)])
def test_the_wait_before_a_retry_is_within_its_doubling_ceiling(
    attempt: int, ceiling: float
) -> None:
    policy = Backoff(initial_s=5.0, max_s=60.0)
    waits = [policy.before(attempt) for _ in range(200)]
    assert all(0 <= w <= ceiling for w in waits)
    assert max(waits) > ceiling / 2  # jittered over the range, not pinned to its floor


def test_no_wait_goes_past_the_cap_however_many_retries() -> None:
    policy = Backoff(initial_s=1.0, max_s=3.0)
    assert max(policy.before(n) for n in range(1, 200)) <= 3.0


def test_the_transport_and_the_job_worker_use_it_and_no_backoff_of_their_own() -> None:
    import service.engines.transport as transport
    import service.jobs.worker as worker

    for module in (transport, worker):
        source = inspect.getsource(module)
        assert "Backoff(" in source
        assert "2 **" not in source and "wait_random_exponential" not in source
