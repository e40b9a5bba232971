"""What a bulk run shows: a progress bar while it runs, and a report at the end."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from service.bulk.items import Item
from service.bulk.runner import BulkReport
from service.settings import Settings


def _cost(settings: Settings, report: BulkReport) -> str:
    cost = settings.cost_usd(report.prompt_tokens, report.completion_tokens)
    return "unknown" if cost is None else f"${cost:,.4f}"


class BulkProgress:
    """A rich progress bar: done, failed, cached, rate, ETA, tokens and estimated cost."""

    def __init__(self, console: Console, total: int | None, settings: Settings) -> None:
        self.settings = settings
        self.progress = Progress(
            TextColumn("[bold]bulk"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID = self.progress.add_task("bulk", total=total, counts="", rate="")

    def __enter__(self) -> BulkProgress:
        self.progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.progress.stop()

    def on_item(self, _: Item, __: str, report: BulkReport) -> None:
        tokens = report.prompt_tokens + report.completion_tokens
        elapsed = self.progress.tasks[0].elapsed or 0.0
        rate = f"{report.finished / elapsed * 60:,.0f}/min" if elapsed else ""
        self.progress.update(
            self.task,
            completed=report.finished + report.skipped,
            counts=(
                f"done {report.done} · failed {report.failed} · cached {report.cached} · "
                f"skipped {report.skipped} · {tokens:,} tokens · {_cost(self.settings, report)}"
            ),
            rate=rate,
        )


def print_bulk_report(
    console: Console, report: BulkReport, settings: Settings, out: Path, errors: Path
) -> None:
    """The final report of a bulk run: counts, tokens, cost and time, and where the
    failures are."""
    table = Table(title=f"bulk run → {out}", show_header=False)
    table.add_column("what")
    table.add_column("", justify="right")
    rows = [
        ("items", f"{report.total:,}"),
        ("summarised", f"{report.done:,}"),
        ("  from the cache", f"{report.cached:,}"),
        ("  reused from a near-duplicate", f"{report.near_duplicates:,}"),
        ("skipped (already in the output)", f"{report.skipped:,}"),
        ("failed", f"{report.failed:,}"),
        ("model requests", f"{report.model_requests:,}"),
        (
            "tokens (prompt / completion)",
            f"{report.prompt_tokens:,} / {report.completion_tokens:,}",
        ),
        ("estimated cost", _cost(settings, report)),
        ("wall time", f"{report.wall_s:,.1f} s"),
        ("throughput", f"{report.throughput_per_min():,.1f} items/min"),
    ]
    for what, value in rows:
        table.add_row(what, value)
    console.print(table)
    if report.failed:
        console.print(
            f"{report.failed:,} item(s) failed: why is in {errors} (one JSON line each); "
            "--retry-errors runs only those again",
            markup=False,
        )
