"""Milestones, events and summaries as rows for spreadsheets: CSV (streamed) and XLSX.

A cell that a spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``,
a tab or a return) is written with a leading ``'``, so an article cannot put a formula
in an analyst's sheet (CSV injection); in XLSX every text cell is stored as text.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from starlette.responses import Response, StreamingResponse

from service.errors import BadQuery
from service.index.models import IndexedArticle, IndexedEvent, IndexedMilestone

Format = Literal["json", "csv", "xlsx", "jsonl"]
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header
XLSX_MAX_CELL = 32_767
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

MILESTONE_COLUMNS = [
    "id", "event_id", "kind", "status", "date", "title", "product", "organisation",
    "authority", "jurisdiction", "indication", "evidence", "span_start", "span_end",
    "alignment", "summary_id", "headline", "published_at", "outlet", "url",
    # schema v2's details (empty for a milestone indexed before v2)
    "designation", "application", "review", "phase", "registry_ids", "patients",
    "pathway", "setback", "round", "amount", "currency", "investors", "counterparty",
    "upfront", "total", "facility",
]  # fmt: skip
_DETAIL_COLUMNS = MILESTONE_COLUMNS[MILESTONE_COLUMNS.index("designation") :]
EVENT_COLUMNS = [
    "id", "kind", "status", "date", "product", "organisation", "authority", "jurisdiction",
    "sources", "matched_on", "progression", "first_published", "evidence", "urls",
    "summary_ids",
]  # fmt: skip
ARTICLE_COLUMNS = [
    "summary_id", "published_at", "outlet", "url", "source", "headline", "summary",
    "milestones", "engine", "first_seen",
]  # fmt: skip


def _detail_cell(details: dict[str, Any], column: str) -> Any:
    """A detail as a cell: an amount by its value (its currency in ``currency``; a
    deal's terms as stated), a list joined by "; "."""
    if column == "currency":
        amount = details.get("amount")
        return amount.get("currency") if isinstance(amount, dict) else None
    value = details.get(column)
    if column == "amount" and isinstance(value, dict):
        return value.get("value")
    if isinstance(value, dict):  # upfront, total
        return value.get("stated")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or None
    return value


def milestone_row(m: IndexedMilestone) -> list[Any]:
    a = m.article
    return [
        m.id, m.event_id, m.kind, m.status, m.date, m.title, m.product, m.organisation,
        m.authority, m.jurisdiction, m.indication, m.evidence, m.evidence_span.start,
        m.evidence_span.end, m.alignment, a.summary_id, a.headline, a.published_at,
        a.outlet, a.url, *[_detail_cell(m.details, c) for c in _DETAIL_COLUMNS],
    ]  # fmt: skip


def event_row(e: IndexedEvent) -> list[Any]:
    published = sorted(s.article.published_at for s in e.sources if s.article.published_at)
    steps = " > ".join(f"{s.status} ({s.published_at or 'undated'})" for s in e.progression)
    return [
        e.id, e.kind, e.status, e.date, e.product, e.organisation, e.authority,
        e.jurisdiction, len(e.sources), "; ".join(e.matched_on), steps,
        published[0] if published else None, e.sources[0].evidence if e.sources else None,
        "; ".join(dict.fromkeys(s.article.url for s in e.sources if s.article.url)),
        "; ".join(dict.fromkeys(s.article.summary_id for s in e.sources)),
    ]  # fmt: skip


def article_row(a: IndexedArticle) -> list[Any]:
    return [
        a.summary_id, a.published_at, a.outlet, a.url, a.source, a.headline, a.summary,
        a.milestones, a.engine, a.first_seen.isoformat(),
    ]  # fmt: skip


def safe_cell(value: Any) -> Any:
    """A cell no spreadsheet reads as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(columns: list[str], rows: Iterable[list[Any]], batch: int = 200) -> Iterator[str]:
    """The CSV text, a few rows at a time (for a streamed response or a file)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        n += 1
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(title: str, columns: list[str], rows: Iterable[list[Any]]) -> bytes:
    """An XLSX workbook of one sheet: the header, then the rows (written as they come)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for n, row in enumerate(rows, start=1):
        if n > XLSX_MAX_ROWS:
            raise BadQuery(
                f"more than {XLSX_MAX_ROWS:,} rows do not fit in a sheet: narrow the filters, "
                "or ask for CSV"
            )
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=None)
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_MAX_CELL]
                cell.data_type = "s"  # text, even when it starts with "="
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


Sheet = tuple[list[str], Callable[[Any], list[Any]]]
SHEETS: dict[str, Sheet] = {
    "milestones": (MILESTONE_COLUMNS, milestone_row),
    "events": (EVENT_COLUMNS, event_row),
    "summaries": (ARTICLE_COLUMNS, article_row),
}


_NO_ROW = object()


async def download(name: str, rows: Iterable[Any], fmt: str) -> Response:
    """``rows`` (of the sheet ``name``) as a file: CSV streamed as the rows are read, or
    XLSX built in a worker thread. The API's lists and the pages' downloads send it."""
    columns, to_row = SHEETS[name]
    # The first page is read now: a query the store refuses (BadQuery) is a problem
    # document, not a stream cut off after its headers.
    remaining = iter(rows)
    first = await asyncio.to_thread(next, remaining, _NO_ROW)
    read = remaining if first is _NO_ROW else itertools.chain([first], remaining)
    cells = (to_row(row) for row in read)
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "csv":
        return StreamingResponse(csv_lines(columns, cells), media_type=CSV_TYPE, headers=headers)
    body = await asyncio.to_thread(xlsx_bytes, name, columns, cells)
    return Response(body, media_type=XLSX_TYPE, headers=headers)
