"""The job worker: takes jobs from the store, runs them, delivers their webhooks, and
polls the registered feeds that are due.

One runs in each replica of the service (in the app's lifespan). It polls the store,
and is woken at once when its own replica queues a job or finishes one. A job runs
under a lease it keeps renewing; when the replica stops, the jobs it was running go
back to the queue; when it dies, their leases lapse and another worker (or this one,
restarted) takes them again. Transient failures (503, 504) are retried with backoff
up to ``MILESTONES_JOB_MAX_ATTEMPTS``; webhooks up to ``MILESTONES_WEBHOOK_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from service import calls
from service.backoff import Backoff
from service.errors import JobInterrupted
from service.jobs.delivery import Deliverer
from service.metrics import Metrics
from service.offload import store_call
from service.settings import Settings
from service.store.calls import CallStore
from service.store.queue import DeliveryState, Job, JobQueue

log = logging.getLogger("milestones.jobs")
PURGE_EVERY_S = 3600.0  # how often a worker deletes jobs past their retention


class JobHandler(Protocol):
    """What the worker needs from the service: run a job's request, describe a failure,
    and render the webhook payload of a finished job."""

    async def run(self, request: str) -> str:
        """The result (JSON) of a job's request; raises when it fails."""
        ...

    def problem(self, error: BaseException) -> tuple[str, bool]:
        """(the problem document as JSON, whether the failure is transient)."""
        ...

    def payload(self, job: Job) -> bytes:
        """The body of the webhook for a finished job."""
        ...


class FeedPolling(Protocol):
    """What the worker needs to poll the registered feeds (``service.http.feed_poller``)."""

    def due(self, owner: str, limit: int) -> list[Any]:
        """Feeds due now, taken for ``owner`` (blocking)."""
        ...

    async def poll(self, feed: Any, owner: str) -> object:
        """Read a feed taken, queue its new items' jobs and record the poll."""
        ...


