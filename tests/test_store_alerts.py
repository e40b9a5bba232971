"""Saved searches' alerts in the store, on SQLite and PostgreSQL: fired in the write that
changes an event, once per state of the event, followed across a change of its id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.errors import BadQuery
from service.store import Store
from service.store.alerts import search_filters
from tests.index_data import keep, milestone


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


def test_an_event_fires_once_per_state_and_only_for_the_searches_it_matches(
    store: Store,
) -> None:
    designations = store.alerts.create("designations", {"kind": ["designation"]}, None)
    funding = store.alerts.create("funding", {"kind": "funding"}, None)
    first = "The FDA granted Fast Track designation to HG-101."
    fda = {"product": "HG-101", "authority": "FDA", "organisation": "Harbor Gene"}
    ft = {"designation": "fast_track"}
    keep(store, first, milestone(first, details=ft, **fda))
    keep(store, first, milestone(first, details=ft, **fda))  # again: nothing new
    again = "HG-101 won Fast Track designation from the FDA."
    keep(store, again, milestone(again, details=ft, **fda))  # a new source, same facts
    dated = "The FDA granted Fast Track designation to HG-101 in May 2024."
    keep(store, dated, milestone(dated, date="2024-05", details=ft, **fda))  # the date came
    fired = store.alerts.alerts(designations.id)
    assert [(a.change, a.event["date"]) for a in fired] == [("changed", "2024-05"), ("new", None)]
    assert len({a.root for a in fired}) == 1  # one event, though its id may have changed
    assert store.alerts.alerts(funding.id) == []
    assert store.alerts.alerts(designations.id, after=fired[0].seq) == []


def test_a_planned_milestone_achieved_is_a_calendar_entry_that_changed(store: Store) -> None:
    search = store.alerts.create("HG-101", {"product": "HG-101"}, None)
    plan = "Harbor Gene expects the FDA to decide on HG-101 by June 30, 2027."
    fda = {"product": "HG-101", "authority": "FDA", "organisation": "Harbor Gene"}
    keep(store, plan, milestone(plan, kind="marketing_approval", status="planned",
                                date="2027-06-30", **fda))  # fmt: skip
    done = "The FDA approved HG-101 in June 2027."
    keep(store, done, milestone(done, kind="marketing_approval", date="2027-06", **fda))
    ((root, event, sequence, _),) = store.alerts.planned(search.id)
    assert (event["status"], event["date"], sequence) == ("achieved", "2027-06-30", 1)
    assert root == store.alerts.alerts(search.id)[-1].event_id  # the first alert's event


def test_each_search_counts_its_alerts_since_its_page_was_last_opened(store: Store) -> None:
    designations = store.alerts.create("designations", {"kind": ["designation"]}, None)
    funding = store.alerts.create("funding", {"kind": "funding"}, None)
    fda = {"product": "HG-101", "authority": "FDA", "organisation": "Harbor Gene"}
    first = "The FDA granted Fast Track designation to HG-101."
    keep(store, first, milestone(first, details={"designation": "fast_track"}, **fda))
    second = "The FDA granted orphan drug designation to HG-101."
    keep(store, second, milestone(second, details={"designation": "orphan_drug"}, **fda))
    assert store.alerts.unseen() == {designations.id: 2}  # none for funding: no key
    store.alerts.opened(designations.id, store.alerts.alerts(designations.id)[0].seq)
    assert store.alerts.unseen() == {}
    assert funding.id not in store.alerts.unseen()


def test_a_deleted_search_fires_nothing_more(store: Store) -> None:
    search = store.alerts.create("all", {}, None)
    assert store.alerts.delete(search.id) and store.alerts.get(search.id) is None
    text = "Acme got an IND for AC-1."
    keep(store, text, milestone(text, kind="trial_authorisation"))
    assert store.alerts.alerts(search.id) == []


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"sort": "-seen"}, "no filter 'sort'"),
        ({"kind": [1]}, "kind is a milestone kind"),
        ({"amount_min": "10"}, "amount_min must be a number"),
        ({"amount_min": 10}, "give currency too"),
        ({"q": "!!!"}, "at least one word"),
    ],
)
def test_a_filter_no_list_takes_is_refused(given: dict[str, object], says: str) -> None:
    with pytest.raises(BadQuery, match=says):
        search_filters(given)
