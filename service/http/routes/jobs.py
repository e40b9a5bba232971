"""Jobs: an article summarised in the background, its outcome sent to a callback URL."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from service.errors import InvalidRequest, NotFound
from service.http.body import parse_article
from service.http.idempotency import scoped_key
from service.http.job_runner import JobRequest, public_job
from service.http.models import JobCreate, JobPublic
from service.http.openapi import article_body, problem_responses
from service.http.routes.calls import public_call
from service.http.state import AuthDep, IncomingDep, ServiceDep
from service.http.summary import fetched
from service.offload import off_loop_for
from service.store.alerts import ALERT_JOB
from service.store.calls import CALLS_SHOWN

router = APIRouter(prefix="/v1", tags=["jobs"], dependencies=[AuthDep])


@router.post(
    "/jobs",
    summary="Summarise an article in the background",
    status_code=202,
    response_model=JobPublic,
    responses=problem_responses(400, 401, 413, 415, 422, 503),
    openapi_extra=article_body(JobCreate, callback_url="https://cms.example.com/hooks/milestones"),
)
async def create_job(
    request: Request,
    service: ServiceDep,
    incoming: IncomingDep,
    callback_url: Annotated[
        str | None,
        Query(max_length=2048, description="For a text, HTML or ninjs body: the callback URL."),
    ] = None,
) -> Response:
    """Queue the article; ``202 Accepted`` with ``Location: /v1/jobs/{id}``. With a
    ``callback_url``, the outcome is POSTed there, signed per Standard Webhooks, and
    retried with backoff while the receiver fails. The same ``Idempotency-Key`` with the
    same request gives the same job back; with another request, 422."""
    chosen, refresh, raw = incoming.engine, incoming.refresh, incoming.body
    content_type = request.headers.get("content-type", "")
    parsed = await off_loop_for(len(raw), parse_article, content_type, raw, JobCreate)
    if callback_url and parsed.callback_url and callback_url != parsed.callback_url:
        detail = "callback_url is given twice (query and body), differently: give it once"
        raise InvalidRequest(detail, [detail])
    callback = parsed.callback_url or callback_url
    if callback is not None:
        await service.check_callback(callback, "poll GET /v1/jobs/{id} instead")
    parsed = await fetched(service, parsed)  # only a URL: the page, fetched now
    assert parsed.article is not None
    # An empty or boilerplate-only article is refused now, not later.
    await service.summariser.prepare(parsed.article)
    wanted = JobRequest.of(parsed, chosen.name, refresh).model_dump_json()
    key = None
    if incoming.idempotency_key:
        key = scoped_key(request, "jobs", incoming.idempotency_key, chosen.name, raw)
    job, created = await asyncio.to_thread(service.store.jobs.enqueue, wanted, callback, key)
    headers = {"Location": f"/v1/jobs/{job.id}"}
    if created:
        if service.worker is not None:
            service.worker.wake()
        body = public_job(job)
    else:
        headers["Idempotent-Replayed"] = "true"
        body = public_job(job, await asyncio.to_thread(service.store.jobs.deliveries, job.id))
    return Response(
        body.model_dump_json(), status_code=202, media_type="application/json", headers=headers
    )


@router.get(
    "/jobs/{job_id}",
    summary="A job: its status, outcome and webhook deliveries",
    response_model=JobPublic,
    responses=problem_responses(401, 404, 503),
)
async def read_job(job_id: str, service: ServiceDep) -> Response:
    """The job's status (queued, running, succeeded, failed), its summary or problem
    document once it has ended, the log of its webhook deliveries, and the model
    calls its runs made (the call log)."""
    job = await asyncio.to_thread(service.store.jobs.get, job_id)
    if job is None or job.id.startswith(ALERT_JOB):  # an alert's delivery: see its search
        raise NotFound(f"no job with id {job_id!r}")
    log = await asyncio.to_thread(service.store.jobs.deliveries, job_id)
    made = await asyncio.to_thread(service.store.calls.logs, job_id=job_id, limit=CALLS_SHOWN)
    public = public_job(job, log)
    public.model_calls = [public_call(c) for c in made]
    return Response(public.model_dump_json(), media_type="application/json")
