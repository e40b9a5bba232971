"""The call log of a summary: the model calls that made it (``service.calls``)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from service.http.models import ModelCallPublic
from service.http.openapi import problem_responses
from service.http.state import AuthDep, ServiceDep, stored_summary
from service.store.calls import CALLS_SHOWN, LoggedCall

router = APIRouter(prefix="/v1", tags=["calls"], dependencies=[AuthDep])


def public_call(call: LoggedCall) -> ModelCallPublic:
    return ModelCallPublic.model_validate(call.as_json())


@router.get(
    "/summaries/{summary_id}/calls",
    summary="The model calls that made a summary",
    response_model=list[ModelCallPublic],
    responses=problem_responses(401, 404, 503),
)
@router.get(
    "/summaries/{summary_id}/attempts",
    summary="The model calls that made a summary (old path of /calls)",
    response_model=list[ModelCallPublic],
    responses=problem_responses(401, 404, 503),
    deprecated=True,
)
async def read_calls(summary_id: str, service: ServiceDep) -> list[ModelCallPublic]:
    """Every model call of the extractions that made the summary, oldest first: the
    raw answer, the validation errors fed back when it was re-asked, the HTTP status,
    transport tries and waits, tokens and latency. Empty when the rules engine made it
    or the call log is off (``MILESTONES_CALL_LOG``)."""
    await stored_summary(service, summary_id)
    found = await asyncio.to_thread(
        service.store.calls.logs, summary_id=summary_id, limit=CALLS_SHOWN
    )
    return [public_call(c) for c in found]
