"""The review pages in Chromium, against the service in a child process: what an editor
does, by mouse and by keyboard, with no request leaving the machine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from service.cli import app as cli
from tests.doubles.browser import open_offline
from tests.doubles.fake_openai import free_port
from tests.doubles.processes import ROOT, clean_env, server_process
from tests.test_store_index import FOLLOW_UP

# Slow (a child process, a browser or a wheel built): left out of `make check`.
pytestmark = pytest.mark.slow

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
SCREENSHOTS = ROOT / "var" / "screenshots"
HOSTILE = (
    "Acme Bio AG said the FDA has granted Orphan Drug Designation to AB-101.\n"
    '<script>window.pwned = "script"; alert(1)</script></mark>'
    '"><img src=x onerror="window.pwned=\'img\'; alert(2)"> {{ 7*7 }}\n'
    "<b onmouseover=\"window.pwned='hover'\">Acme Bio raised $5 million in a seed round.</b>\n"
)
# Every milestone's marks joined, by number: what the page highlights for each.
MARKED = """() => {
  const by = {};
  document.querySelectorAll('#article mark.ev').forEach(m => {
    m.dataset.m.split(' ').forEach(n => { by[n] = (by[n] || '') + m.textContent; });
  });
  return by;
}"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    port = free_port()
    store = tmp_path_factory.mktemp("pages") / "store.sqlite3"
    url = f"sqlite:///{store}"
    env = clean_env(MILESTONES_ENGINE="rules", DATABASE_URL=url)
    with server_process(["service.cli", "serve", "--port", str(port)], port, env):
        yield f"http://127.0.0.1:{port}", url


def submitted(browser: Any, base: str, text: str, width: int = 1280) -> tuple[Any, list[str]]:
    page, refused = open_offline(browser, f"{base}/", width)
    page.fill("#text", text)
    page.select_option("#engine", "rules")
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_selector("#article")
    return page, refused


def summary_json(base: str, page: Any) -> dict[str, Any]:
    summary_id = page.url.rsplit("/", 1)[1].split("?")[0]
    body: dict[str, Any] = httpx.get(f"{base}/v1/summaries/{summary_id}", timeout=10).json()
    return body


@pytest.mark.parametrize("seed", SEEDS, ids=[p.name for p in SEEDS])
def test_a_seed_submitted_shows_a_card_per_milestone_and_its_evidence_highlighted(
    browser: Any, service: tuple[str, str], seed: Path
) -> None:
    base, _ = service
    text = seed.read_text(encoding="utf-8")
    page, refused = submitted(browser, base, text)
    milestones = summary_json(base, page)["summary"]["milestones"]
    assert page.locator("ol.cards > li.card").count() == len(milestones)
    marked = page.evaluate(MARKED)
    for n, milestone in enumerate(milestones, start=1):
        assert marked[str(n)] == milestone["evidence"], n
    assert page.locator("#article").text_content() == text
    if seed == SEEDS[-1]:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("a.show[data-m='2']").click()
        page.screenshot(path=str(SCREENSHOTS / "review-page.png"))
    assert refused == []
    page.close()


def test_choosing_a_card_brings_its_evidence_into_view_and_back(
    browser: Any, service: tuple[str, str]
) -> None:
    base, _ = service
    page, _ = submitted(browser, base, SEEDS[-1].read_text(encoding="utf-8"))
    count = page.locator("ol.cards > li.card").count()
    last = page.locator(f"a.show[data-m='{count}']")
    last.click()
    mark = page.locator(f"#article mark.ev[data-m~='{count}']").first
    assert "active" in (mark.get_attribute("class") or "")
    box = mark.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    page.keyboard.press("Enter")  # from the evidence back to its card
    assert page.evaluate("document.activeElement.id") == f"card-{count}"
    page.close()


def test_an_article_with_markup_and_script_runs_nothing(
    browser: Any, service: tuple[str, str]
) -> None:
    base, _ = service
    dialogs: list[str] = []
    page, _ = open_offline(browser, f"{base}/")
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.fill("#text", HOSTILE)
    page.select_option("#engine", "rules")
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_selector("#article")
    page.hover("#article")
    page.mouse.move(10, 10)
    assert page.evaluate("window.pwned") is None and dialogs == []
    assert page.locator("#article img, #article script, #article b").count() == 0
    assert page.locator("#article").text_content() == HOSTILE
    assert "{{ 7*7 }}" in page.content()
    page.close()


