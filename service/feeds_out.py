"""A saved search's alerts as feeds others read: Atom (RFC 4287, any feed reader) and
iCalendar (RFC 5545, any calendar): the catalyst calendar of its dated planned events.

An event in the calendar keeps its UID across its states; each alert on it raises its
SEQUENCE, so a calendar that subscribed moves it when its date moves and shows it
achieved (STATUS:CONFIRMED) when it is. Partial dates are all-day entries on the first
day of their month or year, saying so in the title.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from service.store.alerts import Alert, SavedSearch

ATOM = "http://www.w3.org/2005/Atom"
_INVALID_XML = {c: None for c in range(32) if c not in (9, 10, 13)}


def _clean(value: str) -> str:
    """Text XML can hold (control characters dropped)."""
    return value.translate(_INVALID_XML)


def event_title(event: dict[str, Any]) -> str:
    """An event in a line: kind, subject, status, authority and date."""
    subject = event.get("product") or event.get("organisation") or ""
    parts = [f"{event['kind'].replace('_', ' ')}: {subject}", event["status"].replace("_", " ")]
    if event.get("authority"):
        parts.append(event["authority"])
    if event.get("date"):
        parts.append(event["date"])
    return " · ".join(parts)


def atom(search: SavedSearch, alerts: Iterable[Alert], self_url: str, base: str) -> bytes:
    """The search's alerts, newest first, as an Atom feed."""
    ElementTree.register_namespace("", ATOM)
    listed = list(alerts)
    feed = ElementTree.Element(f"{{{ATOM}}}feed")

    def add(parent: ElementTree.Element, tag: str, text: str | None = None, **attrs: str) -> None:
        node = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            node.text = _clean(text)

    updated = max((a.at for a in listed), default=search.created_at)
    add(feed, "id", f"urn:milestones:search:{search.id}")
    add(feed, "title", f"milestones: {search.name}")
    add(feed, "updated", updated.astimezone(UTC).isoformat())
    add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    author = ElementTree.SubElement(feed, f"{{{ATOM}}}author")
    add(author, "name", "milestones")
    for alert in listed:
        entry = ElementTree.SubElement(feed, f"{{{ATOM}}}entry")
        event = alert.event
        add(entry, "id", f"urn:milestones:alert:{alert.seq}")
        said = "New" if alert.change == "new" else "Changed"
        add(entry, "title", f"{said}: {event_title(event)}")
        add(entry, "updated", alert.at.astimezone(UTC).isoformat())
        sources = event.get("sources") or []
        latest = sources[-1]["article"] if sources else None
        # The article that reported it last: its page here (evidence highlighted).
        href = f"{base}/summaries/{latest['summary_id']}" if latest else f"{base}/milestones"
        add(entry, "link", href=href)
        lines = [event_title(event)]
        for source in sources:
            article = source["article"]
            lines.append(f"{article.get('headline', '')}: \u201c{source.get('evidence', '')}\u201d")
        add(entry, "summary", "\n".join(lines), type="text")
    body: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _escape(text: str) -> str:
    return (
        _clean(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )  # fmt: skip


def _fold(line: str) -> list[str]:
    """A content line folded at 75 octets (continuations begin with a space)."""
    out: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def _day(partial: str) -> tuple[str, str]:
    """(YYYYMMDD, what the date says) of a partial date: its first day."""
    pieces = partial.split("-")
    year, month, day = pieces[0], (pieces + ["01"])[1], (pieces + ["01", "01"])[2]
    said = {1: f" (in {year})", 2: f" (in {year}-{month})", 3: ""}[len(pieces)]
    return f"{year}{month}{day}", said


def icalendar(
    search: SavedSearch, planned: Iterable[tuple[str, dict[str, Any], int, datetime]], host: str
) -> bytes:
    """The catalyst calendar of a search: one all-day entry per dated planned event."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//milestones//saved search calendar//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape('milestones: ' + search.name)}",
    ]
    for root, event, sequence, changed in planned:
        day, said = _day(event["date"])
        achieved = event["status"] == "achieved"
        title = event_title(event) + said
        lines += [
            "BEGIN:VEVENT",
            f"UID:{root}.{search.id}@{host}",
            f"DTSTAMP:{changed.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTART;VALUE=DATE:{day}",
            f"SEQUENCE:{sequence}",
            f"SUMMARY:{_escape(title)}",
            f"STATUS:{'CONFIRMED' if achieved else 'TENTATIVE'}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode()
