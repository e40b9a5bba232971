"""The review pages over HTTP: submitting an article, its summary page with every
milestone's evidence marked in the article, reviews by form, sign-in, CSRF, escaping and
headers. (``test_pages_browser.py`` drives the same pages in Chromium.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
HOSTILE = (
    "Acme Bio AG said the FDA has granted Orphan Drug Designation to AB-101. "
    '<script>window.pwned = 1</script></mark>"><img src=x onerror="window.pwned=2"> '
    "{{ 7*7 }} {% raw %}\n"
)


class Marks(HTMLParser):
    """The text inside each milestone's marks, by milestone number."""

    def __init__(self) -> None:
        super().__init__()
        self.by_milestone: dict[int, str] = {}
        self._open: list[int] | None = None
        self.article = ""
        self._in_article = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id") == "article":
            self._in_article = 1
        elif self._in_article:
            self._in_article += 1
        if tag == "mark" and "data-m" in found:
            self._open = [int(n) for n in (found["data-m"] or "").split()]

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._open = None
        if self._in_article:
            self._in_article -= 1

    def handle_data(self, data: str) -> None:
        if self._in_article:
            self.article += data
        for n in self._open or ():
            self.by_milestone[n] = self.by_milestone.get(n, "") + data


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., FastAPI]:
    def make(**settings: Any) -> FastAPI:
        fields = {"engine": "rules", "database_url": f"sqlite:///{tmp_path}/store.sqlite3"}
        return create_app(Settings(**(fields | settings)))

    return make


