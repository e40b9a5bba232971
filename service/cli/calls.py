"""The call log (``milestones calls``, ``stats``) and editors' reviews
(``milestones reviews export``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.console import Console

from service.cli.common import (
    EXIT_FAILED,
    app,
    read_store,
    stderr,
    usage_error,
)
from service.errors import MilestonesError
from service.settings import load_settings

if TYPE_CHECKING:
    pass


SinceOption = Annotated[
    Optional[str],  # noqa: UP045 (typer reads the annotation at run time)
    typer.Option(metavar="WHEN", help="Only calls since: 30m, 12h, 7d, 2w or an ISO date/time."),
]


def _since(value: str | None) -> Any:
    from service.render_calls import since_time

    try:
        return since_time(value) if value else None
    except ValueError as error:
        usage_error(str(error))


@app.command("calls", short_help="The call log: answers, validation errors, retries.")
@app.command("logs", hidden=True, help="Old name of 'calls' (kept for a release).")
def calls_command(
    failed: Annotated[
        bool, typer.Option("--failed", help="Only calls without a valid answer.")
    ] = False,
    since: SinceOption = None,
    model: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(metavar="MODEL", help="Only calls to this model."),
    ] = None,
    limit: Annotated[
        int, typer.Option("-n", "--limit", min=1, max=10_000, metavar="N", help="At most N.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one call each.")] = False,
) -> None:
    """The call log of DATABASE_URL's store, newest first: each model call with its
    answer, the validation errors it got (fed back when re-asked), HTTP status, tries and
    waits, tokens and latency; exit 1 when none matches."""
    from service.render_calls import print_calls

    after = _since(since)
    found = read_store(
        lambda store: store.calls.logs(failed=failed, since=after, model=model, limit=limit)
    )
    if not found:
        stderr.print("no model call logged matches", markup=False)
        raise typer.Exit(EXIT_FAILED)
    if as_json:
        for call in found:
            print(json.dumps(call.as_json(), ensure_ascii=False))
    else:
        print_calls(Console(highlight=False), found)


@app.command("stats", short_help="Figures from the call log, per model and prompt version.")
def stats_command(
    since: SinceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON, one object per row.")] = False,
) -> None:
    """Per model and prompt version: extractions, first-answer validity, mean requests
    per extraction, failed extractions, problems by kind, tokens and estimated cost;
    exit 1 when the log is empty."""
    from service.render_calls import print_stats

    after = _since(since)
    try:
        settings = load_settings()
    except MilestonesError as error:
        usage_error(error)
    stats = read_store(lambda store: store.calls.stats(since=after), settings)
    if not stats:
        stderr.print("no model call logged", markup=False)
        raise typer.Exit(EXIT_FAILED)
    if as_json:
        for row in stats:
            data = dict(row.__dict__)
            data["first_answer_validity"] = round(row.first_answer_validity, 4)
            data["mean_attempts"] = round(row.mean_attempts, 4)
            print(json.dumps(data))
    else:
        print_stats(Console(highlight=False), stats, settings)


reviews_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Editors' reviews of summaries (made on the review pages or by the API).",
)
app.add_typer(reviews_app, name="reviews", short_help="Editors' reviews: export as gold.")


@reviews_app.command("export", short_help="Write current reviews as a gold set.")
def reviews_export_command(
    out: Annotated[
        Path,
        typer.Option("-o", "--out", metavar="GOLD", help="The gold file to write (JSON Lines)."),
    ],
    articles: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="DIR",
            help="Where the reviewed articles are written (default: GOLD's name with "
            ".articles, beside it).",
        ),
    ] = None,
) -> None:
    """Write every reviewed summary's current review as a line of the gold format that
    milestones eval reads, and its article as DIR/<summary id>.txt."""
    from service.reviews import export_gold

    folder = articles or out.with_name(out.name.removesuffix(".jsonl") + ".articles")
    written, skipped = read_store(lambda store: export_gold(store, out, folder))
    for summary_id in skipped:
        stderr.print(f"skipped {summary_id}: its article text was not kept", markup=False)
    stderr.print(
        f"wrote {written} reviewed article(s): {out} and {folder}/\n"
        f"evaluate with: milestones eval {out} --articles {folder}",
        markup=False,
    )
    if skipped:
        raise typer.Exit(EXIT_FAILED)
