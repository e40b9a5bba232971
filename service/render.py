"""Readable output: one table of milestones per article; evaluation reports; timelines
and search results across articles."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from schemas import Milestone, SummaryRecord
from service.evaluate import EvalReport
from service.index.models import IndexedArticle, Timeline


def _who(m: Milestone) -> Text:
    who = Text(m.organisation)
    if m.authority or m.jurisdiction:
        by = f"by {m.authority}" if m.authority else "in"
        who.append(f"\n{by}" + (f" ({m.jurisdiction})" if m.jurisdiction else ""), style="dim")
    return who


def milestones_table(milestones: list[Milestone], *, evidence: bool = False) -> Table:
    """One row per milestone: what happened (the title names the event), its status and
    date, who reached it and who decided. Columns wrap at word boundaries, so the table
    reads in an 80-column terminal; ``evidence`` adds the article's words under each."""
    table = Table(expand=True, show_lines=True, pad_edge=False)
    table.add_column("milestone", ratio=3, overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("who", ratio=2, overflow="fold")
    for m in milestones:
        what = Text(m.title, style="bold")
        details = [m.kind] + ([f"product: {m.product}"] if m.product else [])
        if m.indication:
            details.append(f"in {m.indication}")
        what.append("\n" + " · ".join(details), style="dim")
        if evidence:
            what.append(f"\n“{m.evidence}”", style="italic")
        status = Text(m.status.replace("_", " "))
        if m.date:
            status.append(f"\n{m.date}")
        table.add_row(what, status, _who(m))
    return table


def summary_panel(record: SummaryRecord, *, evidence: bool = False) -> Panel:
    """An article's headline, summary and milestones table."""
    summary = record.summary
    meta = record.meta
    facts = [meta.engine, *([meta.model] if meta.model else []), meta.prompt_version]
    if meta.requests:
        facts += [f"{meta.attempts} answer(s)", f"{meta.usage.total_tokens} tokens"]
    facts.append(f"{meta.latency_ms:.0f} ms")
    if meta.cached:
        facts.append("cached")
    footer = Text(" · ".join(facts), style="dim")
    if meta.degraded:
        footer.append(f"\ndegraded: {meta.degraded_reason}", style="yellow")
    milestones = summary.milestones
    body = Group(
        Text(summary.headline, style="bold"),
        Text(summary.summary),
        milestones_table(milestones, evidence=evidence)
        if milestones
        else Text("no milestones", style="italic"),
        footer,
    )
    return Panel(body, title=record.source or "article", title_align="left")


def print_summary(console: Console, record: SummaryRecord, *, evidence: bool = False) -> None:
    """Print one article's panel."""
    console.print(summary_panel(record, evidence=evidence))


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def print_eval_report(console: Console, report: EvalReport) -> None:
    """Per-article and overall precision and recall, and what was missed."""
    table = Table(title="milestones against the gold", expand=False)
    for column in ("article", "pred", "gold", "match", "precision", "recall", "key recall"):
        table.add_column(column, justify="left" if column == "article" else "right")
    for row in report.per_article():
        table.add_row(
            row["article"],
            str(row["predicted"]),
            str(row["gold"]),
            str(row["matched"]),
            _figure(row["precision"]),
            _figure(row["recall"]),
            _figure(row["key_recall"]),
        )
    o = report.overall()
    table.add_section()
    table.add_row(
        "overall",
        str(o["predicted"]),
        str(o["gold"]),
        str(o["matched"]),
        _figure(o["precision"]),
        _figure(o["recall"]),
        _figure(o["key_recall"]),
        style="bold",
    )
    console.print(table)
    console.print(
        f"grounded evidence: {_figure(o['grounded_share'])} of predicted milestones · "
        f"evidence in boilerplate: {o['in_boilerplate']} · failed articles: {o['failed']}"
    )
    if o["details_gold"]:
        console.print(
            f"details: precision {_figure(o['detail_precision'])} · recall "
            f"{_figure(o['detail_recall'])} ({o['details_gold']} stated in the gold, on the "
            "milestones matched)"
        )
    for row in report.per_article():
        for line in row["missed"]:
            console.print(f"  missed   {row['article']}: {line}", markup=False)
        for line in row["unmatched"]:
            console.print(f"  unmatched {row['article']}: {line}", markup=False)
        if "error" in row:
            console.print(f"  failed   {row['article']}: {row['error']}", markup=False)


def _shorten(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def print_timeline(console: Console, timeline: Timeline) -> None:
    """A product's or organisation's events in date order, each with its sources."""
    others = [n for n in timeline.names if n != timeline.name]
    title = Text(f"{timeline.name}", style="bold")
    title.append(f" ({timeline.kind})", style="dim")
    if others:
        title.append(f" · also written {', '.join(others)}", style="dim")
    console.print(title)
    table = Table(expand=True, show_lines=True, pad_edge=False)
    table.add_column("date", no_wrap=True)
    table.add_column("event", ratio=3, overflow="fold")
    table.add_column("sources", ratio=3, overflow="fold")
    for event in timeline.events:
        what = Text(event.kind.replace("_", " "), style="bold")
        what.append(f"\n{event.status.replace('_', ' ')}")
        about = [event.product or event.organisation]
        if event.authority or event.jurisdiction:
            by = f"by {event.authority}" if event.authority else "in"
            about.append(by + (f" ({event.jurisdiction})" if event.jurisdiction else ""))
        what.append("\n" + " · ".join(about), style="dim")
        if event.progression:
            steps = " → ".join(s.status.replace("_", " ") for s in event.progression)
            what.append(f"\n{steps}", style="dim")
        sources = Text()
        for n, source in enumerate(event.sources):
            where = source.article.outlet or _shorten(source.article.headline, 60)
            when = f", {source.article.published_at}" if source.article.published_at else ""
            sources.append(("\n" if n else "") + f"{where}{when}: ", style="dim")
            sources.append(f"“{_shorten(source.evidence)}”", style="italic")
        table.add_row(event.date or "undated", what, sources)
    console.print(table)


def print_articles(console: Console, articles: list[IndexedArticle]) -> None:
    """Stored summaries found: when, where, headline, how many milestones, id."""
    table = Table(expand=True, pad_edge=False)
    table.add_column("published", no_wrap=True)
    table.add_column("headline", ratio=4, overflow="fold")
    table.add_column("milestones", justify="right", no_wrap=True)
    table.add_column("summary id", no_wrap=True)
    for article in articles:
        headline = Text(article.headline, style="bold")
        if article.outlet or article.source:
            headline.append(f"\n{article.outlet or article.source}", style="dim")
        table.add_row(
            article.published_at or "–", headline, str(article.milestones), article.summary_id
        )
    console.print(table)
