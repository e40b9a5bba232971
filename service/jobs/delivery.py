"""One webhook delivery: a signed POST of a job's outcome to its callback URL.

Signed per Standard Webhooks (``service.webhooks``). The ``webhook-id`` is the same on
every attempt for a job, so a receiver that got a delivery twice (its 2xx was lost)
can tell. Only a 2xx is success; redirects are not followed.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx

from service import webhooks
from service.egress import CallbackPolicy, PinnedTransport
from service.errors import CallbackRefused
from service.store.queue import DeliveryAttempt

USER_AGENT = "milestones-webhooks/1"


def message_id(job_id: str) -> str:
    """The ``webhook-id`` of a job's deliveries: one per job, kept across retries."""
    return f"msg_{job_id}"


class Deliverer:
    """Sends signed deliveries with one HTTP client."""

    def __init__(self, secret: str, policy: CallbackPolicy, timeout_s: float) -> None:
        self.secret = secret
        self.policy = policy
        self.client = httpx.AsyncClient(
            transport=PinnedTransport(policy),  # connects only to addresses just checked
            trust_env=False,  # no proxy from the environment: the checks must hold
            timeout=timeout_s,
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
        )

    async def send(self, url: str, job_id: str, body: bytes, attempt: int) -> DeliveryAttempt:
        """POST ``body`` to ``url``, signed; what the receiver said, or what went wrong."""
        attempted_at = datetime.now(UTC)
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            await self.policy.check(url)
            headers = webhooks.headers(self.secret, message_id(job_id), body)
            headers["content-type"] = "application/json"
            response = await self.client.post(url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"the receiver answered {status}"
        except CallbackRefused as refused:
            error = refused.detail
        except httpx.HTTPError as failure:
            error = (
                f"{failure.__class__.__name__}: {failure}"
                if str(failure)
                else (failure.__class__.__name__)
            )
        elapsed = (time.perf_counter() - started) * 1000
        return DeliveryAttempt(attempt, attempted_at, status, error, round(elapsed, 1))

    async def aclose(self) -> None:
        await self.client.aclose()
