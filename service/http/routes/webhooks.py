"""The job webhooks, described for the OpenAPI page: what the service POSTs to a job's
callback URL (``JobWorker`` and ``Deliverer`` send them; nothing here is served)."""

from __future__ import annotations

from fastapi import FastAPI, Response

from service.http.models import WebhookEvent
from service.http.openapi import webhook_parameters

DELIVERY = (
    "POSTed to the job's `callback_url` as JSON, signed per Standard Webhooks (the three "
    "`webhook-*` headers). Verify the signature over the raw body before trusting it. Any "
    "2xx answer acknowledges the delivery; any other answer, or none within "
    "MILESTONES_WEBHOOK_TIMEOUT_S, is retried with exponential backoff, with the same "
    "`webhook-id`, until MILESTONES_WEBHOOK_MAX_ATTEMPTS are spent. `GET /v1/jobs/{id}` "
    "shows every attempt."
)
RESPONSES: dict[int | str, dict[str, str]] = {
    "default": {"description": "Anything but 2xx, or no answer in time: retried later."}
}


EVENTS = (
    ("job.succeeded", "A job succeeded: its summary", "``data.result`` holds the summary."),
    ("job.failed", "A job failed: its problem document", "``data.problem`` says why."),
)


def describe_webhooks(app: FastAPI) -> None:
    """Add ``job.succeeded`` and ``job.failed`` to the app's OpenAPI ``webhooks``."""
    for name, summary, body in EVENTS:

        def receive(event: WebhookEvent) -> None:  # documentation only: never served
            pass

        receive.__name__ = name.replace(".", "_")
        app.webhooks.post(
            name,
            summary=summary,
            description=f"{DELIVERY} {body}",
            status_code=204,
            response_class=Response,
            responses=RESPONSES,
            openapi_extra={"parameters": webhook_parameters()},
        )(receive)
