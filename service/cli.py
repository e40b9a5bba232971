"""The ``milestones`` command line. Thin: parse arguments, call the library, print."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Optional, cast, get_args

import typer
from rich.console import Console

from schemas import SummaryRecord
from service import __version__
from service.engines import BatchSettings, Engine, build_engine, choose
from service.errors import ExtractionFailed, InputError, MilestonesError
from service.evaluate import evaluate, load_gold, read_records
from service.inputs import Source, iter_sources
from service.offload import off_loop
from service.pipeline import Summariser, summarise
from service.render import print_eval_report, print_summary
from service.settings import EngineName, Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Grounded milestone summaries of news articles about advanced therapies.",
)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _print_version(asked: bool) -> None:
    if asked:
        print(f"milestones {__version__}")
        raise typer.Exit()


@app.callback()
def _commands(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Grounded milestone summaries of news articles about advanced therapies."""


EXIT_FAILED = 1
EXIT_USAGE = 2


def engine_option(engine: str | None) -> EngineName | None:
    """The --engine value, checked: auto, llm or rules (None: the settings' choice)."""
    if engine is not None and engine not in get_args(EngineName):
        stderr.print(f"error: --engine must be auto, llm or rules, not {engine!r}")
        raise typer.Exit(EXIT_USAGE)
    return cast(EngineName | None, engine)


def _report(source: str, error: MilestonesError) -> None:
    stderr.print(f"[red]error[/red]: {source}: {error.kind}: {error.detail}", markup=True)
    if isinstance(error, ExtractionFailed):
        for line in error.errors:
            stderr.print(f"  - {line}", markup=False)


async def _summarise_all(
    sources: list[Source], engine: Engine, concurrency: int, as_json: bool
) -> int:
    limit = asyncio.Semaphore(concurrency)
    stdout = Console(highlight=False)

    async def one(source: Source) -> tuple[SummaryRecord, str] | MilestonesError:
        if source.input is None:
            return source.error or InputError("unreadable")
        async with limit:
            try:
                article = await off_loop(source.input.to_article)
                return await summarise(article, engine), article.text
            except MilestonesError as error:
                return error

    failures = 0
    try:
        tasks = [asyncio.ensure_future(one(s)) for s in sources]
        for source, task in zip(sources, tasks, strict=True):
            result = await task  # in input order, each as soon as it is ready
            if isinstance(result, MilestonesError):
                failures += 1
                _report(source.name, result)
            elif as_json:
                record, text = result
                line = record.model_dump(mode="json")
                if source.input is not None and source.input.extracted:
                    line["text"] = text  # the extracted text the spans refer to
                sys.stdout.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                sys.stdout.flush()
            else:
                print_summary(stdout, result[0])
    finally:
        await engine.aclose()
    return failures


