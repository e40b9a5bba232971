"""The call log's table: one row per model call (``service.calls``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, delete, func, select

from service.store.database import Database, utc
from service.store.tables import calls

# At most this many calls are shown for one summary or job, by the API and the pages
# alike (re-asks are few; a refreshed summary's earlier extractions count too).
CALLS_SHOWN = 200


@dataclass(frozen=True)
class LoggedCall:
    """One stored model call."""

    id: int
    extraction: str
    number: int
    at: datetime
    summary_id: str | None
    article_key: str
    job_id: str | None
    bulk_item: str | None
    engine: str
    model: str | None
    prompt_version: str
    messages: list[dict[str, Any]]
    answer: str | None
    errors: list[str]
    feedback: str | None
    outcome: str
    status: int | None
    tries: int
    waited_s: float
    retry_after_s: float | None
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float

    def as_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["at"] = self.at.isoformat()
        return data


@dataclass(frozen=True)
class CallStats:
    """What the log says of one model and prompt version."""

    model: str | None
    prompt_version: str
    extractions: int
    calls: int
    first_valid: int  # extractions whose first answer was valid
    failed_extractions: int  # extractions that ended without a valid answer
    outcomes: dict[str, int]  # calls by outcome
    prompt_tokens: int
    completion_tokens: int

    @property
    def first_answer_validity(self) -> float:
        return self.first_valid / self.extractions if self.extractions else 0.0

    @property
    def mean_attempts(self) -> float:
        return self.calls / self.extractions if self.extractions else 0.0


class CallStore:
    """The calls table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, rows: list[dict[str, Any]]) -> None:
        """Keep the rows of one extraction (``service.calls.call_rows`` builds them)."""
        if rows:
            with self.db.begin() as conn:
                self.add_in(conn, rows)

    def add_in(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """``add``, in a transaction of the caller's (the summary's own, ``Store.keep``)."""
        conn.execute(calls.insert(), rows)

    def logs(
        self,
        *,
        failed: bool = False,
        since: datetime | None = None,
        model: str | None = None,
        summary_id: str | None = None,
        job_id: str | None = None,
        limit: int = 20,
    ) -> list[LoggedCall]:
        """The newest calls first (``failed``: only those not answered validly)."""
        query = select(calls).order_by(calls.c.at.desc(), calls.c.id.desc()).limit(limit)
        if failed:
            query = query.where(calls.c.outcome != "valid")
        if since is not None:
            query = query.where(calls.c.at >= since)
        if model is not None:
            query = query.where(calls.c.model == model)
        if summary_id is not None:
            query = query.where(calls.c.summary_id == summary_id)
        if job_id is not None:
            query = query.where(calls.c.job_id == job_id)
        with self.db.connect() as conn:
            rows = conn.execute(query).all()
        found = [_call(row) for row in rows]
        if summary_id is not None or job_id is not None:  # one extraction's: in its order
            found.sort(key=lambda c: (c.at, c.extraction, c.number))
        return found

    def purge(self, before: datetime) -> int:
        """Delete the calls made before ``before``; how many."""
        with self.db.begin() as conn:
            return int(conn.execute(delete(calls).where(calls.c.at < before)).rowcount or 0)

    def stats(self, since: datetime | None = None) -> list[CallStats]:
        """Per model and prompt version: extractions, calls, first-answer validity,
        failures by kind, tokens."""
        keys = (calls.c.model, calls.c.prompt_version)
        by_outcome = select(
            *keys,
            calls.c.outcome,
            func.count().label("n"),
            func.coalesce(func.sum(calls.c.prompt_tokens), 0).label("prompt"),
            func.coalesce(func.sum(calls.c.completion_tokens), 0).label("completion"),
        ).group_by(*keys, calls.c.outcome)
        # Per extraction: its first call's outcome, and whether any call was valid.
        per_extraction = select(
            *keys,
            calls.c.extraction,
            func.max(func.coalesce(_first_valid(), 0)).label("first_valid"),
            func.max(func.coalesce(_valid(), 0)).label("any_valid"),
        ).group_by(*keys, calls.c.extraction)
        if since is not None:
            by_outcome = by_outcome.where(calls.c.at >= since)
            per_extraction = per_extraction.where(calls.c.at >= since)
        extractions = per_extraction.subquery()
        summed = select(
            extractions.c.model,
            extractions.c.prompt_version,
            func.count().label("extractions"),
            func.sum(extractions.c.first_valid).label("first_valid"),
            func.sum(1 - extractions.c.any_valid).label("failed"),
        ).group_by(extractions.c.model, extractions.c.prompt_version)
        table: dict[tuple[str | None, str], dict[str, Any]] = {}
        with self.db.connect() as conn:
            for row in conn.execute(summed).all():
                table[(row.model, row.prompt_version)] = {
                    "extractions": int(row.extractions),
                    "first_valid": int(row.first_valid or 0),
                    "failed": int(row.failed or 0),
                    "outcomes": {},
                    "calls": 0,
                    "prompt": 0,
                    "completion": 0,
                }
            for row in conn.execute(by_outcome).all():
                entry = table[(row.model, row.prompt_version)]
                entry["outcomes"][row.outcome] = int(row.n)
                entry["calls"] += int(row.n)
                entry["prompt"] += int(row.prompt)
                entry["completion"] += int(row.completion)
        return [
            CallStats(
                model,
                version,
                e["extractions"],
                e["calls"],
                e["first_valid"],
                e["failed"],
                e["outcomes"],
                e["prompt"],
                e["completion"],
            )
            for (model, version), e in sorted(table.items(), key=lambda i: (i[0][0] or "", i[0][1]))
        ]


def _first_valid() -> Any:
    return case(((calls.c.number == 1) & (calls.c.outcome == "valid"), 1), else_=0)


def _valid() -> Any:
    return case((calls.c.outcome == "valid", 1), else_=0)


def _call(row: Any) -> LoggedCall:
    return LoggedCall(
        id=row.id,
        extraction=row.extraction,
        number=row.number,
        at=utc(row.at) or row.at,
        summary_id=row.summary_id,
        article_key=row.article_key,
        job_id=row.job_id,
        bulk_item=row.bulk_item,
        engine=row.engine,
        model=row.model,
        prompt_version=row.prompt_version,
        messages=json.loads(row.messages),
        answer=row.answer,
        errors=json.loads(row.errors),
        feedback=row.feedback,
        outcome=row.outcome,
        status=row.status,
        tries=row.tries,
        waited_s=row.waited_s,
        retry_after_s=row.retry_after_s,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        latency_ms=row.latency_ms,
    )
