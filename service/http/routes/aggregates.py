"""Milestones counted, and money summed per currency, by group: ``GET
/v2/milestones/aggregate`` (``service.store.aggregates``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query

from service.http.openapi import problem_responses
from service.http.routes.index import ListDep
from service.http.state import AuthDep, ServiceDep
from service.store.aggregates import DIMENSIONS, dimensions_of

router = APIRouter(prefix="/v2", tags=["index"], dependencies=[AuthDep])


@router.get(
    "/milestones/aggregate",
    summary="Stored milestones counted, and money summed per currency, by group",
    responses=problem_responses(400, 401, 422, 503),
)
async def aggregate(
    service: ServiceDep,
    query: ListDep,
    by: Annotated[
        str,
        Query(
            max_length=200,
            description=f"Comma-separated dimensions, up to four: {', '.join(DIMENSIONS)}.",
            examples=["kind,quarter"],
        ),
    ] = "kind,quarter",
    sum: Annotated[
        bool, Query(description="Sum the amounts too: per currency, as stated (no rates).")
    ] = False,
) -> list[dict[str, Any]]:
    """A row per group of the milestones the filters select (the lists' filters, details
    included): the group's dimensions, ``milestones`` (how many), and with ``sum`` the
    ``amount`` summed per ``currency`` and ``with_amount`` (how many stated one). A
    milestone dated to a year only, or undated, has no quarter (null)."""
    dimensions = dimensions_of(by)
    return await asyncio.to_thread(service.store.index.aggregate, query.filters, dimensions, sum)
