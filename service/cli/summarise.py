"""``milestones summarise`` (articles to a table or JSON Lines) and ``milestones eval``
(precision and recall against a gold file)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from schemas import SummaryRecord
from schemas.v2 import Version, json_in
from service.by_url import summarise_url
from service.cli.common import (
    EXIT_FAILED,
    EngineOption,
    SchemaOption,
    app,
    configured,
    html_folder,
    missing_paths,
    open_store,
    report_failure,
    schema_version,
    stderr,
    usage_error,
)
from service.engines import Engine
from service.errors import InputError, MilestonesError
from service.evaluate import evaluate, load_gold, read_records
from service.fetch import Fetcher
from service.formats import all_suffixes
from service.inputs import Source, iter_sources
from service.offload import off_loop, off_loop_for
from service.pipeline import Summariser, summarise
from service.render import print_eval_report, print_summary

if TYPE_CHECKING:
    from service.web.standalone import HtmlFolder


async def _summarise_all(
    sources: list[Source],
    engine: Engine,
    concurrency: int,
    as_json: bool,
    evidence: bool,
    pages: HtmlFolder | None = None,
    summariser: Summariser | None = None,
    schema: Version = "v2",
) -> int:
    limit = asyncio.Semaphore(concurrency)
    stdout = Console(highlight=False)
    path = summariser or Summariser()
    fetcher: Fetcher | None = None

    async def one(source: Source) -> tuple[SummaryRecord, str] | MilestonesError:
        nonlocal fetcher
        if source.input is None:
            return source.error or InputError("unreadable")
        async with limit:
            try:
                if source.input.to_fetch:  # a page by its URL: fetched, then read
                    fetcher = fetcher or Fetcher(path.settings)
                    made = await summarise_url(path, engine, fetcher, source.input)
                    return made.record, made.text
                article = await off_loop(source.input.to_article)
                return (await path.summarise(article, engine)).record, article.text
            except MilestonesError as error:
                return error

    failures = 0
    for source in sources:
        if source.encoding:
            stderr.print(
                f"warning: {source.name} is not UTF-8: read as {source.encoding} (detected)",
                markup=False,
            )
    try:
        tasks = [asyncio.ensure_future(one(s)) for s in sources]
        for source, task in zip(sources, tasks, strict=True):
            result = await task  # in input order, each as soon as it is ready
            if isinstance(result, MilestonesError):
                failures += 1
                report_failure(source.name, result)
                if pages is not None:
                    pages.fail(source.name, f"{result.kind}: {result.detail}")
                continue
            if pages is not None:
                record, text = result
                await off_loop_for(len(text), pages.add, source.name, record, text)
            if as_json:
                record, text = result
                line = json_in(record, schema)
                if source.input is not None and (source.input.to_fetch or source.input.extracted):
                    line["text"] = text  # the extracted text the spans refer to
                sys.stdout.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                sys.stdout.flush()
            else:
                print_summary(stdout, result[0], evidence=evidence)
    finally:
        await engine.aclose()
        await path.aclose()
        if fetcher is not None:
            await fetcher.aclose()
    return failures


@app.command("summarise", short_help="Summarise articles: a table or JSON Lines.")
def summarise_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help=f"Article files ({', '.join(all_suffixes())}; other names are read as "
            "plain text), directories of them, - (plain text on standard input), or "
            "https:// URLs of pages to fetch.",
            metavar="PATH",
        ),
    ],
    engine: EngineOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines on stdout, one line per article.")
    ] = False,
    evidence: Annotated[
        bool,
        typer.Option("--evidence", help="Show each milestone's evidence: the article's words."),
    ] = False,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, metavar="N", help="Articles summarised at once.")
    ] = 4,
    html: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--html",
            metavar="DIR",
            help="Also write a page per article (evidence highlighted in the text) and an "
            "index to DIR: self-contained files that open from disk.",
        ),
    ] = None,
    no_store: Annotated[
        bool,
        typer.Option(
            "--no-store",
            help="Keep nothing: no cache of summaries and nothing added to the index that "
            "timeline, search and export read.",
        ),
    ] = False,
    schema: SchemaOption = "v2",
) -> None:
    """Summarise articles: a table per article, or JSON Lines with --json. Summaries are
    kept in the store (DATABASE_URL) unless --no-store: a repeat is served from it, and
    timeline, search and export see them."""
    missing_paths(paths)
    version = schema_version(schema)
    settings, _, chosen = configured(engine)
    sources = list(iter_sources(paths))
    pages = html_folder(html)
    summariser = None if no_store else Summariser(open_store(settings), settings)
    failures = asyncio.run(
        _summarise_all(sources, chosen, concurrency, as_json, evidence, pages, summariser, version)
    )
    if pages is not None:
        stderr.print(f"pages: {pages.close()}", markup=False)
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


@app.command("eval", short_help="Precision and recall against a gold file.")
def eval_command(
    gold: Annotated[Path, typer.Argument(metavar="GOLD", help="Gold file (JSON Lines).")],
    results: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Argument(
            metavar="RESULTS", help="Results of summarise --json; omitted: run the engine now."
        ),
    ] = None,
    articles: Annotated[
        Path, typer.Option(metavar="DIR", help="Folder holding the gold's articles.")
    ] = Path("seeds"),
    engine: EngineOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Precision and recall of milestones against a gold file, per article and overall."""
    missing_paths([str(gold), *([str(results)] if results is not None else [])])
    try:
        gold_articles = load_gold(gold)
        records = read_records(results) if results is not None else None
    except MilestonesError as error:
        usage_error(error)
    errors: dict[str, str] = {}
    if records is None:
        missing_paths([str(articles)])
        _, _, chosen = configured(engine)
        paths = [articles / g.article for g in gold_articles]
        records, errors = asyncio.run(_run_engine(chosen, paths))
    report = evaluate(gold_articles, records, articles if articles.is_dir() else None, errors)
    if as_json:
        print(json.dumps({"articles": report.per_article(), "overall": report.overall()}))
    else:
        print_eval_report(Console(highlight=False), report)
