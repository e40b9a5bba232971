"""Readable output: one table of milestones per article."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from schemas import SummaryRecord


def summary_panel(record: SummaryRecord) -> Panel:
    """An article's headline, summary and milestones table."""
    summary = record.summary
    table = Table(expand=True, show_lines=True, pad_edge=False)
    table.add_column("milestone", no_wrap=True)
    table.add_column("who", ratio=2, overflow="fold")
    table.add_column("product", ratio=1, min_width=8, overflow="fold")
    table.add_column("title", ratio=3, overflow="fold")
    for m in summary.milestones:
        when = f"{m.status} · {m.date}" if m.date else m.status
        who = Text(m.organisation)
        if m.authority:
            who.append(f"\nby {m.authority}", style="dim")
        if m.jurisdiction:
            who.append(f" ({m.jurisdiction})", style="dim")
        table.add_row(Text(f"{m.kind}\n{when}"), who, m.product or "", m.title)
    meta = record.meta
    facts = [meta.engine, *([meta.model] if meta.model else []), meta.prompt_version]
    if meta.requests:
        facts += [f"{meta.attempts} attempt(s)", f"{meta.usage.total_tokens} tokens"]
    facts.append(f"{meta.latency_ms:.0f} ms")
    if meta.cached:
        facts.append("cached")
    footer = Text(" · ".join(facts), style="dim")
    if meta.degraded:
        footer.append(f"\ndegraded: {meta.degraded_reason}", style="yellow")
    body = Group(
        Text(summary.headline, style="bold"),
        Text(summary.summary),
        table if summary.milestones else Text("no milestones", style="italic"),
        footer,
    )
    return Panel(body, title=record.source or "article", title_align="left")


def print_summary(console: Console, record: SummaryRecord) -> None:
    """Print one article's panel."""
    console.print(summary_panel(record))
