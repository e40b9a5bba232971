"""The call log for a terminal: ``milestones logs`` and ``milestones stats``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table

from schemas.checks import EARLIEST_YEAR, LATEST_YEAR
from service.settings import Settings
from service.store.calls import CallStats, LoggedCall

# How much of an answer a terminal shows (``--json`` gives it whole, as stored).
SHOWN_ANSWER_CHARS = 600
_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since_time(value: str, now: datetime | None = None) -> datetime:
    """``--since``: a span back from now ("30m", "12h", "7d", "2w") or an ISO date or
    time (UTC when it gives no zone), within the years a date may name (1900-2100).
    ValueError names what is accepted."""
    now = now or datetime.now(UTC)
    accepted = (
        f"give a span (30m, 12h, 7d, 2w) or an ISO date or time in {EARLIEST_YEAR}-{LATEST_YEAR}"
    )
    found = _AGO.match(value.strip())
    try:
        if found:
            moment = now - timedelta(**{_UNITS[found.group(2)]: float(found.group(1))})
        else:
            moment = datetime.fromisoformat(value.strip())
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"--since {value!r}: {accepted}") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(
            f"--since {value!r} is not within {EARLIEST_YEAR}-{LATEST_YEAR}: {accepted}"
        )
    return moment


def print_calls(console: Console, found: list[LoggedCall]) -> None:
    """Each call, newest first: when, model, prompt, its number in the extraction, the
    outcome and transport, tokens; the validation errors; the answer."""
    for call in found:
        served = call.summary_id or "no summary"
        where = f" · job {call.job_id}" if call.job_id else ""
        where += f" · bulk item {call.bulk_item}" if call.bulk_item else ""
        console.print(
            f"#{call.id} {call.at:%Y-%m-%d %H:%M:%S} · {call.model} · {call.prompt_version} · "
            f"request {call.number} of extraction {call.extraction[:8]} · {call.outcome.upper()}",
            markup=False,
        )
        transport = f"HTTP {call.status}" if call.status is not None else "no HTTP status"
        transport += f" after {call.tries} tries" if call.tries > 1 else ""
        if call.waited_s:
            transport += f", waited {call.waited_s:.1f} s"
        if call.retry_after_s is not None:
            transport += f" (Retry-After {call.retry_after_s:g} s)"
        console.print(
            f"  {transport} · {call.prompt_tokens} + {call.completion_tokens} tokens · "
            f"{call.latency_ms:.0f} ms · {served}{where}",
            markup=False,
        )
        for problem in call.errors:
            console.print(f"  error: {problem}", markup=False)
        if call.answer is not None:
            answer = call.answer
            if len(answer) > SHOWN_ANSWER_CHARS:
                answer = answer[:SHOWN_ANSWER_CHARS] + " …"
            console.print(f"  answer: {answer}", markup=False)
        console.print()


def print_stats(console: Console, stats: list[CallStats], settings: Settings) -> None:
    """One row per model and prompt version."""
    table = Table(title="Model calls", title_justify="left")
    for column in (
        "model",
        "prompt",
        "extractions",
        "first answer valid",
        "mean requests",
        "failed",
        "problems",
        "tokens in / out",
        "est. cost",
    ):
        table.add_column(column, overflow="fold")
    for row in stats:
        problems = ", ".join(f"{k} {v}" for k, v in sorted(row.outcomes.items()) if k != "valid")
        usd = settings.cost_usd(row.prompt_tokens, row.completion_tokens, row.model or "")
        cost = "unknown" if usd is None else f"${usd:.4f}"
        table.add_row(
            row.model or "–",
            row.prompt_version,
            str(row.extractions),
            f"{row.first_answer_validity:.0%}",
            f"{row.mean_attempts:.2f}",
            str(row.failed_extractions),
            problems or "none",
            f"{row.prompt_tokens:,} / {row.completion_tokens:,}",
            cost,
        )
    console.print(table)