class JobWorker:
    """Runs jobs and sends webhooks for one replica."""

    def __init__(
        self,
        jobs: JobQueue,
        handler: JobHandler,
        settings: Settings,
        deliverer: Deliverer | None,
        metrics: Metrics | None = None,
        call_log: CallStore | None = None,
        feeds: FeedPolling | None = None,
    ) -> None:
        self.jobs = jobs
        self.feeds = feeds
        self.call_log = call_log  # purged of calls past their retention, with the jobs
        self.handler = handler
        self.settings = settings
        self.deliverer = deliverer
        self.metrics = metrics or Metrics()
        self.owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._sending: set[asyncio.Task[None]] = set()
        self._polling: set[asyncio.Task[None]] = set()
        self._purged_at: float | None = None  # at start, then every PURGE_EVERY_S
        self._stopping = False
        self._job_backoff = Backoff(settings.job_backoff_initial_s, settings.job_backoff_max_s)
        self._webhook_backoff = Backoff(
            settings.webhook_backoff_initial_s, settings.webhook_backoff_max_s
        )

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name="milestones-jobs")

    def wake(self) -> None:
        """Look for work now (a job was queued, or finished with a webhook to send)."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop taking work; the jobs running now go back to the queue for later."""
        if self._loop_task is not None:
            self._stopping = True  # the loop ends between two looks at the store
            self.wake()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        tasks = self._running | self._sending | self._polling
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.deliverer is not None:
            await self.deliverer.aclose()

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._take_work()
                failures = 0
            except Exception:
                # The store is down, say: keep going, more slowly, and say so.
                failures += 1
                log.exception("the job worker could not reach the store (try %d)", failures)
            if self._stopping:
                return
            self._wake.clear()
            pause = self.settings.job_poll_s * min(2**failures, 30)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            except TimeoutError:
                pass

    async def _take_work(self) -> None:
        settings = self.settings
        if self._purged_at is None or time.monotonic() - self._purged_at > PURGE_EVERY_S:
            self._purged_at = time.monotonic()
            cutoff = datetime.now(UTC) - timedelta(days=settings.job_retention_days)
            gone = await store_call(self.jobs.purge, cutoff)
            if gone:
                log.info("deleted %d jobs that ended before %s", gone, cutoff.isoformat())
            if self.call_log is not None:
                since = datetime.now(UTC) - timedelta(days=settings.call_log_retention_days)
                gone = await store_call(self.call_log.purge, since)
                if gone:
                    log.info("deleted %d logged model calls from before %s", gone, since)
        free = settings.job_workers - len(self._running)
        if free > 0:
            taken = await store_call(self.jobs.claim, self.owner, free, settings.job_lease_s)
            for job in taken:
                self._spawn(self._running, self._run(job))
        free = settings.webhook_concurrency - len(self._sending)
        if self.deliverer is not None and free > 0:
            # Held longer than one attempt can take, so no other replica sends it too.
            lease = settings.job_lease_s + settings.webhook_timeout_s
            due = await store_call(self.jobs.claim_deliveries, self.owner, free, lease)
            for job in due:
                self._spawn(self._sending, self._deliver(job, self.deliverer))
        free = settings.feed_polls_at_once - len(self._polling)
        if self.feeds is not None and free > 0:
            for feed in await store_call(self.feeds.due, self.owner, free):
                self._spawn(self._polling, self._poll(self.feeds, feed))

    async def _poll(self, feeds: FeedPolling, feed: object) -> None:
        try:
            await feeds.poll(feed, self.owner)
        except asyncio.CancelledError:
            raise  # stopping: the feed's lease lapses, and it is polled again then
        except Exception:
            # A bug, or the store down: the lease lapses and the feed is polled again.
            log.exception("a feed poll failed unexpectedly")

    def _spawn(self, tasks: set[asyncio.Task[None]], work: object) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)  # type: ignore[arg-type]
        tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            tasks.discard(finished)
            self.wake()  # a slot is free; a finished job may have a webhook due

        task.add_done_callback(done)

    async def _run(self, job: Job) -> None:
        settings = self.settings
        if job.attempts > settings.job_max_attempts:
            # Taken again and again and never finished: its replicas died running it.
            interrupted = JobInterrupted(
                f"the job was interrupted {job.attempts - 1} times without finishing"
            )
            problem, _ = self.handler.problem(interrupted)
            await store_call(self.jobs.finish, job.id, self.owner, problem=problem)
            return
        renewing = asyncio.create_task(self._renew(job.id))
        calls.ORIGIN.set(("job", job.id))  # the call log says which job asked (this task's)
        try:
            result = await self.handler.run(job.request)
        except asyncio.CancelledError:
            # This replica is stopping: the job goes back to the queue, attempt uncounted.
            renewing.cancel()
            await store_call(self.jobs.requeue, job.id, self.owner, time.time(), counts=False)
            self.metrics.jobs.labels("requeued").inc()
            raise
        except Exception as error:
            renewing.cancel()
            problem, transient = self.handler.problem(error)
            if transient and job.attempts < settings.job_max_attempts:
                delay = self._job_backoff.before(job.attempts)
                await store_call(self.jobs.requeue, job.id, self.owner, time.time() + delay)
                log.info("job %s: transient failure, retry in %.1f s", job.id, delay)
                self.metrics.jobs.labels("retried").inc()
                return
            finished = await store_call(self.jobs.finish, job.id, self.owner, problem=problem)
            outcome = "failed"
        else:
            renewing.cancel()
            finished = await store_call(self.jobs.finish, job.id, self.owner, result=result)
            outcome = "succeeded"
        if finished:
            self.metrics.jobs.labels(outcome).inc()
        else:
            log.warning("job %s: lease lost while running; another worker owns it", job.id)

    async def _renew(self, job_id: str) -> None:
        lease = self.settings.job_lease_s
        while True:
            await asyncio.sleep(lease / 3)
            try:
                held = await store_call(self.jobs.renew, job_id, self.owner, lease)
            except Exception:
                log.exception("job %s: could not renew its lease (will try again)", job_id)
                continue
            if not held:
                return

    async def _deliver(self, job: Job, deliverer: Deliverer) -> None:
        settings = self.settings
        assert job.callback_url is not None
        number = job.delivery_attempts + 1
        attempt = await deliverer.send(job.callback_url, job.id, self.handler.payload(job), number)
        retry_at = None
        state: DeliveryState
        if attempt.error is None:
            state = "delivered"
        elif number >= settings.webhook_max_attempts:
            state = "failed"
            log.warning("job %s: webhook not delivered after %d attempts", job.id, number)
        else:
            state = "pending"
            delay = self._webhook_backoff.before(number)
            retry_at = time.time() + delay
        await store_call(self.jobs.record_delivery, job.id, self.owner, attempt, state, retry_at)
        self.metrics.deliveries.labels("retrying" if state == "pending" else state).inc()
