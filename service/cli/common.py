"""What every command shares: the Typer app, exit statuses, the engine and store a
command opens (or exit 2 saying why not), errors reported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional, TypeVar, cast

import typer
from rich.console import Console

from schemas.v2 import VERSIONS, Version
from service import __version__
from service.engines import Engine, EngineChoice, RequestGate, build_engine, choose
from service.errors import ExtractionFailed, InvalidSettings, MilestonesError
from service.inputs import is_url
from service.settings import EngineName, Settings, load_settings

if TYPE_CHECKING:
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


SchemaOption = Annotated[
    str,
    typer.Option(
        "--schema",
        metavar="VERSION",
        help="The schema of the JSON lines: v2 (each milestone with its details, the "
        "default) or v1 (as before v2: the same fields without details).",
    ),
]


def schema_version(value: str) -> Version:
    """The schema version asked for, or exit 2 naming the ones there are."""
    if value not in VERSIONS:
        usage_error(f"--schema {value!r}: give one of {', '.join(VERSIONS)}")
    return cast(Version, value)


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
    """Exit 2 naming every path that does not exist (``-`` is standard input, an
    http(s) URL a page to fetch)."""
    missing = [p for p in paths if p != "-" and not is_url(p) and not Path(p).exists()]
    if missing:
        usage_error("; ".join(f"no such file or directory: {p}" for p in missing))


def report_failure(source: str, error: MilestonesError) -> None:
    stderr.print(f"[red]error[/red]: {source}: {error.kind}: {error.detail}", markup=True)
    if isinstance(error, ExtractionFailed):
        for line in error.errors:
            stderr.print(f"  - {line}", markup=False)


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


def html_folder(folder: Path | None) -> HtmlFolder | None:
    """The folder --html names, made ready (or exit 2 saying why it cannot be)."""
    if folder is None:
        return None
    from service.web.standalone import HtmlFolder

    try:
        return HtmlFolder(folder)
    except OSError as error:
        usage_error(f"cannot write pages to {folder}: {error.strerror or error}")