def test_a_review_made_in_the_page_comes_back_from_the_api_and_the_export(
    browser: Any, service: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, database = service
    text = (
        "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101.\n"
        "Acme Bio raised $50 million in a Series B financing led by Delta Ventures.\n"
        "Separately, Acme Bio dosed the first patient in its Phase 1 trial of AB-102.\n"
    )
    page, _ = submitted(browser, base, text)
    summary = summary_json(base, page)
    kinds = [m["kind"] for m in summary["summary"]["milestones"]]
    wrong = kinds.index("funding")
    page.check(f"input[name='verdict_{wrong}'][value='wrong']")
    # select the evidence of a milestone the engine "missed" (chosen here by hand)
    sentence = "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101."
    page.evaluate(
        """(sentence) => {
          const article = document.getElementById('article');
          const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
          const start = article.textContent.indexOf(sentence), range = document.createRange();
          let node, seen = 0;
          const end = start + sentence.length;
          while ((node = walker.nextNode())) {
            const len = node.textContent.length;
            if (seen <= start && start < seen + len) range.setStart(node, start - seen);
            if (seen < end && end <= seen + len) { range.setEnd(node, end - seen); break; }
            seen += len;
          }
          const selection = window.getSelection();
          selection.removeAllRanges(); selection.addRange(range);
          article.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        sentence,
    )
    assert page.input_value("#add-evidence") == sentence
    page.select_option("#add-kind", "committee_opinion")
    page.fill("#add-title", "Designation read as an opinion (a test)")
    page.fill("#add-organisation", "Acme Bio")
    page.click("#review button[type=submit]")
    page.wait_for_selector("p.ok")
    summary_id = summary["id"]
    [review] = httpx.get(f"{base}/v1/summaries/{summary_id}/reviews", timeout=10).json()
    assert review["verdicts"][wrong]["verdict"] == "wrong"
    [added] = review["added"]
    span = added["evidence_span"]
    assert text[span["start"] : span["end"]] == sentence
    page.close()

    monkeypatch.setenv("DATABASE_URL", database)
    gold = tmp_path / "gold.jsonl"
    assert CliRunner().invoke(cli, ["reviews", "export", "-o", str(gold)]).exit_code == 0
    lines = [json.loads(line) for line in gold.read_text().splitlines()]
    mine = next(x for x in lines if x["article"] == f"{summary_id}.txt")
    assert "funding" not in {m["kind"] for m in mine["milestones"]}
    assert "committee_opinion" in {m["kind"] for m in mine["milestones"]}


def test_by_keyboard_alone_every_card_and_every_evidence_is_reached(
    browser: Any, service: tuple[str, str]
) -> None:
    base, _ = service
    page, _ = submitted(browser, base, SEEDS[-1].read_text(encoding="utf-8"))
    cards = page.locator("a.show[data-m]").count()
    marks = page.locator("#article mark.ev").count()
    reached_cards, reached_marks = set(), 0
    for _ in range(600):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.tagName, document.activeElement.dataset.m || '', "
            "document.activeElement.className]"
        )
        if focused[0] == "A" and "show" in focused[2]:
            reached_cards.add(focused[1])
        if focused[0] == "MARK":
            reached_marks += 1
        if focused[0] == "BODY":
            break
    assert len(reached_cards) == cards and reached_marks == marks
    outline = page.evaluate(
        "(() => { const a = document.querySelector('a.show'); a.focus(); "
        "return getComputedStyle(a).outlineStyle; })()"
    )
    assert outline != "none"  # focus is visible
    page.close()


def test_the_summary_page_reads_at_375_pixels_wide(browser: Any, service: tuple[str, str]) -> None:
    base, _ = service
    page, _ = submitted(browser, base, SEEDS[0].read_text(encoding="utf-8"), width=375)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.close()


def test_standalone_pages_open_from_disk_and_link_cards_to_evidence(
    browser: Any, tmp_path: Path
) -> None:
    out = tmp_path / "pages"
    args = ["summarise", str(ROOT / "seeds"), "--engine", "rules", "--html", str(out)]
    with ThreadPoolExecutor(1) as thread:  # the command runs an event loop; Playwright too
        result = thread.submit(CliRunner().invoke, cli, args).result()
    assert result.exit_code == 0
    page, refused = open_offline(browser, (out / "index.html").as_uri())
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.locator("tbody a").nth(4).click()
    page.wait_for_selector("#article")
    page.locator("a.show[data-m='1']").click()
    assert "active" in (page.locator("#article mark.ev").first.get_attribute("class") or "")
    assert refused == [] and errors == []  # the inline script and style ran, allowed
    page.close()


# Each visible text element's colour and the colour of the background it stands on.
COLOURS = """() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const ground = el => {
    for (let e = el; e; e = e.parentElement) {
      const [r, g, b, a] = parse(getComputedStyle(e).backgroundColor);
      if (a === undefined || a > 0) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const seen = [];
  document.querySelectorAll('body *').forEach(el => {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) return;
    seen.push([el.tagName + '.' + el.className, parse(getComputedStyle(el).color), ground(el)]);
  });
  return seen;
}"""


def contrast(a: list[float], b: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in rgb[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def low_contrast(page: Any) -> list[tuple[str, float]]:
    """Every text on the page below WCAG AA contrast (4.5:1), with its ratio."""
    return [
        (where, round(contrast(fg, bg), 2))
        for where, fg, bg in page.evaluate(COLOURS)
        if contrast(fg, bg) < 4.5
    ]


def test_every_text_on_the_summary_page_meets_wcag_aa_contrast(
    browser: Any, service: tuple[str, str]
) -> None:
    base, _ = service
    page, _ = submitted(browser, base, SEEDS[0].read_text(encoding="utf-8"))
    assert low_contrast(page) == []
    page.close()


def test_a_seed_products_timeline_links_each_source_to_its_evidence(
    browser: Any, service: tuple[str, str]
) -> None:
    base, _ = service
    seed = SEEDS[-1].read_text(encoding="utf-8")  # IMC001, IMC002 and IMC008
    assert httpx.post(f"{base}/v1/summaries", json={"text": seed}, timeout=30).status_code == 200
    follow_up = {
        "text": FOLLOW_UP,
        "url": "https://news.example.com/imc-002",
        "published_at": "2025-04-02",
    }
    assert httpx.post(f"{base}/v1/summaries", json=follow_up, timeout=30).status_code == 200
    page, refused = open_offline(browser, f"{base}/products/IMC-002")
    names = f"{page.locator('h1').text_content()} {page.locator('.lede').text_content()}"
    assert "IMC002" in names and "IMC-002" in names  # one article each: both are shown
    events = page.locator("ol.timeline > li.card")
    assert events.count() == 2
    assert events.first.locator(".when").text_content() == "2023-04"
    assert events.last.locator(".when").text_content() == "undated"
    assert events.last.locator(".sources > li").count() == 2  # the seed and the follow-up
    evidence = events.first.locator("blockquote").text_content()
    events.first.locator(".sources a").first.click()
    page.wait_for_selector("#article mark.ev.active")
    marked = page.locator("#article mark.ev.active")
    assert "".join(marked.all_text_contents()) == evidence  # the source's own words
    box = marked.first.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    timeline, _ = open_offline(browser, f"{base}/products/IMC002")
    timeline.screenshot(path=str(SCREENSHOTS / "timeline-page.png"), full_page=True)
    timeline.close()
    assert refused == []
    page.close()


def test_the_milestones_table_filters_by_form_and_downloads(
    browser: Any, service: tuple[str, str]
) -> None:
    base, _ = service
    seed = SEEDS[-1].read_text(encoding="utf-8")
    httpx.post(f"{base}/v1/summaries", json={"text": seed}, timeout=30)
    page, refused = open_offline(browser, f"{base}/milestones")
    page.select_option("#f-kind", "designation")
    page.fill("#f-product", "imc 001")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/milestones?*")
    rows = page.locator("table.milestones tbody tr")
    assert rows.count() == 1
    assert "IMC001" in (rows.first.text_content() or "")
    with page.expect_download() as download:
        page.click("a[href^='/milestones.csv']")
    saved = download.value.path()
    assert saved is not None and Path(saved).read_text().count("\n") == 2  # header + 1 row
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert low_contrast(page) == [] and refused == []
    page.close()


def test_the_charts_page_draws_both_charts_at_any_width(
    browser: Any, service: tuple[str, str]
) -> None:
    base, _ = service
    for path in sorted((ROOT / "tests" / "data" / "details").glob("*.txt")):
        made = httpx.post(f"{base}/v1/summaries", json={"text": path.read_text()}, timeout=30)
        assert made.status_code == 200, made.text
    for width in (1280, 375):
        page, refused = open_offline(browser, f"{base}/charts", width)
        charts = page.locator("figure.chart img")
        assert charts.count() == 2 and refused == []
        for i in range(2):  # each drawn: loaded, and shown at a width the page has room for
            assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            box = charts.nth(i).bounding_box()
            assert box is not None and 0 < box["width"] <= width
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        page.locator("details summary").first.click()
        assert page.locator("details table tbody tr").first.is_visible()
        if width == 1280:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "charts-page.png"), full_page=True)
        page.close()


@pytest.fixture(scope="module")
def llm_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service with the LLM engine, against the fake model answering each article
    badly first (so every summary was re-asked once)."""
    from tests.doubles.fake_openai import Limits, serving

    port = free_port()
    store = tmp_path_factory.mktemp("pages-llm") / "store.sqlite3"
    with serving(Limits(bad_first=True)) as model:
        env = clean_env(
            MILESTONES_ENGINE="llm",
            DATABASE_URL=f"sqlite:///{store}",
            OPENAI_BASE_URL=f"{model}/v1",
            OPENAI_API_KEY="test-key",
            MILESTONES_MODEL="fake-model",
        )
        with server_process(["service.cli", "serve", "--port", str(port)], port, env):
            yield f"http://127.0.0.1:{port}"


def test_the_model_calls_of_a_summary_read_in_the_page_at_any_width(
    browser: Any, llm_service: str
) -> None:
    made = httpx.post(
        f"{llm_service}/v1/summaries", json={"text": SEEDS[4].read_text(encoding="utf-8")}
    )
    assert made.status_code == 200, made.text
    for width in (1280, 375):
        page, refused = open_offline(browser, f"{llm_service}/summaries/{made.json()['id']}", width)
        requests = page.locator("ol.calls > li")
        assert requests.count() == 2 and refused == []
        first = requests.nth(0)
        assert "Call 1: invalid" in first.inner_text()
        assert "Invalid JSON" in first.locator(".call-errors").inner_text()
        first.locator("summary").click()  # the rejected answer, shown on demand
        assert '{"headline": "cut off' in first.locator("pre").inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        assert low_contrast(page) == []
        page.close()
