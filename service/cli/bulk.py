"""``milestones bulk``: an archive summarised, resumable and rate-adaptive."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from service.cli.common import (
    EXIT_FAILED,
    EngineOption,
    SchemaOption,
    app,
    configured,
    html_folder,
    missing_paths,
    open_store,
    schema_version,
    stderr,
    usage_error,
)
from service.engines import BatchSettings
from service.pipeline import Summariser

if TYPE_CHECKING:
    pass


@app.command("bulk", short_help="Summarise an archive: resumable, rate-adaptive.")
def bulk_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A directory, a .jsonl or .csv file, or - (JSON Lines).", metavar="SOURCE"
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "-o",
            "--out",
            metavar="OUT",
            help="Results (JSON Lines); failures go to OUT.errors.jsonl beside it.",
        ),
    ],
    engine: EngineOption = None,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1, max=256, metavar="N", help="Articles in flight at most (lowered on 429s)."
        ),
    ] = 8,
    rpm: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, metavar="N", help="Cap on model requests per minute."),
    ] = None,
    tpm: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, metavar="N", help="Cap on tokens per minute."),
    ] = None,
    retry_errors: Annotated[
        bool, typer.Option("--retry-errors", help="Re-run only the items in OUT.errors.jsonl.")
    ] = False,
    no_near_duplicates: Annotated[
        bool,
        typer.Option(
            "--no-near-duplicates",
            help="Send a lightly edited copy of an earlier article to the engine too, "
            "instead of reusing that article's grounded result.",
        ),
    ] = False,
    batch_api: Annotated[
        bool,
        typer.Option("--batch-api", help="Send the model requests as one provider Batch API job."),
    ] = False,
    batch_poll_s: Annotated[
        float,
        typer.Option(min=0.0, metavar="SECONDS", help="Seconds between checks of a Batch API job."),
    ] = 30.0,
    no_progress: Annotated[
        bool, typer.Option("--no-progress", help="No progress bar (for logs and scripts).")
    ] = False,
    html: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--html",
            metavar="DIR",
            help="Also write a page per summarised item and an index to DIR "
            "(self-contained files that open from disk).",
        ),
    ] = None,
    schema: SchemaOption = "v2",
) -> None:
    """Summarise an archive into JSON Lines: resumable, rate-adaptive, failures kept apart."""
    from service.bulk.display import BulkProgress, print_bulk_report
    from service.bulk.items import count_items, iter_items
    from service.bulk.limiter import AdaptiveGate
    from service.bulk.results import errors_path
    from service.bulk.runner import BulkRun

    version = schema_version(schema)
    missing_paths([source])
    gate = AdaptiveGate(concurrency, rpm=rpm, tpm=tpm)
    settings, _, chosen = configured(engine, gate=gate)
    if batch_api and chosen.batch is None:
        usage_error("--batch-api needs the llm engine (a model endpoint)")
    summariser = Summariser(open_store(settings), settings)
    progress = not no_progress
    total = count_items(source) if progress else None

    def warn(message: str) -> None:
        stderr.print(f"warning: {message}", markup=False)

    show = BulkProgress(stderr, total, settings) if progress else None
    pages = html_folder(html)
    run = BulkRun(
        summariser,
        chosen,
        out,
        concurrency=concurrency,
        retry_errors=retry_errors,
        near_duplicates=not no_near_duplicates,
        batch=BatchSettings(poll_s=batch_poll_s) if batch_api else None,
        on_item=show.on_item if show else None,
        on_summary=pages.add if pages else None,
        schema=version,
    )

    async def go() -> None:
        try:
            await run.run(iter_items(source, warn=warn))
        finally:
            await chosen.aclose()
            await summariser.aclose()

    try:
        if show is not None:
            with show:
                asyncio.run(go())
        else:
            asyncio.run(go())
    except KeyboardInterrupt:
        stderr.print("interrupted: OUT holds whole lines; run the same command to resume")
        raise typer.Exit(130) from None
    print_bulk_report(stderr, run.report, settings, out, errors_path(out))
    if pages is not None:
        stderr.print(f"pages: {pages.close()}", markup=False)
    if gate.rate_limited:
        stderr.print(
            f"rate limited {gate.rate_limited} time(s); concurrency went down to "
            f"{int(gate.lowest)} and back up to {int(gate.limit)}",
            markup=False,
        )
    if run.report.failed:
        raise typer.Exit(EXIT_FAILED)
