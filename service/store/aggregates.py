"""Milestones counted and summed across articles: per period, kind, jurisdiction, round,
designation, phase, application or currency (``milestones aggregate``,
``GET /v2/milestones/aggregate``).

Amounts are summed per currency, as the articles state them: no exchange rate is ever
applied, so a sum of money always has its currency beside it (asking for sums groups by
currency). A milestone dated to a year only, or undated, has no quarter (``null``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, String, case, cast, func, literal, select

from service.errors import BadQuery
from service.store.tables import milestones

m = milestones.c
_MONTH = cast(func.substr(m.date_sort, 6, 2), Integer)
DIMENSIONS: dict[str, ColumnElement[Any]] = {
    "kind": m.kind,
    "year": case((func.length(m.date_sort) >= 4, func.substr(m.date_sort, 1, 4)), else_=None),
    "quarter": case(
        (
            func.length(m.date_sort) >= 7,
            func.substr(m.date_sort, 1, 4) + literal("-Q") + cast((_MONTH + 2) // 3, String),
        ),
        else_=None,
    ),
    "jurisdiction": m.jurisdiction,
    "status": m.status,
    "round": m.round,
    "designation": m.variant,
    "phase": m.phase,
    "application": m.application,
    "currency": m.amount_currency,
}
MAX_DIMENSIONS = 4
MAX_GROUPS = 10_000


def dimensions_of(by: str) -> tuple[str, ...]:
    """The dimensions a comma-separated ``by`` names, each once; BadQuery otherwise."""
    names = tuple(dict.fromkeys(n.strip() for n in by.split(",") if n.strip()))
    unknown = [n for n in names if n not in DIMENSIONS]
    if unknown or not names or len(names) > MAX_DIMENSIONS:
        raise BadQuery(
            f"by: up to {MAX_DIMENSIONS} of {', '.join(DIMENSIONS)}"
            + (f" (not {unknown[0]!r})" if unknown else "")
        )
    return names


def aggregate(
    conn: Connection, where: list[ColumnElement[bool]], by: tuple[str, ...], amounts: bool
) -> list[dict[str, Any]]:
    """A row per group of the milestones ``where`` selects: its dimensions, how many
    milestones, and (``amounts``) the sum of their amounts and how many had one, per
    currency. Ordered by the dimensions."""
    names = by if not amounts or "currency" in by else (*by, "currency")
    columns = [DIMENSIONS[n].label(n) for n in names]
    measures = [func.count().label("milestones")]
    if amounts:
        measures += [
            func.sum(m.amount_value).label("amount"),
            func.count(m.amount_value).label("with_amount"),
        ]
    stmt = (
        select(*columns, *measures)
        .where(*where)
        .group_by(*[DIMENSIONS[n] for n in names])
        .order_by(*[DIMENSIONS[n] for n in names])
        .limit(MAX_GROUPS)
    )
    rows = []
    for row in conn.execute(stmt):
        found = dict(row._mapping)
        if amounts and found.get("amount") is not None:
            found["amount"] = round(float(found["amount"]), 2)
        rows.append(found)
    return rows
