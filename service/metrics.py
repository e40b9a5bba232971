"""Prometheus metrics of the service: requests, latency, cache, model calls, tokens, errors,
jobs and webhook deliveries."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from schemas import Meta


class Metrics:
    """The service's instruments, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "milestones_http_requests", "HTTP requests", ["route", "method", "status"], registry=r
        )
        self.latency = Histogram(
            "milestones_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(
                0.001,
                0.0025,
                0.005,
                0.01,
                0.025,
                0.05,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
                60,
            ),
            registry=r,
        )
        self.cache = Counter("milestones_cache", "Cache lookups", ["result"], registry=r)
        self.model_calls = Counter(
            "milestones_model_requests", "HTTP requests sent to the model", registry=r
        )
        self.attempts = Counter("milestones_model_attempts", "Answers from the model", registry=r)
        self.tokens = Counter("milestones_model_tokens", "Tokens used", ["type"], registry=r)
        # From the call log's traces (kept whatever MILESTONES_CALL_LOG says).
        self.answers = Counter(
            "milestones_model_answers",
            "Model requests by outcome: valid, invalid, incomplete, transport_error",
            ["outcome"],
            registry=r,
        )
        self.first_answers = Counter(
            "milestones_model_first_answers",
            "Extractions by whether the model's first answer was valid (first-answer validity)",
            ["valid"],
            registry=r,
        )
        self.errors = Counter("milestones_errors", "Errors by kind", ["kind"], registry=r)
        self.summaries = Counter(
            "milestones_summaries", "Summaries made", ["engine", "degraded"], registry=r
        )
        self.jobs = Counter(
            "milestones_jobs",
            "Job runs ended by this replica: succeeded, failed, retried or requeued",
            ["outcome"],
            registry=r,
        )
        self.deliveries = Counter(
            "milestones_webhook_deliveries",
            "Webhook delivery attempts: delivered, retrying or failed (given up)",
            ["outcome"],
            registry=r,
        )
        self.feed_polls = Counter(
            "milestones_feed_polls",
            "Polls of registered feeds by this replica: read, unchanged (304), failed or "
            "stopped (failed once too often)",
            ["outcome"],
            registry=r,
        )
        self.feed_items = Counter(
            "milestones_feed_items", "Feed items new or changed, queued as jobs", registry=r
        )

    def hit(self) -> None:
        self.cache.labels("hit").inc()

    def miss(self) -> None:
        self.cache.labels("miss").inc()

    def made(self, meta: Meta) -> None:
        """Count a fresh summary and what its model requests cost."""
        self.summaries.labels(meta.engine, str(meta.degraded).lower()).inc()
        self.model_calls.inc(meta.requests)
        self.attempts.inc(meta.attempts)
        self.tokens.labels("prompt").inc(meta.usage.prompt_tokens)
        self.tokens.labels("completion").inc(meta.usage.completion_tokens)

    def traced(self, outcomes: list[str]) -> None:
        """Count an extraction's model requests by outcome, and whether its first answer
        was valid."""
        for outcome in outcomes:
            self.answers.labels(outcome).inc()
        if outcomes:
            self.first_answers.labels(str(outcomes[0] == "valid").lower()).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
