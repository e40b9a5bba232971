"""Jobs in the store: a queue every replica shares, and the log of webhook deliveries.

A worker takes a job with one ``UPDATE … WHERE id = (SELECT … LIMIT 1 FOR UPDATE SKIP
LOCKED) RETURNING``: on PostgreSQL, replicas claiming at the same moment skip each other's
rows instead of waiting on them or taking them twice; SQLite runs one writer at a time,
so the same statement is atomic there. We do not use a queue library (procrastinate,
pgqueuer): they are PostgreSQL-only, bring their own schema and worker processes,
and the embedded store is SQLite; a job here is also the resource the API shows.

A taken job carries a lease, renewed while it runs. A replica that dies stops renewing
it; when the lease lapses, the job is taken again (it was interrupted). Every write
that ends a job names the lease owner, so a replica that lost its lease cannot finish
a job another one is running: each job ends once. Deliveries are leased the same way.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Select, and_, case, delete, insert, or_, select, update

from service.errors import IdempotencyKeyReused
from service.store.database import Database, utc
from service.store.idempotency import IdempotencyStore
from service.store.tables import deliveries, idempotency, jobs

__all__ = ["DeliveryAttempt", "Job", "JobQueue"]

JobStatus = Literal["queued", "running", "succeeded", "failed"]
DeliveryState = Literal["none", "pending", "delivered", "failed"]


@dataclass(frozen=True)
class Job:
    """A job as stored."""

    id: str
    status: JobStatus
    request: str
    callback_url: str | None
    attempts: int
    result: str | None
    problem: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    delivery: DeliveryState
    delivery_attempts: int
    delivery_after: float | None


@dataclass(frozen=True)
class DeliveryAttempt:
    """One try at delivering a job's webhook: the receiver's status, or what went wrong."""

    attempt: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: float


def _job(row: Any) -> Job:
    created = utc(row.created_at)
    assert created is not None
    return Job(
        id=row.id,
        status=row.status,
        request=row.request,
        callback_url=row.callback_url,
        attempts=row.attempts,
        result=row.result,
        problem=row.problem,
        created_at=created,
        started_at=utc(row.started_at),
        finished_at=utc(row.finished_at),
        delivery=row.delivery,
        delivery_attempts=row.delivery_attempts,
        delivery_after=row.delivery_after,
    )


class JobQueue:
    """The jobs table, and the deliveries log."""

    def __init__(self, db: Database, keys: IdempotencyStore) -> None:
        self.db = db
        self.keys = keys

    def enqueue(
        self, request: str, callback_url: str | None, idempotency_key: tuple[str, str] | None
    ) -> tuple[Job, bool]:
        """Queue a job; (the job, whether it is new). With ``(key, fingerprint)``, a key
        seen before gives its job back, or raises IdempotencyKeyReused for another
        request; the key and the job are written in one transaction, so two requests
        racing with one key make one job."""
        job_id = "j_" + uuid.uuid4().hex
        with self.db.begin() as conn:
            if idempotency_key is not None:
                named = self.keys.bind(conn, *idempotency_key, job_id)
                if named is not None:
                    row = conn.execute(select(jobs).where(jobs.c.id == named)).first()
                    if row is not None:
                        return _job(row), False
                    raise IdempotencyKeyReused()  # the key names no job
            return self.enqueue_in(conn, request, callback_url, job_id), True

    def enqueue_in(
        self, conn: Connection, request: str, callback_url: str | None, job_id: str | None = None
    ) -> Job:
        """Queue a job in ``conn``'s transaction (with what else it writes)."""
        row = conn.execute(
            insert(jobs)
            .values(
                id=job_id or "j_" + uuid.uuid4().hex,
                status="queued",
                request=request,
                callback_url=callback_url,
                attempts=0,
                run_after=time.time(),
                created_at=datetime.now(UTC),
                delivery="none",
                delivery_attempts=0,
            )
            .returning(*jobs.c)
        ).one()
        return _job(row)

    def get(self, job_id: str) -> Job | None:
        with self.db.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return _job(row) if row is not None else None

    def get_many(self, job_ids: list[str]) -> dict[str, Job]:
        """The jobs of ``job_ids`` that exist, by id (one read)."""
        if not job_ids:
            return {}
        with self.db.connect() as conn:
            rows = conn.execute(select(jobs).where(jobs.c.id.in_(job_ids))).all()
        return {row.id: _job(row) for row in rows}

    def deliveries(self, job_id: str) -> list[DeliveryAttempt]:
        """The delivery log of a job, oldest first."""
        with self.db.connect() as conn:
            rows = conn.execute(
                select(deliveries).where(deliveries.c.job_id == job_id).order_by(deliveries.c.id)
            ).all()
        return [
            DeliveryAttempt(
                r.attempt,
                utc(r.attempted_at) or r.attempted_at,
                r.status_code,
                r.error,
                r.duration_ms,
            )
            for r in rows
        ]

    def claim(self, owner: str, limit: int, lease_s: float) -> list[Job]:
        """Take up to ``limit`` jobs to run: queued ones that are due, and running ones
        whose lease lapsed (their replica died). Oldest first."""
        now = time.time()
        due = (
            select(jobs.c.id)
            .where(
                or_(
                    and_(jobs.c.status == "queued", jobs.c.run_after <= now),
                    and_(jobs.c.status == "running", jobs.c.lease_expires < now),
                )
            )
            .order_by(jobs.c.created_at)
        )
        values = {
            "status": "running",
            "lease_owner": owner,
            "lease_expires": now + lease_s,
            "attempts": jobs.c.attempts + 1,
            "started_at": datetime.now(UTC),
        }
        return self._take(due, values, limit)

    def _take(self, due: Select[Any], values: dict[str, Any], limit: int) -> list[Job]:
        return [_job(row) for row in self.db.take(jobs, due, values, limit)]

    def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        """Extend the lease on a running job; False if this owner no longer holds it."""
        with self.db.begin() as conn:
            done = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.lease_owner == owner, jobs.c.status == "running")
                .values(lease_expires=time.time() + lease_s)
            )
        return done.rowcount == 1

    def finish(
        self, job_id: str, owner: str, *, result: str | None = None, problem: str | None = None
    ) -> bool:
        """End a running job with its result or problem; its webhook (if it has a
        callback URL) is then due. False if this owner no longer holds the job."""
        with self.db.begin() as conn:
            done = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.lease_owner == owner, jobs.c.status == "running")
                .values(
                    status="succeeded" if result is not None else "failed",
                    result=result,
                    problem=problem,
                    lease_owner=None,
                    lease_expires=None,
                    finished_at=datetime.now(UTC),
                    delivery=case((jobs.c.callback_url.is_not(None), "pending"), else_="none"),
                    delivery_after=time.time(),
                )
            )
        return done.rowcount == 1

    def requeue(self, job_id: str, owner: str, run_after: float, *, counts: bool = True) -> bool:
        """Put a running job back in the queue, to run from ``run_after``. An attempt
        that ``counts`` (a transient failure) is kept; one cut short by this replica
        stopping is not."""
        values: dict[str, Any] = {
            "status": "queued",
            "lease_owner": None,
            "lease_expires": None,
            "run_after": run_after,
        }
        if not counts:
            values["attempts"] = jobs.c.attempts - 1
        with self.db.begin() as conn:
            done = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.lease_owner == owner, jobs.c.status == "running")
                .values(**values)
            )
        return done.rowcount == 1

    def purge(self, finished_before: datetime, batch: int = 500) -> int:
        """Delete jobs that ended before ``finished_before`` and have no webhook still
        to send, with their delivery logs and idempotency keys; how many went."""
        gone = 0
        while True:
            with self.db.begin() as conn:
                ids = list(
                    conn.scalars(
                        select(jobs.c.id)
                        .where(
                            jobs.c.status.in_(("succeeded", "failed")),
                            jobs.c.finished_at < finished_before,
                            jobs.c.delivery != "pending",
                        )
                        .limit(batch)
                    )
                )
                if not ids:
                    return gone
                conn.execute(delete(deliveries).where(deliveries.c.job_id.in_(ids)))
                conn.execute(
                    delete(idempotency).where(
                        idempotency.c.key.like("%:jobs:%"), idempotency.c.body.in_(ids)
                    )
                )
                conn.execute(delete(jobs).where(jobs.c.id.in_(ids)))
            gone += len(ids)

    def claim_deliveries(self, owner: str, limit: int, lease_s: float) -> list[Job]:
        """Take up to ``limit`` finished jobs whose webhook is due and not being sent."""
        now = time.time()
        due = (
            select(jobs.c.id)
            .where(
                jobs.c.delivery == "pending",
                jobs.c.delivery_after <= now,
                or_(jobs.c.delivery_expires.is_(None), jobs.c.delivery_expires < now),
            )
            .order_by(jobs.c.delivery_after)
        )
        return self._take(due, {"delivery_owner": owner, "delivery_expires": now + lease_s}, limit)

    def record_delivery(
        self,
        job_id: str,
        owner: str,
        attempt: DeliveryAttempt,
        state: DeliveryState,
        retry_at: float | None = None,
    ) -> bool:
        """Log one delivery attempt and set what follows: delivered, failed for good,
        or pending again from ``retry_at``. False if this owner no longer held it."""
        with self.db.begin() as conn:
            done = conn.execute(
                update(jobs)
                .where(
                    jobs.c.id == job_id,
                    jobs.c.delivery_owner == owner,
                    jobs.c.delivery == "pending",
                )
                .values(
                    delivery=state,
                    delivery_attempts=attempt.attempt,
                    delivery_after=retry_at,
                    delivery_owner=None,
                    delivery_expires=None,
                )
            )
            if done.rowcount != 1:
                return False
            conn.execute(
                insert(deliveries).values(
                    job_id=job_id,
                    attempt=attempt.attempt,
                    attempted_at=attempt.attempted_at,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    duration_ms=attempt.duration_ms,
                )
            )
        return True
