"""Summaries for the index's tests, built as the pipeline would store them: each
milestone's evidence is a sentence of the article, located in it."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from schemas import SummaryRecord
from service.pipeline import summary_id
from service.store import ArticleFacts, Store

# How a stored summary says it was made (the rules engine, no model call).
META: dict[str, Any] = {
    "engine": "rules",
    "model": None,
    "prompt_version": "test",
    "schema_hash": "x",
    "attempts": 0,
    "requests": 0,
    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    "latency_ms": 1.0,
    "created_at": "2026-01-01T00:00:00+00:00",
    "cached": False,
    "degraded": False,
    "degraded_reason": None,
}


def milestone(
    evidence: str,
    kind: str = "designation",
    status: str = "achieved",
    date: str | None = None,
    organisation: str = "Immunofoco",
    product: str | None = None,
    authority: str | None = None,
    jurisdiction: str | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "details": details or {},
        "kind": kind,
        "status": status,
        "title": f"{kind} for {product or organisation}",
        "date": date,
        "organisation": organisation,
        "authority": authority,
        "jurisdiction": jurisdiction,
        "product": product,
        "indication": None,
        "evidence": evidence,
    }


def record(text: str, *milestones: dict[str, Any], headline: str = "News") -> SummaryRecord:
    """A grounded record of ``text`` with these milestones (their evidence located)."""
    grounded = []
    for m in milestones:
        start = text.index(m["evidence"])
        grounded.append(
            {
                **m,
                "evidence_span": {"start": start, "end": start + len(m["evidence"])},
                "alignment": "exact",
            }
        )
    return SummaryRecord.model_validate(
        {
            "source": None,
            "summary": {
                "headline": headline,
                "summary": text[:200],
                "organisations": [],
                "products": [],
                "milestones": grounded,
            },
            "meta": META,
        }
    )


def keep(
    store: Store,
    text: str,
    *milestones: dict[str, Any],
    url: str | None = None,
    published: date | None = None,
    headline: str = "News",
) -> str:
    """Store (and index) a summary of ``text``; its id."""
    key = hashlib.sha256(text.encode()).hexdigest()
    sid = summary_id(key)
    store.claims.claim(key, "test", 60)
    store.keep(
        sid,
        key,
        record(text, *milestones, headline=headline),
        "test",
        text,
        ArticleFacts(url=url, published_at=published),
    )
    return sid
