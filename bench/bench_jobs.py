"""Jobs benchmark (make bench): what a CMS waits for, and what the queue costs.

``milestones serve`` runs in its own process against the fake provider (100 ms per
answer); a receiver on loopback takes the webhooks. The same number of distinct
articles (no cache hits) go through, in one run:

(a) synchronously: ``POST /v1/summaries``, 8 at a time;
(b) as jobs: ``POST /v1/jobs`` for all of them, then their signed webhooks arrive
    (8 jobs at a time in the worker).

Reported: wall time of each and their ratio (the queue's cost in throughput), the time a
CMS waits for its ``202``, and from submission to the webhook's arrival.
"""

from __future__ import annotations

import base64
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from service import webhooks
from tests.doubles.fake_openai import Limits, free_port, serving
from tests.doubles.processes import clean_env, server_process
from tests.doubles.receiver import receiving

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
ARTICLES = 200
AT_ONCE = 8
SECRET = "whsec_" + base64.b64encode(b"benchmark secret, thirty-two by.").decode()


def articles(tag: str) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    return [f"{texts[i % len(texts)]}\nArchive note {tag}-{i}.\n" for i in range(ARTICLES)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    plain = {"content-type": "text/plain; charset=utf-8"}
    with (
        tempfile.TemporaryDirectory() as folder,
        serving(Limits(latency_s=0.1)) as model,
        receiving() as (receiver_port, received),
    ):
        hook = f"http://127.0.0.1:{receiver_port}/hook"
        env = clean_env(
            OPENAI_BASE_URL=f"{model}/v1",
            OPENAI_API_KEY="fake",
            DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
            MILESTONES_ENGINE="llm",
            MILESTONES_WEBHOOK_SECRET=SECRET,
            MILESTONES_ALLOW_HTTP_CALLBACKS="true",
            MILESTONES_ALLOW_PRIVATE_CALLBACKS="true",
            MILESTONES_JOB_WORKERS=str(AT_ONCE),
            MILESTONES_MAX_MODEL_CALLS=str(AT_ONCE),
        )
        with server_process(["service.cli", "serve", "--port", str(port)], port, env):
            with httpx.Client(base_url=base, timeout=120) as client:

                def summarise(text: str) -> None:
                    response = client.post("/v1/summaries", content=text.encode(), headers=plain)
                    assert response.status_code == 200, response.text

                started = time.perf_counter()
                with ThreadPoolExecutor(AT_ONCE) as pool:
                    list(pool.map(summarise, articles("sync")))
                sync_s = time.perf_counter() - started

                submitted: dict[str, float] = {}
                acknowledged: list[float] = []
                started = time.perf_counter()
                for text in articles("job"):
                    sent = time.perf_counter()
                    response = client.post(
                        "/v1/jobs", params={"callback_url": hook}, content=text, headers=plain
                    )
                    acknowledged.append((time.perf_counter() - sent) * 1000)
                    assert response.status_code == 202, response.text
                    submitted[f"msg_{response.json()['id']}"] = sent
                arrived: dict[str, float] = {}
                seen = 0
                deadline = time.monotonic() + 300
                while len(arrived) < ARTICLES and time.monotonic() < deadline:
                    for delivery in received[seen:]:
                        seen += 1
                        assert webhooks.verify(SECRET, delivery.headers, delivery.body)
                        arrived.setdefault(delivery.headers["webhook-id"], time.perf_counter())
                    time.sleep(0.01)
                jobs_s = time.perf_counter() - started
    waits = [(arrived[i] - submitted[i]) for i in arrived]
    print(f"{ARTICLES} distinct articles, fake model 100 ms per answer, {AT_ONCE} at a time\n")
    print("| path | wall s | articles/s | vs synchronous |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| `POST /v1/summaries` | {sync_s:.1f} | {ARTICLES / sync_s:.1f} | 1.00 |")
    print(
        f"| `POST /v1/jobs` → webhook | {jobs_s:.1f} | {len(arrived) / jobs_s:.1f} "
        f"| {sync_s / jobs_s:.2f} |"
    )
    print(
        f"\n202 Accepted: p50 {statistics.median(acknowledged):.1f} ms, "
        f"p95 {percentile(acknowledged, 0.95):.1f} ms; "
        f"webhooks: {len(arrived)}/{ARTICLES} arrived, each signed correctly, one per job"
    )
    print(
        f"submission to webhook (the whole queue submitted at once): p50 "
        f"{statistics.median(waits):.2f} s, p95 {percentile(waits, 0.95):.2f} s"
    )
    assert len(received) == len(arrived) == ARTICLES, "a webhook missing or sent twice"


if __name__ == "__main__":
    main()
