"""The pages as HTML: Jinja2 templates, every value escaped (autoescape on everything)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from service.reviews import EDITABLE, ReviewIn, reviewed
from service.store import StoredReview
from service.web.view import KINDS, STATUS_LABELS, SummaryView, kind_group, kind_label

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    auto_reload=False,
)


def timeline_url(space: str, name: str) -> str:
    """The page of a product's or organisation's timeline: the name as one path segment
    ("/" and every other reserved character escaped, so no name can lead elsewhere); a
    name a browser would read as "." or ".." goes as ``?name=`` instead."""
    if not name.strip("."):
        return f"/{space}s/?name={quote(name, safe='')}"
    return f"/{space}s/{quote(name, safe='')}"


environment.globals["timeline_url"] = timeline_url
FIELD_LABELS = {
    "kind": "Kind",
    "status": "Status",
    "title": "Title",
    "date": "Date",
    "organisation": "Organisation",
    "authority": "Authority",
    "jurisdiction": "Jurisdiction",
    "product": "Product",
    "indication": "Indication",
}


def _options(choices: list[tuple[str, str]]) -> dict[str, Markup]:
    """A select's options with each choice selected in turn ("" selects none): made once,
    not escaped again for every card of every page."""
    return {
        chosen: Markup("").join(
            Markup('<option value="{}"{}>{}</option>').format(
                value, Markup(" selected") if value == chosen else "", label
            )
            for value, label in choices
        )
        for chosen in ["", *(value for value, _ in choices)]
    }


KIND_OPTIONS = _options(KINDS)
STATUS_OPTIONS = _options(list(STATUS_LABELS.items()))
ADDED_FIELDS = (
    "title",
    "organisation",
    "authority",
    "jurisdiction",
    "product",
    "indication",
    "date",
)


def page(name: str, **context: Any) -> str:
    """A template rendered; ``signed_in``, ``csrf`` and ``standalone`` default to none."""
    defaults: dict[str, Any] = {"signed_in": None, "csrf": "", "standalone": None}
    return environment.get_template(name).render(defaults | context)


def summary_page(
    view: SummaryView,
    *,
    reviewable: bool = False,
    review: StoredReview | None = None,
    errors: list[str] | None = None,
    saved: bool = False,
    **context: Any,
) -> str:
    """A summary's page: cards, the article with its evidence, and (``reviewable``) the
    review form, filled in from the current ``review``."""
    milestones = view.record.summary.milestones
    current = ReviewIn.model_validate_json(review.body) if review else None
    verdicts = {v.index: v.verdict for v in current.verdicts} if current else {}
    edits = {v.index: v.edits or {} for v in current.verdicts} if current else {}
    added = []
    if current is not None and current.added:
        only_added = ReviewIn(verdicts=[], added=current.added)
        added = reviewed(only_added, view.record, view.text)

    def edited(index: int, field: str) -> Any:
        if field in edits.get(index, {}):
            return edits[index][field]
        return getattr(milestones[index], field)

    def labels_of(numbers: tuple[int, ...]) -> str:
        return "; ".join(f"{n} · {kind_label(milestones[n - 1].kind)}" for n in numbers)

    def edit_fields(index: int) -> Markup:
        """A card's correction fields, built here (not by the template) to escape only
        the values: a page has a dozen fields per milestone."""
        parts = []
        for field in EDITABLE:
            value = edited(index, field)
            name = f"edit_{index}_{field}"
            ident = f"edit-{index}-{field}"
            parts.append(f'<label for="{ident}">{FIELD_LABELS[field]}</label>')
            if field == "kind":
                options = KIND_OPTIONS.get(value or "", KIND_OPTIONS[""])
                parts.append(f'<select id="{ident}" name="{name}">{options}</select>')
            elif field == "status":
                options = STATUS_OPTIONS.get(value or "", STATUS_OPTIONS[""])
                parts.append(f'<select id="{ident}" name="{name}">{options}</select>')
            else:
                shown = escape(value or "")
                parts.append(f'<input type="text" id="{ident}" name="{name}" value="{shown}">')
        return Markup("\n".join(parts))

    keep = json.dumps([a.model_dump(mode="json") for a in current.added]) if current else "[]"
    return page(
        "summary.html",
        view=view,
        reviewable=reviewable and view.id is not None,
        verdicts=verdicts,
        edit_fields=edit_fields,
        labels_of=labels_of,
        groups={c.number: c.group for c in view.cards},
        kind_options=KIND_OPTIONS,
        status_options=STATUS_OPTIONS,
        added=added,
        keep_added=keep,
        added_fields=[(f, FIELD_LABELS[f]) for f in ADDED_FIELDS],
        note=current.note if current else None,
        group=kind_group,
        label=kind_label,
        last_review=review,
        errors=errors,
        saved=saved,
        **context,
    )
