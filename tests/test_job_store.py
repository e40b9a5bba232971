"""The job queue in the store: claims, leases, fencing, and several workers at once —
on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.app import create_app
from service.errors import IdempotencyKeyReused
from service.settings import Settings
from service.store import Store
from service.store.queue import DeliveryAttempt, JobQueue
from tests.articles import ARTICLE


@pytest.fixture
def jobs(store_url: str) -> Any:
    store = Store(store_url)
    yield store.jobs
    store.close()


def test_a_queued_job_is_taken_once_and_its_lease_keeps_others_off(jobs: JobQueue) -> None:
    job, created = jobs.enqueue('{"x": 1}', None, None)
    assert created and job.status == "queued" and job.attempts == 0
    [taken] = jobs.claim("a", 5, lease_s=30)
    assert taken.id == job.id and taken.status == "running" and taken.attempts == 1
    assert jobs.claim("b", 5, lease_s=30) == []
    assert jobs.renew(job.id, "a", 30) and not jobs.renew(job.id, "b", 30)


def test_a_lapsed_lease_lets_another_worker_take_the_job_and_fences_the_first(
    jobs: JobQueue,
) -> None:
    job, _ = jobs.enqueue("{}", None, None)
    jobs.claim("dying", 1, lease_s=0.05)
    time.sleep(0.1)
    [again] = jobs.claim("alive", 1, lease_s=30)
    assert again.id == job.id and again.attempts == 2
    assert not jobs.finish(job.id, "dying", result='{"late": true}')
    assert jobs.finish(job.id, "alive", result='{"ok": true}')
    ended = jobs.get(job.id)
    assert ended is not None and ended.status == "succeeded" and ended.result == '{"ok": true}'
    assert not jobs.finish(job.id, "alive", result="{}")  # ended once


def test_a_finished_job_with_a_callback_is_due_for_delivery_once(jobs: JobQueue) -> None:
    job, _ = jobs.enqueue("{}", "https://cms.example.com/hook", None)
    quiet, _ = jobs.enqueue("{}", None, None)
    jobs.claim("w", 2, lease_s=30)
    jobs.finish(job.id, "w", result="{}")
    jobs.finish(quiet.id, "w", problem='{"status": 502}')
    [due] = jobs.claim_deliveries("w", 10, lease_s=30)
    assert due.id == job.id and jobs.claim_deliveries("other", 10, lease_s=30) == []
    failed = DeliveryAttempt(1, datetime.now(UTC), 500, "the receiver answered 500", 3.0)
    assert not jobs.record_delivery(job.id, "other", failed, "pending", time.time())
    assert jobs.record_delivery(job.id, "w", failed, "pending", time.time() + 0.05)
    assert jobs.claim_deliveries("w", 10, lease_s=30) == []  # not yet: backing off
    time.sleep(0.1)
    [retry] = jobs.claim_deliveries("w", 10, lease_s=30)
    assert retry.delivery_attempts == 1
    ok = DeliveryAttempt(2, datetime.now(UTC), 200, None, 2.0)
    assert jobs.record_delivery(job.id, "w", ok, "delivered")
    assert [a.status_code for a in jobs.deliveries(job.id)] == [500, 200]
    assert jobs.get(job.id).delivery == "delivered"  # type: ignore[union-attr]
    assert jobs.get(quiet.id).delivery == "none"  # type: ignore[union-attr]


def test_an_idempotency_key_names_one_job(jobs: JobQueue) -> None:
    first, created = jobs.enqueue("{}", None, ("k", "fingerprint-1"))
    again, created_again = jobs.enqueue("{}", None, ("k", "fingerprint-1"))
    assert created and not created_again and again.id == first.id
    with pytest.raises(IdempotencyKeyReused):
        jobs.enqueue("{}", None, ("k", "fingerprint-2"))


def test_workers_claiming_at_once_never_take_the_same_job(store_url: str) -> None:
    """Four workers, each with its own connection pool, race over 60 jobs."""
    stores = [Store(store_url) for _ in range(4)]
    queues = [store.jobs for store in stores]
    made = {queues[0].enqueue("{}", None, None)[0].id for _ in range(60)}
    taken: list[list[str]] = [[] for _ in queues]
    start = threading.Barrier(len(queues))

    def work(index: int) -> None:
        start.wait()
        while batch := queues[index].claim(f"w{index}", 3, lease_s=30):
            taken[index].extend(job.id for job in batch)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(queues))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [job_id for mine in taken for job_id in mine]
    assert sorted(everything) == sorted(made)  # each job taken, none twice
    for store in stores:
        store.close()


async def test_two_replicas_run_every_job_exactly_once(store_url: str) -> None:
    """Two apps on one store, each with its worker: every job succeeds after one run."""
    fields: dict[str, Any] = {"engine": "rules", "database_url": store_url, "job_poll_s": 0.01}
    apps = [create_app(Settings(**fields, job_workers=3)) for _ in range(2)]
    queue = apps[0].state.service.store.jobs
    ids = []
    for n in range(30):
        request = {"text": f"{ARTICLE}\n\nUpdate number {n}.", "engine": "rules"}
        ids.append(queue.enqueue(json.dumps(request), None, None)[0].id)
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while True:
            ended = [queue.get(i) for i in ids]
            if all(j is not None and j.status in ("succeeded", "failed") for j in ended):
                break
            assert loop.time() < deadline, "the jobs did not all finish"
            await asyncio.sleep(0.05)
    assert all(j is not None and j.status == "succeeded" for j in ended)
    assert all(j is not None and j.attempts == 1 for j in ended)  # a second run claims again
    assert all(app.state.service.worker is None for app in apps)  # stopped with the lifespan


def test_ended_jobs_past_their_retention_are_deleted_with_their_log_and_key(
    jobs: JobQueue,
) -> None:
    old, _ = jobs.enqueue("{}", "https://cms.example.com/hook", ("caller:jobs:k", "f"))
    still_sending, _ = jobs.enqueue("{}", "https://cms.example.com/hook", None)
    running, _ = jobs.enqueue("{}", None, None)
    jobs.claim("w", 3, lease_s=30)
    for job in (old, still_sending):
        jobs.finish(job.id, "w", result="{}")
    jobs.claim_deliveries("w", 1, lease_s=30)  # the oldest due: `old`
    attempt = DeliveryAttempt(1, datetime.now(UTC), 200, None, 1.0)
    assert jobs.record_delivery(old.id, "w", attempt, "delivered")
    cutoff = datetime.now(UTC) + timedelta(seconds=1)  # everything ended counts as old
    assert jobs.purge(cutoff) == 1
    assert jobs.get(old.id) is None and jobs.deliveries(old.id) == []
    assert jobs.get(still_sending.id) is not None  # its webhook is still due
    assert jobs.get(running.id) is not None  # not ended
    again, created = jobs.enqueue("{}", None, ("caller:jobs:k", "other"))
    assert created and again.id != old.id  # the key went with its job
