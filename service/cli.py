"""The ``milestones`` command line. Thin: parse arguments, call the library, print.

Exit status, the same in every command: 0 done; 1 ran, but some articles failed (each
reported on stderr); 2 could not run as asked (an option, a setting or a path that is
wrong: the message says which and what is accepted). No user error prints a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional, TypeVar

import typer
from rich.console import Console

from schemas import SummaryRecord
from service import __version__
from service.engines import BatchSettings, Engine, EngineChoice, RequestGate, build_engine, choose
from service.errors import ExtractionFailed, InputError, InvalidSettings, MilestonesError
from service.evaluate import evaluate, load_gold, read_records
from service.inputs import Source, iter_sources
from service.offload import off_loop, off_loop_for
from service.pipeline import Summariser, summarise
from service.render import print_eval_report, print_summary
from service.settings import EngineName, Settings, load_settings

if TYPE_CHECKING:
    from service.index.models import ListPage, Timeline
    from service.index.query import Filters, Page, Sort
    from service.store import Store
    from service.web.standalone import HtmlFolder

T = TypeVar("T")

EPILOG = (
    "Exit status: 0 done; 1 some articles failed (each reported); 2 an option, setting "
    "or path is wrong (the message says which)."
)
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Grounded milestone summaries of news articles about advanced therapies.",
    epilog=EPILOG,
    # Plain help: it wraps at the terminal's width and never cuts an option off.
    rich_markup_mode=None,
    # An unexpected error's traceback must not print settings (keys) held in locals.
    pretty_exceptions_show_locals=False,
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


EngineOption = Annotated[
    Optional[EngineName],  # noqa: UP045 (typer reads the annotation at run time)
    typer.Option(
        help="Which engine reads the articles: llm (a model), rules (offline), or auto "
        "(llm when a model is configured). Default: MILESTONES_ENGINE, else auto."
    ),
]


def usage_error(error: MilestonesError | str) -> NoReturn:
    """Say what is wrong with how the command was run (one line per problem); exit 2."""
    if isinstance(error, str):
        lines = [error]
    else:
        lines = error.problems if isinstance(error, InvalidSettings) else [error.detail]
    for line in lines:
        stderr.print(f"error: {line}", markup=False)
    raise typer.Exit(EXIT_USAGE)


def configured(
    requested: EngineName | None = None, *, gate: RequestGate | None = None
) -> tuple[Settings, EngineChoice, Engine]:
    """The settings and the engine, or exit 2 saying what is wrong with them."""
    try:
        settings = load_settings()
        choice = choose(settings, requested)
        engine = build_engine(choice, settings, gate=gate)
    except MilestonesError as error:
        usage_error(error)
    stderr.print(f"engine: {choice.name} ({choice.reason})", markup=False)
    return settings, choice, engine


def missing_paths(paths: list[str]) -> None:
    """Exit 2 naming every path that does not exist (``-`` is standard input)."""
    missing = [p for p in paths if p != "-" and not Path(p).exists()]
    if missing:
        usage_error("; ".join(f"no such file or directory: {p}" for p in missing))


def _report(source: str, error: MilestonesError) -> None:
    stderr.print(f"[red]error[/red]: {source}: {error.kind}: {error.detail}", markup=True)
    if isinstance(error, ExtractionFailed):
        for line in error.errors:
            stderr.print(f"  - {line}", markup=False)


async def _summarise_all(
    sources: list[Source],
    engine: Engine,
    concurrency: int,
    as_json: bool,
    evidence: bool,
    pages: HtmlFolder | None = None,
    summariser: Summariser | None = None,
) -> int:
    limit = asyncio.Semaphore(concurrency)
    stdout = Console(highlight=False)
    path = summariser or Summariser()

    async def one(source: Source) -> tuple[SummaryRecord, str] | MilestonesError:
        if source.input is None:
            return source.error or InputError("unreadable")
        async with limit:
            try:
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
                _report(source.name, result)
                if pages is not None:
                    pages.fail(source.name, f"{result.kind}: {result.detail}")
                continue
            if pages is not None:
                record, text = result
                await off_loop_for(len(text), pages.add, source.name, record, text)
            if as_json:
                record, text = result
                line = record.model_dump(mode="json")
                if source.input is not None and source.input.extracted:
                    line["text"] = text  # the extracted text the spans refer to
                sys.stdout.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                sys.stdout.flush()
            else:
                print_summary(stdout, result[0], evidence=evidence)
    finally:
        await engine.aclose()
        await path.aclose()
    return failures


@app.command("summarise", short_help="Summarise articles: a table or JSON Lines.")
def summarise_command(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Article files (.txt, .md, .html), directories of them, or -.", metavar="PATH"
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
) -> None:
    """Summarise articles: a table per article, or JSON Lines with --json. Summaries are
    kept in the store (DATABASE_URL) unless --no-store: a repeat is served from it, and
    timeline, search and export see them."""
    missing_paths(paths)
    settings, _, chosen = configured(engine)
    sources = list(iter_sources(paths))
    pages = _html_folder(html)
    summariser = None if no_store else Summariser(open_store(settings), settings)
    failures = asyncio.run(
        _summarise_all(sources, chosen, concurrency, as_json, evidence, pages, summariser)
    )
    if pages is not None:
        stderr.print(f"pages: {pages.close()}", markup=False)
    if failures:
        stderr.print(f"{failures} of {len(sources)} article(s) failed", markup=False)
        raise typer.Exit(EXIT_FAILED)


def open_store(settings: Settings | None = None) -> Store:
    """The store of DATABASE_URL (SQLite by default), or exit 2 saying why it cannot open."""
    from service.store import Store

    try:
        return Store((settings or load_settings()).database_url)
    except MilestonesError as error:
        usage_error(error)


def read_store(read: Callable[[Store], T], settings: Settings | None = None) -> T:
    """``read`` on the store of DATABASE_URL, closed after (exit 2 if it cannot open)."""
    store = open_store(settings)
    try:
        return read(store)
    finally:
        store.close()


def _html_folder(folder: Path | None) -> HtmlFolder | None:
    """The folder --html names, made ready (or exit 2 saying why it cannot be)."""
    if folder is None:
        return None
    from service.web.standalone import HtmlFolder

    try:
        return HtmlFolder(folder)
    except OSError as error:
        usage_error(f"cannot write pages to {folder}: {error.strerror or error}")


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
) -> None:
    """Summarise an archive into JSON Lines: resumable, rate-adaptive, failures kept apart."""
    from service.bulk.display import BulkProgress, print_bulk_report
    from service.bulk.items import count_items, iter_items
    from service.bulk.limiter import AdaptiveGate
    from service.bulk.results import errors_path
    from service.bulk.runner import BulkRun

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
    pages = _html_folder(html)
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


def cannot_listen(host: str, port: int) -> str | None:
    """Why the service could not listen on ``host:port`` (taken, not an address here)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        return f"cannot listen on {host}:{port}: {error.strerror or error}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


