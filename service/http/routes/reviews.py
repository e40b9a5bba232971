"""Reviews: an editor's verdicts on a summary's milestones, corrections and additions."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service.errors import NotFound
from service.http.openapi import problem_responses
from service.http.state import AuthDep, ServiceDep, stored_summary
from service.reviews import ReviewIn, ReviewPublic, check
from service.store import StoredReview

router = APIRouter(prefix="/v1", tags=["reviews"], dependencies=[AuthDep])


def public_review(stored: StoredReview) -> ReviewPublic:
    body = ReviewIn.model_validate_json(stored.body)
    return ReviewPublic(
        **body.model_dump(),
        id=stored.id,
        summary_id=stored.summary_id,
        reviewer=stored.reviewer,
        created_at=stored.created_at,
    )


@router.post(
    "/summaries/{summary_id}/reviews",
    summary="Review a summary",
    status_code=201,
    response_model=ReviewPublic,
    responses=problem_responses(400, 401, 404, 422, 503),
)
async def create_review(
    summary_id: str, review: ReviewIn, request: Request, service: ServiceDep
) -> Response:
    """An editor's judgement of the summary: a verdict on every milestone (``correct``,
    with any corrected fields, or ``wrong``), and the milestones the engine missed, each
    with its evidence span in the summary's text. It becomes the summary's current
    review (``milestones reviews export`` writes current reviews as a gold set); the
    reviewer is the API key's name."""
    found = await service.summariser.get_with_text(summary_id)
    if found is None:
        raise NotFound(f"no summary with id {summary_id!r}")
    check(review, *found)
    stored = await asyncio.to_thread(
        service.store.reviews.add, summary_id, request.state.caller, review.model_dump_json()
    )
    body = public_review(stored).model_dump_json()
    headers = {"Location": f"/v1/summaries/{summary_id}/reviews"}
    return Response(body, status_code=201, media_type="application/json", headers=headers)


@router.get(
    "/summaries/{summary_id}/reviews",
    summary="A summary's reviews",
    response_model=list[ReviewPublic],
    responses=problem_responses(401, 404, 503),
)
async def read_reviews(summary_id: str, service: ServiceDep) -> list[ReviewPublic]:
    """Every review of the summary, oldest first: the last is the current one."""
    await stored_summary(service, summary_id)
    stored = await asyncio.to_thread(service.store.reviews.of, summary_id)
    return [public_review(r) for r in stored]
