"""Fetching pages by URL, against a site on loopback: what is followed, what is refused,
the limits, and a page read as an article; a URL summarised twice is fetched once in
full (the second answer a 304)."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import pytest

from service.by_url import summarise_url
from service.egress import Address, FetchPolicy, public
from service.engines.rules import RulesEngine
from service.errors import FetchFailed, FetchRefused, FetchUnavailable
from service.fetch import Fetcher, article_input
from service.index.query import Filters
from service.index.query import Page as ListPage
from service.inputs import ArticleInput
from service.pipeline import Summariser
from service.settings import Settings
from service.store import Store
from tests.doubles.pages import Page, Site

pytestmark = pytest.mark.slow  # a server on a socket

# Written for these tests: a company's news page, with the metadata pages carry.
PAGE = b"""<!doctype html><html><head><title>Northwind Cell Therapeutics news</title>
<meta property="article:published_time" content="2026-03-04T08:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Northwind gets FDA clearance to start trial of NW-201</h1>
<p>BOSTON, March 4, 2026 -- Northwind Cell Therapeutics said the U.S. Food and Drug
Administration has cleared its Investigational New Drug application for NW-201, an
autologous CAR-T cell therapy for relapsed multiple myeloma.</p>
<p>The company plans to dose the first patient in a Phase 1 study later this year, its
chief executive said in a statement on Tuesday.</p></article>
<footer>Copyright Northwind</footer></body></html>"""


def on_loopback(address: Address) -> bool:
    """The site the tests serve is on loopback: public for them, nothing else is."""
    return address.is_loopback or public(address)


def fetcher_for(**limits: object) -> Fetcher:
    settings = Settings(**limits)  # type: ignore[arg-type]
    return Fetcher(settings, FetchPolicy(allow_http=True, is_public=on_loopback))


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    made = fetcher_for()
    yield made
    await made.aclose()


async def test_a_page_is_read_as_its_html_article_with_the_pages_date(
    site: Site, fetcher: Fetcher
) -> None:
    site.pages["/news/nw-201"] = Page(PAGE, etag='"v1"')
    fetched = await fetcher.fetch(site.url("/news/nw-201"))
    assert (fetched.status, fetched.validators.etag) == (200, '"v1"')
    article = article_input(fetched).to_article()
    assert "cleared its Investigational New Drug application for NW-201" in article.text
    assert "Copyright" not in article.text and "Home" not in article.text
    assert article.url == site.url("/news/nw-201")
    assert str(article.published_at) == "2026-03-04"


async def test_gzip_and_redirects_are_followed(site: Site, fetcher: Fetcher) -> None:
    site.pages["/gz"] = Page(PAGE, gzip=True)
    site.pages["/old"] = Page(redirect="/moved")
    site.pages["/moved"] = Page(redirect=site.url("/gz"))
    fetched = await fetcher.fetch(site.url("/old"))
    assert fetched.final_url == site.url("/gz") and fetched.body == PAGE
    assert site.hits("/old") == [302] and site.hits("/gz") == [200]


async def test_a_redirect_to_a_private_address_is_refused_before_it_is_followed(
    site: Site, fetcher: Fetcher
) -> None:
    site.pages["/sneaky"] = Page(redirect="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(FetchRefused, match="169.254.169.254, not a public address"):
        await fetcher.fetch(site.url("/sneaky"))
    site.pages["/loop"] = Page(redirect="/loop")
    with pytest.raises(FetchFailed, match="redirects more than 5 times"):
        await fetcher.fetch(site.url("/loop"))


async def test_by_default_only_public_https_urls_are_fetched(site: Site) -> None:
    site.pages["/p"] = Page(PAGE)
    default = Fetcher(Settings())
    try:
        with pytest.raises(FetchRefused, match="MILESTONES_ALLOW_HTTP_FETCHES"):
            await default.fetch(site.url("/p"))
        with pytest.raises(FetchRefused, match="MILESTONES_ALLOW_PRIVATE_FETCHES"):
            await default.fetch(f"https://127.0.0.1:{site.port}/p")
        with pytest.raises(FetchRefused, match="user name or password"):
            await default.fetch("https://user:secret@news.example.com/p")
    finally:
        await default.aclose()


async def test_a_page_over_the_size_limit_is_refused_even_when_it_comes_compressed(
    site: Site,
) -> None:
    small = fetcher_for(fetch_max_bytes=100_000)
    try:
        site.pages["/big"] = Page(b"<p>" + b"x" * 200_000 + b"</p>")
        with pytest.raises(FetchFailed, match="the limit is 100000"):
            await small.fetch(site.url("/big"))
        # 20 MB of zeros in 20 KB of gzip (under the limit as sent): stopped at the limit,
        # never decompressed whole.
        site.pages["/bomb"] = Page(b"\0" * 20_000_000, gzip=True)
        assert len(gzip.compress(site.pages["/bomb"].body)) < 50_000
        with pytest.raises(FetchFailed, match="over the limit of 100000 bytes"):
            await small.fetch(site.url("/bomb"))
    finally:
        await small.aclose()


@pytest.mark.parametrize(
    ("page", "error", "says"),
    [
        (Page(b"gone", status=404), FetchFailed, "answered 404"),
        (Page(b"down", status=503), FetchUnavailable, "answered 503: it may answer later"),
        (
            Page(b"%PDF-1.7 ...", type="application/pdf"),
            FetchFailed,
            "the page is not a text file: it is a PDF",
        ),
        (
            Page(
                b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
                type="application/rss+xml",
            ),  # fmt: skip
            FetchFailed,
            "is a feed, not an article",
        ),
        (Page(b"\x89PNG\r\n\x1a\n....", type=""), FetchFailed, "a PNG image"),
        (Page(b"{}", type="image/svg+xml"), FetchFailed, "image/svg.xml, not an article format"),
    ],
)
async def test_what_is_no_article_is_refused_saying_what_it_is(
    site: Site, fetcher: Fetcher, page: Page, error: type[Exception], says: str
) -> None:
    site.pages["/x"] = page
    with pytest.raises(error, match=says):
        article_input(await fetcher.fetch(site.url("/x")))


async def test_a_server_that_does_not_answer_in_time_is_unavailable() -> None:
    quick = fetcher_for(fetch_timeout_s=0.2)
    try:
        with pytest.raises(FetchUnavailable):  # nothing listens on port 9 (discard)
            await quick.fetch("http://127.0.0.1:9/")
    finally:
        await quick.aclose()


async def test_the_same_url_again_is_a_304_and_the_stored_summary(
    site: Site, fetcher: Fetcher, store_url: str
) -> None:
    site.pages["/news/nw-201"] = Page(PAGE, etag='"v1"')
    store = Store(store_url)
    summariser = Summariser(store)
    engine = RulesEngine()
    given = ArticleInput(url=site.url("/news/nw-201"))
    try:
        first = await summarise_url(summariser, engine, fetcher, given)
        assert first.fetched and not first.record.meta.cached
        kinds = [m.kind for m in first.record.summary.milestones]
        assert "trial_authorisation" in kinds

        again = await summarise_url(summariser, engine, fetcher, given)
        assert not again.fetched and again.record.meta.cached
        assert again.outcome.id == first.outcome.id
        assert again.record.summary == first.record.summary
        assert site.requests[-1] == ("/news/nw-201", '"v1"', 304)

        # The page changes: fetched in full, a new summary; the URL stays on the article.
        changed = PAGE.replace(b"later this year", b"in the second quarter of 2027")
        site.pages["/news/nw-201"] = Page(changed, etag='"v2"')
        third = await summarise_url(summariser, engine, fetcher, given)
        assert third.fetched and third.outcome.id != first.outcome.id
        assert site.hits("/news/nw-201") == [200, 304, 200]
        kept = store.fetches.last(site.url("/news/nw-201"))
        assert kept is not None and (kept.etag, kept.summary_id) == ('"v2"', third.outcome.id)
        (article,) = store.index.articles(Filters(article=third.outcome.id), ListPage()).items
        assert article.url == site.url("/news/nw-201")
    finally:
        await summariser.aclose()
        store.close()
