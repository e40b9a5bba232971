"""Saved searches and their alerts over HTTP: one signed webhook per event change (checked
with the Standard Webhooks reference library), the Atom feed read by a feed parser, the
catalyst calendar by a calendar library, and what is refused."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import feedparser
import httpx
import icalendar
import pytest
import respx
from standardwebhooks.webhooks import Webhook

from tests.test_jobs import HOOK, PLAIN, SECRET, AppFactory, make_app, net, running, until

__all__ = ["make_app", "net"]  # fixtures, from the jobs' tests

SEED_004 = Path(__file__).resolve().parent.parent / "seeds" / "004_9443ce3100c31505.txt"
# Written for these tests: a dated report of seed 004's undated Fast Track designation.
FAST_TRACK_DATED = (
    "Immunofoco said its claudin-targeted CAR-T IMC002 received Fast Track designation "
    "from the FDA in June 2023.\n"
)
# Written for these tests: a company's catalysts, then what became of one of them.
PLANS = (
    "Northwind Cell Therapeutics expects to submit a Biologics License Application for "
    "NW-201 to the FDA in June 2027.\n\n"
    "Northwind plans to start a Phase 2 trial of NW-201 in March 2027.\n\n"
    "The FDA is expected to decide on approval of NW-201 by June 30, 2027.\n"
)
APPROVED = (
    "Northwind Cell Therapeutics said the FDA approved NW-201 for relapsed multiple "
    "myeloma in June 2027.\n\n"
    "Northwind started a Phase 2 trial of NW-201 in March 2027.\n"
)


def deliveries(hook: respx.Route, count: int) -> Callable[[], Awaitable[dict[str, Any] | None]]:
    async def check() -> dict[str, Any] | None:
        return {} if hook.call_count >= count else None

    return check


async def test_a_search_for_designations_fires_one_signed_webhook_per_event_change(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    hook = net.post(HOOK).mock(return_value=httpx.Response(204))
    async with running(make_app()) as client:
        made = await client.post(
            "/v1/searches",
            json={
                "name": "FDA designations",
                "filters": {"kind": "designation"},
                "callback_url": HOOK,
            },  # fmt: skip
        )
        assert made.status_code == 201, made.text
        search = made.json()
        seed = SEED_004.read_bytes()
        assert (await client.post("/v1/summaries", content=seed, headers=PLAIN)).is_success
        await until(deliveries(hook, 3))
        # The same article again, and refreshed: no event changed, nothing fires.
        await client.post("/v1/summaries", content=seed, headers=PLAIN)
        refreshed = {**PLAIN, "cache-control": "no-cache"}
        await client.post("/v1/summaries", content=seed, headers=refreshed)
        # A report that dates the undated Fast Track designation: that event changed.
        body = FAST_TRACK_DATED.encode()
        assert (await client.post("/v1/summaries", content=body, headers=PLAIN)).is_success
        await until(deliveries(hook, 4))
        alerts = (await client.get(search["alerts_url"])).json()
        assert all(a["webhook"] == {"state": "delivered", "attempts": 1} for a in alerts)
        atom = await client.get(search["atom_url"])
        wrong = await client.get(search["atom_url"].replace("token=", "token=0"))
    assert hook.call_count == 4
    verifier = Webhook(SECRET)
    sent = [verifier.verify(c.request.content, dict(c.request.headers)) for c in hook.calls]
    assert all(s["type"] == "alert.fired" for s in sent)
    changes = [(s["data"]["alert"]["change"], s["data"]["event"]["date"]) for s in sent]
    assert sorted(changes[:3], key=str) == sorted(
        [("new", None), ("new", "2023-08"), ("new", "2023-08")], key=str
    )
    assert changes[3] == ("changed", "2023-06")
    products = {s["data"]["event"]["product"] for s in sent}
    assert products == {"IMC001", "IMC002", "IMC008"}
    assert [a["change"] for a in alerts] == ["changed", "new", "new", "new"]  # newest first

    feed = feedparser.parse(atom.content)
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert feed.version == "atom10" and not feed.bozo
    assert len(feed.entries) == 4 and feed.feed.title == "milestones: FDA designations"
    assert feed.entries[0].title.startswith("Changed: designation: IMC002")
    assert wrong.status_code == 404


async def test_the_calendar_holds_planned_milestones_and_moves_them_when_they_happen(
    make_app: AppFactory,
) -> None:
    async with running(make_app()) as client:
        made = await client.post(
            "/v1/searches", json={"name": "NW-201 catalysts", "filters": {"product": "NW-201"}}
        )
        search = made.json()
        plans = {"text": PLANS, "published_at": "2026-11-20"}
        assert (await client.post("/v1/summaries", json=plans)).is_success
        first = icalendar.Calendar.from_ical((await client.get(search["ics_url"])).content)
        approved = {"text": APPROVED, "published_at": "2027-07-01"}
        assert (await client.post("/v1/summaries", json=approved)).is_success
        later = icalendar.Calendar.from_ical((await client.get(search["ics_url"])).content)
        no_token = await client.get(search["ics_url"].split("?")[0])

    def entries(calendar: Any) -> dict[str, tuple[str, str, int]]:
        return {
            str(e["UID"]): (e.decoded("DTSTART").isoformat(), str(e["STATUS"]), int(e["SEQUENCE"]))
            for e in calendar.walk("VEVENT")
        }

    before = entries(first)
    assert sorted(d for d, _, _ in before.values()) == ["2027-03-01", "2027-06-01", "2027-06-30"]
    assert {s for _, s, _ in before.values()} == {"TENTATIVE"}
    after = entries(later)
    assert after.keys() == before.keys()  # the same entries, updated in place
    changed = {uid: v for uid, v in after.items() if v != before[uid]}
    assert sorted(changed.values()) == [
        ("2027-03-01", "CONFIRMED", 1),  # the trial started
        ("2027-06-30", "CONFIRMED", 1),  # approved, in the month of its action date
    ]
    assert no_token.status_code == 422


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"name": "x", "filters": {"colour": "red"}}, "no filter 'colour'"),
        ({"name": "x", "filters": {"kind": "miracle"}}, "no milestone kind"),
        ({"name": "x", "filters": {"date_from": "9999-01"}}, "date_from"),
        ({"name": "x", "filters": {"product": ["a", "b"]}}, "product must be a string"),
        ({"name": "x\u0000y", "filters": {}}, "no control characters"),
        ({"name": "x", "filters": {"q": "a\u0000"}}, "NUL"),
    ],
)
async def test_a_search_no_list_could_run_is_refused(
    make_app: AppFactory, given: dict[str, Any], says: str
) -> None:
    async with running(make_app()) as client:
        response = await client.post("/v1/searches", json=given)
    assert 400 <= response.status_code < 500 and says in response.json()["detail"]


async def test_a_private_callback_is_refused_and_without_a_secret_callbacks_are(
    make_app: AppFactory,
) -> None:
    async def internal(host: str, port: int) -> list[str]:
        return ["10.0.0.8"]

    body = {"name": "x", "filters": {}, "callback_url": "https://hooks.example.com/x"}
    async with running(make_app(resolve=internal)) as client:
        refused = await client.post("/v1/searches", json=body)
    async with running(make_app(webhook_secret=None)) as client:
        unsigned = await client.post("/v1/searches", json=body)
    assert refused.status_code == 422 and "not a public address" in refused.json()["detail"]
    assert unsigned.status_code == 422 and "MILESTONES_WEBHOOK_SECRET" in unsigned.json()["detail"]
    assert json.dumps(unsigned.json())  # a problem document, no traceback