@app.command("serve", short_help="Run the HTTP service (docs at /docs).")
def serve_command(
    host: Annotated[
        str,
        typer.Option(metavar="ADDRESS", help="Address to listen on (0.0.0.0: every interface)."),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, metavar="PORT", help="Port to listen on.")
    ] = 8000,
    allow_unauthenticated: Annotated[
        bool,
        typer.Option(
            "--allow-unauthenticated",
            help="Serve without API keys on a non-loopback address.",
        ),
    ] = False,
) -> None:
    """Run the HTTP service (POST /v1/summaries, POST /v1/jobs; docs at /docs)."""
    import uvicorn

    from service.http.app import create_app

    try:
        settings = load_settings()
        if allow_unauthenticated:
            settings = settings.model_copy(update={"allow_unauthenticated": True})
        refusal = bind_refusal(host, settings)
        if refusal:
            usage_error(refusal)
        unusable = cannot_listen(host, port)
        if unusable:
            usage_error(unusable)
        application = create_app(settings)
    except MilestonesError as error:
        usage_error(error)
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    auth = " -H 'authorization: Bearer <key>'" if settings.api_key_list() else ""
    stderr.print(
        f"serving on {base}\n"
        f"  API docs: {base}/docs (Swagger UI) · {base}/redoc (ReDoc)\n"
        f"  try:      curl -s {base}/v1/summaries{auth} -H 'content-type: text/plain' "
        "--data-binary @article.txt",
        markup=False,
    )
    uvicorn.run(application, host=host, port=port, log_level="warning")


# -- across articles: the index every summarise, bulk run and the service write ---------


def _filters(**given: object) -> Filters:
    """The filters as asked, or exit 2 saying which is wrong."""
    from service.index.query import Filters

    try:
        return Filters(**given)  # type: ignore[arg-type]
    except MilestonesError as error:
        usage_error(error)


KindOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--kind", metavar="KIND", help="A milestone kind (repeat for several)."),
]
StatusOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(metavar="STATUS", help="achieved, in_progress or planned."),
]
NameOption = Annotated[Optional[str], typer.Option(metavar="NAME")]  # noqa: UP045
DateOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(metavar="DATE", help="YYYY, YYYY-MM or YYYY-MM-DD."),
]