@app.command("summarise")
def summarise_command(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, or - for stdin.")],
    engine: Annotated[
        Optional[str],  # noqa: UP045 (typer reads the annotation at run time)
        typer.Option(help="auto, llm or rules (default: MILESTONES_ENGINE, else auto)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines on stdout, one line per article.")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=64)] = 4,
) -> None:
    """Summarise articles: a table per article, or JSON Lines with --json."""
    requested = engine_option(engine)
    try:
        settings = Settings()
        choice = choose(settings, requested)
        chosen = build_engine(choice, settings)
    except MilestonesError as error:
        stderr.print(f"error: {error.detail}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    stderr.print(f"engine: {choice.name} ({choice.reason})", markup=False)
    sources = list(iter_sources(paths))
    failures = asyncio.run(_summarise_all(sources, chosen, concurrency, as_json))
    if failures:
        stderr.print(f"{failures} of {len(sources)} article(s) failed", markup=False)
        raise typer.Exit(EXIT_FAILED)


async def _run_engine(
    engine: Engine, paths: list[Path]
) -> tuple[list[SummaryRecord], dict[str, str]]:
    records, errors = [], {}
    try:
        for source in iter_sources([str(p) for p in paths]):
            if source.input is None:
                errors[Path(source.name).name] = (source.error or InputError("unreadable")).detail
                continue
            try:
                records.append(await summarise(source.input.to_article(), engine))
            except MilestonesError as error:
                errors[Path(source.name).name] = f"{error.kind}: {error.detail}"
    finally:
        await engine.aclose()
    return records, errors


@app.command("eval")
def eval_command(
    gold: Annotated[Path, typer.Argument(help="Gold file (JSON Lines).", exists=True)],
    results: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(help="Results of summarise --json; omitted: run the engine now."),
    ] = None,
    articles: Annotated[Path, typer.Option(help="Folder holding the gold's articles.")] = Path(
        "seeds"
    ),
    engine: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Engine to run when no RESULTS are given (auto, llm, rules)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Precision and recall of milestones against a gold file, per article and overall."""
    try:
        gold_articles = load_gold(gold)
        errors: dict[str, str] = {}
        if results is not None:
            records = read_records(results)
        else:
            settings = Settings()
            choice = choose(settings, engine_option(engine))
            stderr.print(f"engine: {choice.name} ({choice.reason})", markup=False)
            paths = [articles / g.article for g in gold_articles]
            records, errors = asyncio.run(_run_engine(build_engine(choice, settings), paths))
    except MilestonesError as error:
        stderr.print(f"error: {error.detail}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    report = evaluate(gold_articles, records, articles if articles.is_dir() else None, errors)
    if as_json:
        print(json.dumps({"articles": report.per_article(), "overall": report.overall()}))
    else:
        print_eval_report(Console(highlight=False), report)


@app.command("bulk")
def bulk_command(
    source: Annotated[str, typer.Argument(help="A directory, a .jsonl or .csv file, or -.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Results (JSON Lines).")],
    engine: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="auto, llm or rules (default: MILESTONES_ENGINE, else auto)."),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=256)] = 8,
    rpm: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, help="Cap on model requests per minute."),
    ] = None,
    tpm: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(min=1, help="Cap on tokens per minute."),
    ] = None,
    retry_errors: Annotated[
        bool, typer.Option(help="Re-run only the items in OUT.errors.jsonl.")
    ] = False,
    near_duplicates: Annotated[
        bool,
        typer.Option(help="Reuse an earlier result for a lightly edited copy (when grounded)."),
    ] = True,
    batch_api: Annotated[
        bool, typer.Option(help="Send the model requests as one provider Batch API job.")
    ] = False,
    batch_poll_s: Annotated[
        float, typer.Option(min=0.0, help="Batch status poll interval.")
    ] = 30.0,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Summarise an archive into JSON Lines: resumable, rate-adaptive, failures kept apart."""
    from service.bulk.display import BulkProgress, print_bulk_report
    from service.bulk.items import count_items, iter_items
    from service.bulk.limiter import AdaptiveGate
    from service.bulk.runner import BulkRun
    from service.store import Store

    requested = engine_option(engine)
    if source != "-" and not Path(source).exists():
        stderr.print(f"error: no such file or directory: {source}", markup=False)
        raise typer.Exit(EXIT_USAGE)
    gate = AdaptiveGate(concurrency, rpm=rpm, tpm=tpm)
    try:
        settings = Settings()
        choice = choose(settings, requested)
        chosen = build_engine(choice, settings, gate=gate)
        summariser = Summariser(Store(settings.database_url), settings)
    except MilestonesError as error:
        stderr.print(f"error: {error.detail}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    if batch_api and chosen.batch is None:
        stderr.print("error: --batch-api needs the llm engine (a model endpoint)", markup=False)
        raise typer.Exit(EXIT_USAGE)
    stderr.print(f"engine: {choice.name} ({choice.reason})", markup=False)
    total = count_items(source) if progress else None

    def warn(message: str) -> None:
        stderr.print(f"warning: {message}", markup=False)

    show = BulkProgress(stderr, total, settings) if progress else None
    run = BulkRun(
        summariser,
        chosen,
        out,
        concurrency=concurrency,
        retry_errors=retry_errors,
        near_duplicates=near_duplicates,
        batch=BatchSettings(poll_s=batch_poll_s) if batch_api else None,
        on_item=show.on_item if show else None,
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
    print_bulk_report(stderr, run.report, settings, str(out))
    if gate.rate_limited:
        stderr.print(
            f"rate limited {gate.rate_limited} time(s); concurrency went down to "
            f"{int(gate.lowest)} and back up to {int(gate.limit)}",
            markup=False,
        )
    if run.report.failed:
        raise typer.Exit(EXIT_FAILED)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind_refusal(host: str, settings: Settings) -> str | None:
    """Why the service may not listen on ``host`` as configured, if it may not."""
    loopback = host in LOOPBACK or host.startswith("127.")
    if loopback or settings.api_key_list() or settings.allow_unauthenticated:
        return None
    return (
        f"refusing to serve on {host} without API keys: set MILESTONES_API_KEYS, or "
        "MILESTONES_ALLOW_UNAUTHENTICATED=true (or --allow-unauthenticated) to serve openly"
    )


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    allow_unauthenticated: Annotated[
        bool, typer.Option(help="Serve without API keys on a non-loopback address.")
    ] = False,
) -> None:
    """Run the HTTP service (POST /v1/summaries, POST /v1/jobs; docs at /docs)."""
    import uvicorn

    from service.http.app import create_app

    try:
        settings = Settings()
        if allow_unauthenticated:
            settings = settings.model_copy(update={"allow_unauthenticated": True})
        refusal = bind_refusal(host, settings)
        if refusal:
            stderr.print(f"error: {refusal}", markup=False)
            raise typer.Exit(EXIT_USAGE)
        application = create_app(settings)
    except MilestonesError as error:
        stderr.print(f"error: {error.detail}", markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    stderr.print(f"serving on http://{host}:{port} (docs at /docs)", markup=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("webhook-secret")
def webhook_secret_command() -> None:
    """Print a new webhook signing secret (for MILESTONES_WEBHOOK_SECRET and your receiver)."""
    from service.webhooks import new_secret

    print(new_secret())


def main() -> None:
    """Entry point of the ``milestones`` console script."""
    app()


if __name__ == "__main__":
    main()
