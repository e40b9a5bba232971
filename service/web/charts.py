"""The charts page (``/charts``): milestones per quarter by kind, and money raised per
quarter by round in one currency, drawn as SVG on the server with pygal (no script runs
in the page, and nothing is fetched from anywhere else), each with its table of figures.

The figures are the index's aggregates (``service.store.aggregates``): what the API's
``/v2/milestones/aggregate`` answers. Amounts are never converted: the money chart is of
one currency at a time, the one asked for or the one most amounts are in.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from typing import Any

import pygal
from fastapi import Request
from fastapi.responses import Response
from pygal.style import Style

from service.errors import BadQuery
from service.http import service_of
from service.index.query import DETAIL_CHOICES, Filters
from service.web import render
from service.web.access import SignedIn, html, page_context, pages_router
from service.web.security import PAGE_HEADERS
from service.web.view import kind_label

# pygal puts an import hook on sys.meta_path for its map plugins (pygal.maps.*), which
# are not used here; written for an older import system, it warns on every import it
# is asked about. It is taken off again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

router = pages_router()
SVG = "image/svg+xml"
# An SVG shown as an image runs no script; its own styles need inline style.
SVG_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}
STYLE = Style(
    background="white", plot_background="white", foreground="#1f2328",
    foreground_strong="#1f2328", foreground_subtle="#57606a", font_family="sans-serif",
    colors=("#0b6bcb", "#b35900", "#1a7f37", "#8250df", "#cf222e", "#6e7781", "#9a6700",
            "#116329", "#953800", "#0550ae"),
)  # fmt: skip


def _quarters(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({r["quarter"] for r in rows if r["quarter"]})


def _series(rows: list[dict[str, Any]], key: str, value: str) -> dict[str, dict[str, float]]:
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        if row["quarter"]:
            series[str(row[key] or "not stated")][row["quarter"]] = float(row[value] or 0)
    return series


def _money(value: float) -> str:
    return f"{value / 1e9:,.1f} bn" if value >= 1e9 else f"{value / 1e6:,.1f} m"


def _chart(
    title: str, quarters: list[str], series: dict[str, dict[str, float]], money: bool = False
) -> str:
    chart = pygal.StackedBar(
        js=[], disable_xml_declaration=True, style=STYLE, title=title, x_label_rotation=30,
        legend_at_bottom=True, width=900, height=480, print_values=False,
        **({"value_formatter": _money} if money else {}),
    )  # fmt: skip
    chart.x_labels = quarters
    for name, values in sorted(series.items()):
        chart.add(name, [values.get(q) for q in quarters])
    svg: str = chart.render(is_unicode=True)
    return svg


async def _milestone_rows(request: Request) -> list[dict[str, Any]]:
    index = service_of(request).store.index
    return await asyncio.to_thread(index.aggregate, Filters(), ("quarter", "kind"), False)


async def _money_rows(request: Request) -> tuple[str | None, list[dict[str, Any]]]:
    index = service_of(request).store.index
    asked = request.query_params.get("currency") or None
    if asked is not None and asked not in DETAIL_CHOICES["currency"]:
        raise BadQuery(f"currency must be an ISO 4217 code such as USD or EUR, not {asked!r}")
    funding = Filters(kinds=("funding",))
    if asked is None:  # the currency most dated amounts are in
        totals = await asyncio.to_thread(index.aggregate, funding, ("quarter", "currency"), True)
        dated: dict[str, int] = defaultdict(int)
        for row in totals:
            if row["currency"] and row["quarter"]:
                dated[row["currency"]] += row["with_amount"]
        if not dated:
            return None, []
        asked = max(sorted(dated), key=lambda code: dated[code])
    chosen = Filters(kinds=("funding",), currency=asked)
    rows = await asyncio.to_thread(index.aggregate, chosen, ("quarter", "round"), True)
    return asked, rows


@router.get("/charts")
async def charts_page(request: Request, signed: SignedIn) -> Response:
    milestones = await _milestone_rows(request)
    currency, money = await _money_rows(request)
    body = render.page(
        "charts.html",
        milestones=[r for r in milestones if r["quarter"]],
        undated=sum(r["milestones"] for r in milestones if not r["quarter"]),
        money=[r for r in money if r["quarter"]],
        currency=currency,
        currencies=DETAIL_CHOICES["currency"],
        label=kind_label,
        **page_context(request, service_of(request), signed),
    )
    return html(request, body)


@router.get("/charts/milestones.svg")
async def milestones_chart(request: Request, signed: SignedIn) -> Response:
    rows = await _milestone_rows(request)
    by_kind = {kind_label(k): v for k, v in _series(rows, "kind", "milestones").items()}
    title = "Milestones per quarter, by kind"
    svg = await asyncio.to_thread(_chart, title, _quarters(rows), by_kind)  # CPU work
    return Response(svg, media_type=SVG, headers=SVG_HEADERS)


@router.get("/charts/funding.svg")
async def funding_chart(request: Request, signed: SignedIn) -> Response:
    currency, rows = await _money_rows(request)
    title = f"Money raised per quarter, by round ({currency or 'no amounts yet'})"
    series = _series(rows, "round", "amount")
    svg = await asyncio.to_thread(_chart, title, _quarters(rows), series, True)  # CPU work
    return Response(svg, media_type=SVG, headers=SVG_HEADERS)