@app.command("export", short_help="Write stored milestones, events or summaries to a file.")
def export_command(
    out: Annotated[Path, typer.Option("-o", "--out", metavar="FILE", help="The file to write.")],
    format: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--format", metavar="FORMAT", help="csv, xlsx or jsonl (default: FILE's extension)."
        ),
    ] = None,
    what: Annotated[
        str,
        typer.Option(metavar="WHAT", help="milestones (one row each), events or summaries."),
    ] = "milestones",
    kind: KindOption = None,
    status: StatusOption = None,
    product: NameOption = None,
    organisation: NameOption = None,
    authority: NameOption = None,
    jurisdiction: NameOption = None,
    since: DateOption = None,
    until: DateOption = None,
    query: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("-q", "--query", metavar="WORDS", help="Full-text search."),
    ] = None,
) -> None:
    """Write what the store holds (every summarise, bulk run and service request adds to
    it) as CSV, XLSX or JSON Lines: every row the filters select, in date order."""
    from service.index.sheets import SHEETS, csv_lines, xlsx_bytes
    from service.store.index import every

    fmt = (format or out.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "xlsx", "jsonl"):
        usage_error(f"--format must be csv, xlsx or jsonl, not {fmt or 'missing'!r}")
    if what not in ("milestones", "events", "summaries"):
        usage_error(f"--what must be milestones, events or summaries, not {what!r}")
    filters = _filters(
        kinds=tuple(kind or ()), status=status, product=product, organisation=organisation,
        authority=authority, jurisdiction=jurisdiction, date_from=since, date_to=until,
        query=query,
    )  # fmt: skip
    store = open_store()
    listing: Callable[[Filters, Page], ListPage[Any]] = {  # type: ignore[assignment]
        "milestones": store.index.milestones,
        "events": store.index.events,
        "summaries": store.index.articles,
    }[what]
    sort: Sort = "seen" if what == "summaries" else "date"
    counted = 0

    def rows() -> Iterator[Any]:
        nonlocal counted
        for row in every(listing, filters, sort):
            counted += 1
            yield row

    columns, to_row = SHEETS[what]
    try:
        if fmt == "xlsx":
            data = xlsx_bytes(what, columns, (to_row(r) for r in rows()))
            out.write_bytes(data)
        else:
            with out.open("w", encoding="utf-8", newline="") as file:
                if fmt == "csv":
                    for chunk in csv_lines(columns, (to_row(r) for r in rows())):
                        file.write(chunk)
                else:
                    for row in rows():
                        file.write(row.model_dump_json() + "\n")
    except OSError as error:
        usage_error(f"cannot write {out}: {error.strerror or error}")
    except MilestonesError as error:
        usage_error(error)
    finally:
        store.close()
    stderr.print(f"wrote {counted} {what} to {out}", markup=False)
    if not counted:
        stderr.print("nothing stored matches these filters", markup=False)
        raise typer.Exit(EXIT_FAILED)


@app.command("timeline", short_help="What happened to a product or organisation, in order.")
def timeline_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Any name of it (IMC-002, FDA …).")],
    organisation: Annotated[
        bool,
        typer.Option(
            "--organisation",
            help="NAME is an organisation (default: a product, "
            "then an organisation if no product has that name).",
        ),
    ] = False,
) -> None:
    """The events of a product or organisation in date order (undated last), each with
    the articles that reported it; exit 1 when the store holds none."""
    from service.render import print_timeline

    def timeline(store: Store) -> Timeline | None:
        found = None if organisation else store.index.timeline("product", name)
        return found or store.index.timeline("organisation", name)

    found = read_store(timeline)
    if found is None:
        stderr.print(f"nothing stored for {name!r}", markup=False)
        raise typer.Exit(EXIT_FAILED)
    print_timeline(Console(highlight=False), found)


@app.command("search", short_help="Find stored summaries by words in their articles.")
def search_command(
    words: Annotated[str, typer.Argument(metavar="QUERY", help="Words that must all occur.")],
    limit: Annotated[
        int, typer.Option("-n", "--limit", min=1, max=500, metavar="N", help="At most N.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, one summary each.")] = False,
) -> None:
    """Stored summaries whose article, headline or summary holds every word (English
    stemming), newest first; exit 1 when none does."""
    from service.index.query import Page
    from service.render import print_articles

    filters = _filters(query=words)
    found = read_store(lambda store: store.index.articles(filters, Page(limit=limit)).items)
    if not found:
        stderr.print(f"no stored summary matches {words!r}", markup=False)
        raise typer.Exit(EXIT_FAILED)
    if as_json:
        for article in found:
            print(article.model_dump_json())
    else:
        print_articles(Console(highlight=False), found)


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


@app.command("logs", short_help="The model calls: answers, validation errors, retries.")
def logs_command(
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
    """The call log of DATABASE_URL's store, newest first: each model request with its
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


def main() -> None:
    """Entry point of the ``milestones`` console script."""
    app()


if __name__ == "__main__":
    main()
