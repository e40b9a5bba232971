"""Events: the same milestone reported by several articles, merged into one.

The rule, applied to the milestones of one *group* (the same kind, and the same product,
or the same organisation when there is no product, after names are matched):

- two milestones are *compatible* when their authorities agree or one is unknown, their
  jurisdictions agree or one is unknown, their variants agree or one is unknown (the
  detail that tells events of one kind apart: a designation's type, so that Fast Track
  and orphan drug designations of one product are two events; a setback's type), and
  their dates agree at the less precise one's
  precision (``2023-04`` and ``2023-04-12`` agree; ``2023-04-12`` and ``2023-04-20`` do
  not) or one is undated;
- milestones are taken most specific first (day, month, year, then undated; then those
  naming an authority and jurisdiction first), then by date and id. Each joins the one
  event it is compatible with; with none it starts an event; with several (an undated
  mention that could be either of two dated events, say) it joins none and starts its
  own, so nothing is merged on a guess;
- an event takes the most precise date of its sources, their authority and
  jurisdiction, and the most advanced status (planned < in_progress < achieved): a
  planned milestone later reported as achieved is one event that shows the progression.

The result depends only on the set of milestones, not on the order they arrived in.
Every source records why it joined (``joined``), and the event which fields its sources
matched on (``matched_on``). Limits: a milestone whose product is missing in one article
and named in another falls in different groups and is not merged; two distinct events
of one kind, product and authority on one day are merged; an alias not written in any
article (and not curated) keeps two names apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STATUS_RANK = {"planned": 0, "in_progress": 1, "achieved": 2}


@dataclass(frozen=True)
class Member:
    """A milestone as the rule sees it: names already matched to their keys."""

    id: str
    status: str
    date: str | None
    authority: str | None  # the authority's matched key
    jurisdiction: str | None
    variant: str | None = None  # the detail that tells events of the kind apart


def precision(value: str | None) -> int:
    """3 for a day, 2 for a month, 1 for a year, 0 undated."""
    return 0 if not value else value.count("-") + 1


def dates_agree(a: str | None, b: str | None) -> bool:
    """Whether two partial dates can be the same day (an undated one agrees with any)."""
    if not a or not b:
        return True
    short, long = sorted((a, b), key=len)
    return long == short or long.startswith(short + "-")


@dataclass
class Event:
    """Milestones judged to be one event; ``joined`` says, per source, why."""

    members: list[Member] = field(default_factory=list)
    joined: dict[str, str] = field(default_factory=dict)
    date: str | None = None
    authority: str | None = None
    jurisdiction: str | None = None
    variant: str | None = None
    status: str = "planned"

    @property
    def id(self) -> str:
        """Named by its first source's id: the same sources, the same id."""
        return min(m.id for m in self.members)

    def accepts(self, m: Member) -> bool:
        return (
            (m.authority is None or self.authority is None or m.authority == self.authority)
            and (
                m.jurisdiction is None
                or self.jurisdiction is None
                or m.jurisdiction == self.jurisdiction
            )
            and (m.variant is None or self.variant is None or m.variant == self.variant)
            and dates_agree(m.date, self.date)
        )

    def add(self, m: Member, why: str) -> None:
        self.members.append(m)
        self.joined[m.id] = why
        if precision(m.date) > precision(self.date):
            self.date = m.date
        self.authority = self.authority or m.authority
        self.jurisdiction = self.jurisdiction or m.jurisdiction
        self.variant = self.variant or m.variant
        if STATUS_RANK.get(m.status, 0) > STATUS_RANK.get(self.status, 0) or len(self.members) == 1:
            self.status = m.status

    def why(self, m: Member) -> str:
        """The fields on which ``m`` matched this event, for the source's ``joined``."""
        said = ["kind", "subject"]
        if m.authority and self.authority:
            said.append("authority")
        if m.jurisdiction and self.jurisdiction:
            said.append("jurisdiction")
        if m.variant and self.variant:
            said.append("variant")
        if m.date and self.date:
            said.append("date" if m.date == self.date else f"date ({m.date} within {self.date})")
        elif not m.date:
            said.append("undated: the only compatible event")
        return "matched on " + ", ".join(said)

    def matched_on(self) -> list[str]:
        """The fields every source that states them agrees on, stated by two or more."""
        if len(self.members) < 2:
            return []
        fields = ["kind", "subject"]
        for name in ("authority", "jurisdiction", "variant", "date"):
            if sum(1 for m in self.members if getattr(m, name)) >= 2:
                fields.append(name)
        return fields


def _order(m: Member) -> tuple[int, int, str, str]:
    specific = (m.authority is not None) + (m.jurisdiction is not None) + (m.variant is not None)
    return (-precision(m.date), -specific, m.date or "", m.id)


def merge(members: list[Member]) -> list[Event]:
    """The events of one group's milestones (see the module's rule)."""
    events: list[Event] = []
    for m in sorted(members, key=_order):
        candidates = [e for e in events if e.accepts(m)]
        if len(candidates) == 1:
            event = candidates[0]
            event.add(m, event.why(m))
            continue
        event = Event()
        if candidates:
            event.add(m, f"kept apart: compatible with {len(candidates)} events")
        else:
            event.add(m, "first source")
        events.append(event)
    return events
