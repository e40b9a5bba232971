"""``milestones doctor`` (is the model endpoint usable, and how) and
``milestones webhook-secret``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import typer

from service.cli.common import (
    EXIT_FAILED,
    app,
    usage_error,
)
from service.errors import MilestonesError
from service.settings import load_settings

if TYPE_CHECKING:
    pass


@app.command("doctor", short_help="Check the model endpoint: its modes, context, settings.")
def doctor_command() -> None:
    """Reach the model endpoint (OPENAI_BASE_URL, MILESTONES_MODEL), list its models, probe
    each mode with the real schema, read its context length and slots where it says them,
    and print the settings that work with it. Exit 1 when no mode works."""
    from service.doctor import diagnose, render
    from service.engines import NO_MODEL

    try:
        settings = load_settings()
    except MilestonesError as error:
        usage_error(error)
    if not settings.model_configured:
        usage_error(NO_MODEL)
    report = asyncio.run(diagnose(settings))
    print(render(report))
    if not report.working:
        raise typer.Exit(EXIT_FAILED)


@app.command("webhook-secret", short_help="Print a new webhook signing secret.")
def webhook_secret_command() -> None:
    """Print a new webhook signing secret (for MILESTONES_WEBHOOK_SECRET and your receiver)."""
    from service.webhooks import new_secret

    print(new_secret())
