"""The review page's cost (make bench): rendering the summary page of the richest seed
against the cached JSON path of the same article, in one run, as ratios; and the page's
weight with everything it loads.

- render, first view: the page made in-process (the article cut at its spans, the
  template rendered), the median of many;
- render, repeat view: the page kept rendered (what the service keeps per summary,
  review and visitor), the visitor's CSRF token put in;
- GET /summaries/{id}: the page over HTTP (store read, render, headers);
- POST /v1/summaries, exact repeat: the cached JSON path answered from memory;
- POST /v1/summaries, other boilerplate: the cached JSON path through the store
  (cleaning, cache key, re-grounding).
"""

from __future__ import annotations

import json
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from schemas import SummaryRecord
from service.web.pages import RenderedPages
from service.web.render import summary_page
from service.web.view import build_view
from tests.doubles.fake_openai import free_port
from tests.doubles.processes import server_process

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
ROUNDS, PER_ROUND = 5, 40
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//"""
)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (
        tempfile.TemporaryDirectory() as store,
        server_process(["bench.server", str(port), store], port),
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        made = [client.post("/v1/summaries", json={"text": p.read_text()}).json() for p in SEEDS]
        richest = max(range(len(SEEDS)), key=lambda i: len(made[i]["summary"]["milestones"]))
        text = SEEDS[richest].read_text(encoding="utf-8")
        summary_id = made[richest]["id"]
        exact = json.dumps({"text": text})
        timings: dict[str, list[float]] = {"page": [], "exact": [], "rewrapped": []}
        n = 0
        for _ in range(ROUNDS):
            for name in timings:
                for _ in range(PER_ROUND):
                    n += 1
                    started = time.perf_counter()
                    if name == "page":
                        answer = client.get(f"/summaries/{summary_id}")
                    elif name == "exact":
                        answer = client.post(
                            "/v1/summaries",
                            content=exact,
                            headers={"content-type": "application/json"},
                        )
                    else:
                        wrapped = f"Advertisement\n{text}\nREAD: story {n}\n"
                        answer = client.post("/v1/summaries", json={"text": wrapped})
                    timings[name].append(time.perf_counter() - started)
                    assert answer.status_code == 200, answer.text[:200]
        page = client.get(f"/summaries/{summary_id}")
        css = client.get("/static/app.css")
        js = client.get("/static/app.js")

    record = SummaryRecord.model_validate(
        {k: made[richest][k] for k in ("source", "summary", "meta")}
    )
    renders, repeats = [], []
    memory = RenderedPages()
    key = (summary_id, record.meta.created_at, 0, "local", False)
    for _ in range(ROUNDS * PER_ROUND):
        started = time.perf_counter()
        body = summary_page(
            build_view(summary_id, record, text), reviewable=True, csrf=RenderedPages.PLACEHOLDER
        )
        renders.append(time.perf_counter() - started)
        memory.put(key, body)
        started = time.perf_counter()
        shown = memory.get(key)
        assert shown is not None
        shown.replace(RenderedPages.PLACEHOLDER, "a-visitor's-token")
        repeats.append(time.perf_counter() - started)

    render_ms, repeat_ms = median_ms(renders), median_ms(repeats)
    page_ms, exact_ms, rewrapped_ms = (
        median_ms(timings[k]) for k in ("page", "exact", "rewrapped")
    )
    weight = len(page.content) + len(css.content) + len(js.content)
    external = [
        name
        for name, body in (("page", page.text), ("css", css.text), ("js", js.text))
        if EXTERNAL.search(body)
    ]
    milestones = len(record.summary.milestones)
    print(
        f"Summary page of {SEEDS[richest].name} ({len(text):,} characters, {milestones} milestones)"
    )
    print(
        "| what | median ms | ratio to the cached JSON path (exact repeat) "
        "| ratio to the cached JSON path (other boilerplate) |"
    )
    print("| --- | ---: | ---: | ---: |")
    for what, ms in (
        ("render, first view (in-process: cut + template)", render_ms),
        ("render, repeat view (in-process: rendered page kept)", repeat_ms),
        ("GET /summaries/{id} (over HTTP)", page_ms),
        ("POST /v1/summaries, exact repeat (from memory)", exact_ms),
        ("POST /v1/summaries, other boilerplate (store, re-ground)", rewrapped_ms),
    ):
        print(f"| {what} | {ms:.3f} | {ms / exact_ms:.3f} | {ms / rewrapped_ms:.3f} |")
    print(
        f"weight: page {len(page.content) / 1024:.1f} KB + CSS {len(css.content) / 1024:.1f} KB "
        f"+ JS {len(js.content) / 1024:.1f} KB = {weight / 1024:.1f} KB (target under 100 KB); "
        f"external references: {external or 'none'}"
    )


if __name__ == "__main__":
    main()