@pytest.fixture
async def client(make_app: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c
    await app.state.service.aclose()


def token_in(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


async def csrf(client: httpx.AsyncClient) -> str:
    return token_in((await client.get("/")).text)


async def submit(client: httpx.AsyncClient, text: str) -> httpx.Response:
    token = await csrf(client)
    return await client.post("/", data={"text": text, "engine": "rules", "csrf": token})


async def test_the_start_page_has_the_form_recent_summaries_and_strict_headers(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    cookie = page.headers["set-cookie"]
    assert "milestones_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert 'name="text"' in page.text and 'name="file"' in page.text and 'name="ninjs"' in page.text
    assert "None yet" in page.text
    assert not re.search(r"(src|href)=\"https?://", page.text)  # nothing from outside


@pytest.mark.parametrize("seed", SEEDS, ids=[p.name for p in SEEDS])
async def test_each_seed_submitted_shows_every_milestone_with_its_evidence_marked(
    client: httpx.AsyncClient, seed: Path
) -> None:
    text = seed.read_text(encoding="utf-8")
    answer = await submit(client, text)
    assert answer.status_code == 303, answer.text[:300]
    page = await client.get(answer.headers["location"])
    assert page.status_code == 200
    summary_id = answer.headers["location"].rsplit("/", 1)[1]
    record = (await client.get(f"/v1/summaries/{summary_id}")).json()
    milestones = record["summary"]["milestones"]
    assert page.text.count('class="card ') == len(milestones)
    marks = Marks()
    marks.feed(page.text)
    assert marks.article == text  # the article exactly as sent
    for n, milestone in enumerate(milestones, start=1):
        assert marks.by_milestone[n] == milestone["evidence"]
        assert f'id="ev-{n}"' in page.text and f'href="#ev-{n}"' in page.text
    assert (await client.get("/")).text.count('href="/summaries/') == 1


async def test_an_article_that_holds_markup_shows_it_as_text(client: httpx.AsyncClient) -> None:
    answer = await submit(client, HOSTILE)
    page = await client.get(answer.headers["location"])
    assert "<script>window.pwned" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;&lt;/mark&gt;" in page.text
    assert "{{ 7*7 }}" in page.text  # shown as written, never evaluated (see the article below)
    marks = Marks()
    marks.feed(page.text)
    assert marks.article == HOSTILE


async def test_a_form_without_its_token_is_refused(client: httpx.AsyncClient) -> None:
    await client.get("/")
    refused = await client.post("/", data={"text": "Acme Bio raised $5 million.", "csrf": "x"})
    assert refused.status_code == 403 and "security token" in refused.text
    other = httpx.AsyncClient(transport=client._transport, base_url="http://127.0.0.1")
    async with other:  # a forged form from elsewhere carries no cookie
        forged = await other.post("/", data={"text": "Acme", "csrf": await csrf(client)})
    assert forged.status_code == 403


async def test_bad_submissions_come_back_with_the_reason_and_what_was_typed(
    client: httpx.AsyncClient,
) -> None:
    token = await csrf(client)
    both = await client.post(
        "/", data={"text": "Acme Bio raised $5 million.", "ninjs": "{}", "csrf": token}
    )
    assert both.status_code == 422 and "give the article one way" in both.text
    assert "Acme Bio raised $5 million." in both.text
    empty = await client.post("/", data={"text": "   ", "csrf": token})
    assert empty.status_code == 422
    date = await client.post(
        "/",
        data={"text": "Acme Bio raised $5 million.", "published_at": "0001-01-01", "csrf": token},
    )
    assert date.status_code == 422 and "plausible" in date.text


async def test_a_file_and_a_ninjs_document_are_read_too(client: httpx.AsyncClient) -> None:
    token = await csrf(client)
    page = (
        "<html><body><nav>Home</nav><article><p>Acme Bio said the FDA has granted Orphan "
        "Drug Designation to AB-101.</p></article></body></html>"
    )
    uploaded = await client.post(
        "/", data={"csrf": token, "engine": "rules"}, files={"file": ("news.html", page.encode())}
    )
    assert uploaded.status_code == 303
    shown = await client.get(uploaded.headers["location"])
    assert "Orphan drug designation for AB-101" in shown.text and "<nav>" not in shown.text
    ninjs = '{"headline": "AB-101", "body_text": "Acme Bio raised $50 million in a Series B."}'
    documented = await client.post("/", data={"csrf": token, "engine": "rules", "ninjs": ninjs})
    assert documented.status_code == 303


async def test_a_review_saved_by_form_is_the_apis_and_prefills_the_page(
    client: httpx.AsyncClient,
) -> None:
    text = (
        "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101.\n"
        "Acme Bio raised $50 million in a Series B financing led by Delta Ventures.\n"
        "Acme Bio began a Phase 1 trial of AB-101 in Basel last month.\n"
    )
    location = (await submit(client, text)).headers["location"]
    summary_id = location.rsplit("/", 1)[1]
    page = (await client.get(location)).text
    token = token_in(page)
    milestones = (await client.get(f"/v1/summaries/{summary_id}")).json()["summary"]["milestones"]
    form: dict[str, str] = {"csrf": token, "keep_added": "[]"}
    for i, m in enumerate(milestones):
        form[f"verdict_{i}"] = "wrong" if m["kind"] == "funding" else "correct"
        for field in ("title", "organisation", "date"):
            form[f"edit_{i}_{field}"] = m[field] or ""
    form["edit_0_date"] = "2024-05"
    sentence = "Acme Bio began a Phase 1 trial of AB-101 in Basel last month."
    form |= {
        "add_kind": "trial_start",
        "add_status": "achieved",
        "add_title": "Phase 1 trial of AB-101 begun",
        "add_organisation": "Acme Bio",
        "add_evidence": sentence,
        "add_start": str(text.index(sentence)),
        "add_end": str(text.index(sentence) + len(sentence)),
    }
    saved = await client.post(f"/summaries/{summary_id}/review", data=form)
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    [review] = (await client.get(f"/v1/summaries/{summary_id}/reviews")).json()
    assert review["reviewer"] == "local"
    assert review["verdicts"][0]["edits"] == {"date": "2024-05"}
    assert [v["verdict"] for v in review["verdicts"]] == [
        "wrong" if m["kind"] == "funding" else "correct" for m in milestones
    ]
    [added] = review["added"]
    assert text[added["evidence_span"]["start"] : added["evidence_span"]["end"]] == sentence
    again = (await client.get(saved.headers["location"])).text
    assert "Review saved." in again and "Last reviewed by local" in again
    assert 'value="2024-05"' in again and "Phase 1 trial of AB-101 begun" in again

    form.pop("add_kind")
    form["add_evidence"] = "words the article does not hold"
    form["add_kind"] = "funding"
    form["add_title"] = "x"
    bad = await client.post(f"/summaries/{summary_id}/review", data=form)
    assert bad.status_code == 422 and "not in the article as written" in bad.text


async def test_with_api_keys_the_pages_ask_to_sign_in_and_record_the_keys_name(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(api_keys="alice:key-of-alice")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        first = await c.get("/summaries/s_1")
        assert (
            first.status_code == 303 and first.headers["location"] == "/signin?next=/summaries/s_1"
        )
        page = await c.get("/signin?next=/summaries/s_1")
        token = token_in(page.text)
        wrong = await c.post("/signin", data={"key": "guess", "csrf": token, "next": "/"})
        assert wrong.status_code == 401 and "not a valid API key" in wrong.text
        away = await c.post(
            "/signin", data={"key": "key-of-alice", "csrf": token, "next": "//evil.example/x"}
        )
        assert away.status_code == 303 and away.headers["location"] == "/"
        cookie = away.headers["set-cookie"]
        assert "milestones_session=alice|" in cookie and "HttpOnly" in cookie
        assert "SameSite=strict" in cookie and "key-of-alice" not in cookie
        home = await c.get("/")
        assert "Signed in as alice" in home.text
        # The token is bound to the session: the one from before signing in is stale now.
        assert (await c.post("/signout", data={"csrf": token})).status_code == 403
        token = token_in(home.text)
        out = await c.post("/signout", data={"csrf": token})
        assert out.status_code == 303
        assert (await c.get("/")).status_code == 303
    await app.state.service.aclose()


TWO_MILESTONES = (
    "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101.\n"
    "Acme Bio raised $50 million in a Series B financing led by Delta Ventures.\n"
)


async def signed_in_as_alice(c: httpx.AsyncClient) -> str:
    """Sign in with alice's key; the token the pages now give."""
    page = await c.get("/signin")
    token = token_in(page.text)
    answer = await c.post("/signin", data={"key": "key-of-alice", "csrf": token, "next": "/"})
    assert answer.status_code == 303
    home = await c.get("/")
    return token_in(home.text)


async def test_a_csrf_cookie_planted_by_another_page_of_the_host_cannot_save_a_review(
    make_app: Callable[..., FastAPI],
) -> None:
    # A page on another port of the same host can set cookies for this one (cookies
    # ignore ports) and post a form carrying the value it set: the old double submit.
    app = make_app(api_keys="alice:key-of-alice")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        token = await signed_in_as_alice(c)
        posted = await c.post(
            "/v1/summaries",
            json={"text": TWO_MILESTONES},
            headers={"authorization": "Bearer key-of-alice"},
        )
        summary_id = posted.json()["id"]
        planted = "p" * 43
        c.cookies.delete("milestones_csrf")
        c.cookies.set("milestones_csrf", planted, domain="127.0.0.1")
        form = {"csrf": planted, "verdict_0": "wrong", "verdict_1": "wrong", "keep_added": "[]"}
        forged = await c.post(f"/summaries/{summary_id}/review", data=form)
        assert forged.status_code == 403 and "security token" in forged.text
        # Nor does the token alice's page gave her go with a cookie someone else set.
        forged = await c.post(f"/summaries/{summary_id}/review", data=form | {"csrf": token})
        assert forged.status_code == 403
        reviews = await c.get(
            f"/v1/summaries/{summary_id}/reviews", headers={"authorization": "Bearer key-of-alice"}
        )
        assert reviews.json() == []
    await app.state.service.aclose()


async def test_a_form_a_browser_sends_from_another_origin_is_refused_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    token = await csrf(client)
    text = {"text": "Acme Bio raised $5 million.", "engine": "rules", "csrf": token}
    for headers in (
        {"sec-fetch-site": "same-site"},  # another port of this host
        {"sec-fetch-site": "cross-site"},
        {"origin": "http://127.0.0.1:9999"},  # a browser that sends no Sec-Fetch-Site
        {"origin": "null"},
    ):
        refused = await client.post("/", data=text, headers=headers)
        assert refused.status_code == 403, headers
        assert refused.headers["content-type"].startswith("application/problem+json")
    same = {"sec-fetch-site": "same-origin", "origin": "http://127.0.0.1"}
    assert (await client.post("/", data=text, headers=same)).status_code == 303


async def test_a_review_form_that_only_adds_a_note_changes_no_verdict(
    client: httpx.AsyncClient,
) -> None:
    location = (await submit(client, TWO_MILESTONES)).headers["location"]
    summary_id = location.rsplit("/", 1)[1]
    token = await csrf(client)
    first = {"csrf": token, "keep_added": "[]", "verdict_0": "wrong", "verdict_1": "correct"}
    first["edit_1_date"] = "2024-05"
    assert (await client.post(f"/summaries/{summary_id}/review", data=first)).status_code == 303
    noted = await client.post(
        f"/summaries/{summary_id}/review", data={"csrf": token, "note": "checked the source"}
    )
    assert noted.status_code == 303
    before, after = (await client.get(f"/v1/summaries/{summary_id}/reviews")).json()
    assert after["note"] == "checked the source"
    assert after["verdicts"] == before["verdicts"]
    assert [v["verdict"] for v in after["verdicts"]] == ["wrong", "correct"]
    assert after["verdicts"][1]["edits"] == {"date": "2024-05"}


def review_form(token: str) -> dict[str, str]:
    """Both milestones correct, and the funding sentence added as a missed milestone."""
    return {
        "csrf": token,
        "verdict_0": "correct",
        "verdict_1": "correct",
        "add_kind": "funding",
        "add_title": "Series B",
        "add_organisation": "Acme Bio",
        "add_evidence": TWO_MILESTONES.splitlines()[1],
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"add_start": "\u00b2", "add_end": "\u00b3"},  # digits to str.isdigit, not to int()
        {"add_start": "9" * 400, "add_end": "9" * 401},
        {"keep_added": "[" * 5000},  # deeper than JSON from outside may be: none kept
        {"keep_added": "{}"},
    ],
)
async def test_review_form_offsets_and_kept_additions_that_cannot_be_read_are_ignored(
    client: httpx.AsyncClient, fields: dict[str, str]
) -> None:
    location = (await submit(client, TWO_MILESTONES)).headers["location"]
    summary_id = location.rsplit("/", 1)[1]
    form = review_form(await csrf(client)) | fields
    answer = await client.post(f"/summaries/{summary_id}/review", data=form)
    assert answer.status_code == 303, answer.text[:500]
    [review] = (await client.get(f"/v1/summaries/{summary_id}/reviews")).json()
    [added] = review["added"]  # found by its words, where the offsets could not be read
    span = added["evidence_span"]
    assert TWO_MILESTONES[span["start"] : span["end"]] == form["add_evidence"]


@pytest.mark.parametrize(
    "fields",
    [
        {"keep_added": '[{"kind": "funding"}]'},
        {"keep_added": "\u0000"},
        {"note": "a\u0000b"},
        {"verdict_0": "\u0000"},
        {"add_date": "0000-02-29"},  # year 0: no date an article can name
        {"add_date": "9999-12-31"},
        {"edit_0_date": "0000-02-29"},
        {"add_kind": "no-such-kind"},
        {"note": "x" * 5000},
    ],
)
async def test_review_form_values_no_review_can_hold_get_a_reason_and_store_nothing(
    client: httpx.AsyncClient, fields: dict[str, str]
) -> None:
    location = (await submit(client, TWO_MILESTONES)).headers["location"]
    summary_id = location.rsplit("/", 1)[1]
    form = review_form(await csrf(client)) | fields
    answer = await client.post(f"/summaries/{summary_id}/review", data=form)
    assert 400 <= answer.status_code < 500, answer.text[:500]
    assert (await client.get(f"/v1/summaries/{summary_id}/reviews")).json() == []


async def test_a_job_has_a_page(client: httpx.AsyncClient) -> None:
    job = await client.post(
        "/v1/jobs", json={"text": "Acme Bio raised $5 million in a seed round."}
    )
    assert job.status_code == 202
    page = await client.get(f"/jobs/{job.json()['id']}")
    assert page.status_code == 200 and job.json()["id"] in page.text
    assert "Webhook deliveries" in page.text
    assert (await client.get("/jobs/j_nosuch")).status_code == 404
    assert (await client.get("/summaries/s_nosuch")).status_code == 404


def test_summarise_writes_standalone_pages_and_an_index(tmp_path: Path) -> None:
    out = tmp_path / "pages"
    result = CliRunner().invoke(
        cli, ["summarise", str(ROOT / "seeds"), "--engine", "rules", "--html", str(out)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted([*(p.stem + ".html" for p in SEEDS), "index.html"])
    for seed in SEEDS:
        page = (out / f"{seed.stem}.html").read_text()
        assert "Content-Security-Policy" in page and "unsafe-inline" not in page
        assert not re.search(r"(src|href)=\"https?://", page)
        marks = Marks()
        marks.feed(page)
        assert marks.article == seed.read_text(encoding="utf-8")
    index = (out / "index.html").read_text()
    assert all(f'href="{p.stem}.html"' in index for p in SEEDS)


def test_rendered_pages_kept_are_bounded_by_count_and_characters() -> None:
    from service.web.pages import RenderedPages

    pages = RenderedPages(size=3, characters=100)
    for n in range(5):
        pages.put(("s", n), "x" * 10)
    assert pages.get(("s", 0)) is None and pages.get(("s", 4)) == "x" * 10
    pages.put(("big",), "y" * 95)  # the others go to make room
    assert pages.get(("s", 4)) is None and pages.get(("big",)) == "y" * 95


async def test_a_summary_made_by_the_model_shows_each_call_and_its_errors(
    make_app: Callable[..., FastAPI],
) -> None:
    from tests.articles import ARTICLE, VALID_ANSWER
    from tests.model_stub import BASE_URL, completion

    rejected = '{"headline": "<b>cut off'
    app = make_app(
        engine="llm", openai_api_key="test-key", openai_base_url=BASE_URL, model="test-model"
    )
    transport = httpx.ASGITransport(app=app)
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as model:
        model.post("/chat/completions").mock(
            side_effect=[completion(rejected), completion(VALID_ANSWER)]
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            made = (await c.post("/v1/summaries", json={"text": ARTICLE})).json()
            page = await c.get(f"/summaries/{made['id']}")
    await app.state.service.aclose()
    assert page.status_code == 200
    section = page.text[page.text.index('id="calls-h"') :]
    assert "Call 1: invalid" in section and "Call 2: valid" in section
    assert "Invalid JSON" in section  # the error it was told
    assert "&lt;b&gt;cut off" in section and "<b>cut off" not in section  # escaped


async def test_a_pages_error_has_the_status_and_title_of_the_apis_problem_table(
    client: httpx.AsyncClient,
) -> None:
    from service.errors import FormRefused, NotFound
    from service.http.problems import PROBLEMS

    missing = await client.get("/summaries/s_nothing")
    refused = await client.post("/", data={"text": "Acme Bio raised $5 million.", "csrf": "x"})
    api = await client.get("/v1/summaries/s_nothing")
    for page, error in ((missing, NotFound), (refused, FormRefused)):
        problem = PROBLEMS[error]
        assert page.status_code == problem.status
        assert page.headers["content-type"].startswith("text/html")
        assert f"<h1>{problem.title}</h1>" in page.text
    assert api.status_code == 404 and api.json()["title"] == PROBLEMS[NotFound].title
    assert "There is no summary s_nothing." in missing.text
