"""``milestones watch``: one pass over feeds, each new item summarised (cron-friendly)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer

from service.cli.common import (
    EXIT_FAILED,
    EngineOption,
    app,
    configured,
    open_store,
    report_failure,
    stderr,
    usage_error,
)
from service.engines import Engine
from service.errors import MilestonesError
from service.fetch import Fetcher
from service.inputs import is_url
from service.pipeline import Summariser
from service.watch import FeedPass, watch_feed


async def _watch(
    feeds: list[str], engine: Engine, summariser: Summariser
) -> list[FeedPass | MilestonesError]:
    fetcher = Fetcher(summariser.settings)
    passes: list[FeedPass | MilestonesError] = []
    try:
        for url in feeds:  # one after another: a feed's items are paced by its own pass
            try:
                passes.append(await watch_feed(summariser, engine, fetcher, url))
            except MilestonesError as error:
                passes.append(error)
    finally:
        await fetcher.aclose()
        await engine.aclose()
        await summariser.aclose()
    return passes


@app.command("watch", short_help="One pass over feeds: summarise each new item.")
def watch_command(
    feeds: Annotated[
        list[str], typer.Argument(metavar="FEED", help="RSS or Atom feed URLs (https://).")
    ],
    engine: EngineOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines on stdout: one line per new item.")
    ] = False,
) -> None:
    """Read each feed once and summarise the items not seen before (by guid or link, and
    what they say): a page linked is fetched and read, an item without a link is read
    from its own content. The items seen are kept in the store (DATABASE_URL), so a
    second pass summarises only what is new; run it from cron. Exit 1 when a feed could
    not be read or an item failed (each said on stderr; a failed item is tried again on
    the next passes, three times in all)."""
    bad = [f for f in feeds if not is_url(f)]
    if bad:
        usage_error("; ".join(f"not a feed URL (http:// or https://): {f}" for f in bad))
    settings, _, chosen = configured(engine)
    summariser = Summariser(open_store(settings), settings)
    passes = asyncio.run(_watch(feeds, chosen, summariser))
    failed = 0
    for url, result in zip(feeds, passes, strict=True):
        if isinstance(result, MilestonesError):
            failed += 1
            report_failure(url, result)
            continue
        for done in result.done:
            item = done.item
            if done.error is not None:
                failed += 1
                report_failure(item.link or item.key, done.error)
                continue
            assert done.record is not None
            milestones = done.record.summary.milestones
            if as_json:
                line = {"feed": url, "item": item.key, "link": item.link, "title": item.title,
                        "summary_id": done.summary_id, "milestones": len(milestones),
                        "kinds": [m.kind for m in milestones]}  # fmt: skip
                sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            else:
                kinds = ", ".join(sorted({m.kind for m in milestones})) or "no milestones"
                print(f"new: {item.title or item.link or item.key} ({len(milestones)}: {kinds})")
        for why in result.skipped:
            stderr.print(f"warning: {url}: skipped {why}", markup=False)
        state = "not modified" if result.not_modified else f"{result.items} items"
        stderr.print(
            f"{url}: {state}, {len(result.done)} new or changed, {result.seen} seen before",
            markup=False,
        )
    if failed:
        raise typer.Exit(EXIT_FAILED)
