"""Across articles: ``milestones export``, ``timeline`` and ``search``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.console import Console

from service.cli.common import (
    EXIT_FAILED,
    app,
    open_store,
    read_store,
    stderr,
    usage_error,
)
from service.errors import MilestonesError

if TYPE_CHECKING:
    from service.index.models import ListPage, Timeline
    from service.index.names import NameSpace
    from service.index.query import Filters, Page, Sort
    from service.store import Store


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
    from service.index.query import MAX_LIMIT, timeline_page
    from service.render import print_timeline

    def timeline(store: Store) -> Timeline | None:
        space: NameSpace = "organisation" if organisation else "product"
        found = store.index.timeline(space, name)
        if found is None and space == "product":
            space, found = "organisation", store.index.timeline("organisation", name)
        while found is not None and found.next_cursor:  # every page, printed as one
            following = timeline_page(found.next_cursor, MAX_LIMIT)
            more = store.index.timeline(space, name, following)
            assert more is not None  # the name has events: a later page may be empty
            found = found.model_copy(
                update={"events": found.events + more.events, "next_cursor": more.next_cursor}
            )
        return found

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


DetailOption = Annotated[Optional[str], typer.Option(metavar="VALUE")]  # noqa: UP045


@app.command("aggregate", short_help="Stored milestones counted, and money summed, by group.")
def aggregate_command(
    by: Annotated[
        str,
        typer.Option(
            metavar="DIMENSIONS",
            help="Comma-separated: kind, year, quarter, jurisdiction, status, round, "
            "designation, phase, application, currency.",
        ),
    ] = "kind,quarter",
    sum_amounts: Annotated[
        bool,
        typer.Option("--sum", help="Sum the funding amounts too, per currency (no rates)."),
    ] = False,
    kind: KindOption = None,
    status: StatusOption = None,
    product: NameOption = None,
    organisation: NameOption = None,
    authority: NameOption = None,
    jurisdiction: NameOption = None,
    since: DateOption = None,
    until: DateOption = None,
    designation: DetailOption = None,
    application: DetailOption = None,
    phase: DetailOption = None,
    round: DetailOption = None,
    currency: DetailOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON Lines, a group each.")] = False,
) -> None:
    """Count the stored milestones the filters select per group of --by (and with --sum,
    the amounts of money they state, summed per currency as the articles give them);
    exit 1 when none matches."""
    import json

    from service.store.aggregates import dimensions_of

    try:
        dimensions = dimensions_of(by)
    except MilestonesError as error:
        usage_error(error)
    filters = _filters(
        kinds=tuple(kind or ()), status=status, product=product, organisation=organisation,
        authority=authority, jurisdiction=jurisdiction, date_from=since, date_to=until,
        designation=designation, application=application, phase=phase, round=round,
        currency=currency,
    )  # fmt: skip
    rows = read_store(lambda store: store.index.aggregate(filters, dimensions, sum_amounts))
    if not rows:
        stderr.print("no stored milestone matches", markup=False)
        raise typer.Exit(EXIT_FAILED)
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table(title=f"milestones by {', '.join(dimensions)}", expand=False)
    for name in rows[0]:
        table.add_column(name, justify="right" if name in ("milestones", "amount") else "left")
    for row in rows:
        table.add_row(
            *[
                f"{v:,.2f}" if isinstance(v, float) else "–" if v is None else str(v)
                for v in row.values()
            ]
        )
    Console(highlight=False).print(table)
