"""The event rule: one group's milestones merged when nothing conflicts, apart when
something does or when joining would be a guess; the same set gives the same events."""

from __future__ import annotations

import itertools

from service.index.events import Member, dates_agree, merge


def m(
    id: str,
    date: str | None = None,
    authority: str | None = None,
    jurisdiction: str | None = None,
    status: str = "achieved",
) -> Member:
    return Member(id, status, date, authority, jurisdiction)


def groups(members: list[Member]) -> set[frozenset[str]]:
    return {frozenset(x.id for x in e.members) for e in merge(members)}


def test_dates_agree_at_the_less_precise_ones_precision() -> None:
    assert dates_agree("2023-04", "2023-04-12")
    assert dates_agree("2023", "2023-04-12")
    assert dates_agree(None, "2023-04-12")
    assert not dates_agree("2023-04-12", "2023-04-20")
    assert not dates_agree("2023-1", "2023-10")  # not a prefix of a field


def test_compatible_reports_merge_into_one_event_with_the_most_precise_date() -> None:
    (event,) = merge([m("a", "2023-04", "fda"), m("b", "2023-04-12", None, "US"), m("c")])
    assert (event.date, event.authority, event.jurisdiction) == ("2023-04-12", "fda", "US")
    assert event.joined["b"] == "first source"
    assert event.joined["a"] == "matched on kind, subject, date (2023-04 within 2023-04-12)"
    assert event.joined["c"] == "matched on kind, subject, undated: the only compatible event"
    assert event.matched_on() == ["kind", "subject", "date"]


def test_conflicting_authority_jurisdiction_or_day_keeps_reports_apart() -> None:
    assert len(merge([m("a", authority="fda"), m("b", authority="ema")])) == 2
    assert len(merge([m("a", jurisdiction="US"), m("b", jurisdiction="CN")])) == 2
    assert len(merge([m("a", "2023-04-12"), m("b", "2023-04-20")])) == 2


def test_a_report_compatible_with_several_events_joins_none() -> None:
    found = groups([m("a", "2023-04-12"), m("b", "2023-04-20"), m("c", "2023-04")])
    assert found == {frozenset("a"), frozenset("b"), frozenset("c")}


def test_the_most_advanced_status_wins() -> None:
    (event,) = merge([m("a", "2025", status="planned"), m("b", "2025-03", status="achieved")])
    assert event.status == "achieved"


def test_the_events_depend_on_the_set_not_the_order_it_came_in() -> None:
    members = [
        m("a", "2023-04"),
        m("b", "2023-04-12", "fda"),
        m("c", None, "ema"),
        m("d", "2023-04-20"),
        m("e"),
        m("f", "2024", jurisdiction="US"),
    ]
    first = groups(members)
    for order in itertools.islice(itertools.permutations(members), 200):
        assert groups(list(order)) == first
