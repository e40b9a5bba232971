"""Jobs as the service runs and shows them: what a job stores of its request, how the
worker runs it (as POST /v1/summaries would), and its public form."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

from pydantic import BaseModel

from service.article import Article
from service.errors import MilestonesError
from service.http.body import Parsed
from service.http.models import (
    DeliveryPublic,
    JobPublic,
    Problem,
    SummaryPublic,
    WebhookEvent,
    WebhookPublic,
)
from service.http.problems import for_error
from service.http.state import Service
from service.http.summary import public_summary, url_summary
from service.inputs import ArticleInput
from service.settings import EngineName
from service.store.alerts import ALERT_JOB
from service.store.queue import DeliveryAttempt, Job

log = logging.getLogger("milestones.jobs")


class JobRequest(BaseModel):
    """What a job keeps of its request: the article as converted (an HTML page's text
    already extracted), or the URL of the page to fetch when it runs (a feed's item),
    the feed and item it came from, and the options."""

    text: str = ""
    published_at: date | None = None
    source: str | None = None
    url: str | None = None
    article_id: str | None = None
    extracted: bool = False
    engine: EngineName
    refresh: bool = False
    fetch_url: str | None = None  # fetched when the job runs
    feed: str | None = None  # the feed (its URL) and the item (its guid or link) it is
    feed_item: str | None = None

    @classmethod
    def of(cls, parsed: Parsed, engine: str, refresh: bool) -> JobRequest:
        """A parsed request, with the engine chosen for it now (kept across restarts);
        its article read already (a page given by URL fetched)."""
        article = parsed.article
        assert article is not None, "a page given by its URL is fetched before it is queued"
        return cls.model_validate(
            {
                "text": article.text,
                "published_at": article.published_at,
                "source": article.source,
                "url": article.url,
                "article_id": article.id,
                "extracted": parsed.extracted,
                "engine": engine,
                "refresh": refresh,
            }
        )

    def article(self) -> Article:
        return Article(self.text, self.published_at, self.source, self.url, self.article_id)


class JobRunner:
    """The worker's view of the service (a JobHandler)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def run(self, request: str) -> str:
        wanted = JobRequest.model_validate_json(request)
        service = self.service
        engine = await service.engine_for(wanted.engine)
        if wanted.fetch_url is not None:
            page = ArticleInput(
                url=wanted.fetch_url, source=wanted.source, published_at=wanted.published_at
            )
            public = await url_summary(service, page, engine, refresh=wanted.refresh)
        else:
            public = await public_summary(
                service,
                wanted.article(),
                engine,
                extracted=wanted.extracted,
                refresh=wanted.refresh,
            )
        if wanted.feed is not None and wanted.feed_item is not None:
            unstored = None if public.id else "the model failed and the rules answered: not stored"
            await asyncio.to_thread(
                service.store.fetches.done, wanted.feed, wanted.feed_item, public.id, unstored
            )
        return public.model_dump_json()

    def problem(self, error: BaseException) -> tuple[str, bool]:
        if not isinstance(error, MilestonesError):  # a bug: the job says only "internal"
            log.error("a job failed unexpectedly", exc_info=error)
        self.service.metrics.errors.labels(getattr(error, "kind", "internal")).inc()
        found = for_error(error, self.service.settings.retry_after_s)
        problem = Problem.model_validate(found.body).model_dump_json(exclude_none=True)
        return problem, isinstance(error, MilestonesError) and error.transient

    def payload(self, job: Job) -> bytes:
        if job.id.startswith(ALERT_JOB):  # a saved search's alert: its body, made then
            return (job.result or "{}").encode()
        event = WebhookEvent(
            type="job.succeeded" if job.status == "succeeded" else "job.failed",
            timestamp=job.finished_at or datetime.now(UTC),
            data=public_job(job),
        )
        return event.model_dump_json().encode()


def public_job(job: Job, log: list[DeliveryAttempt] | None = None) -> JobPublic:
    """A job as the API shows it; with ``log``, its webhook's delivery too."""
    webhook = None
    if log is not None and job.callback_url is not None and job.delivery != "none":
        after = job.delivery_after
        webhook = WebhookPublic(
            state=job.delivery,
            attempts=job.delivery_attempts,
            next_attempt_at=(
                datetime.fromtimestamp(after, UTC)
                if after is not None and job.delivery == "pending"
                else None
            ),
            log=[DeliveryPublic(**vars(attempt)) for attempt in log],
        )
    return JobPublic(
        id=job.id,
        status=job.status,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts,
        callback_url=job.callback_url,
        result=SummaryPublic.model_validate_json(job.result) if job.result else None,
        problem=Problem.model_validate_json(job.problem) if job.problem else None,
        webhook=webhook,
    )
