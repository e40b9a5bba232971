"""The whole round trip with real processes: a CMS posts a ninjs document to a running
``milestones serve``, the service is killed (-9) while the job runs, is started again,
and the CMS's receiver gets exactly one correctly signed callback with the summary."""

from __future__ import annotations

import base64
import json
import signal
import time
from pathlib import Path

import httpx
import pytest

from service import webhooks
from tests.doubles.fake_openai import Limits, free_port, serving
from tests.doubles.processes import clean_env, server_process
from tests.doubles.receiver import receiving

# Slow (a child process, a browser or a wheel built): left out of `make check`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "001_f06d21732f209e16.txt"
SECRET = "whsec_" + base64.b64encode(b"process test secret, 32 bytes..").decode()


def test_a_job_survives_a_kill_and_is_called_back_once(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    headline, _, body = text.partition("\n")
    document = {
        "uri": "urn:newsroom:7",
        "headline": headline,
        "body_text": body,
        "versioncreated": "2025-06-02T09:30:00Z",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(Limits(latency_s=1.5)) as model, receiving() as (receiver_port, received):
        hook = f"http://127.0.0.1:{receiver_port}/hooks/milestones"
        env = clean_env(
            OPENAI_BASE_URL=f"{model}/v1",
            OPENAI_API_KEY="fake",
            DATABASE_URL=f"sqlite:///{tmp_path}/store.sqlite3",
            MILESTONES_ENGINE="llm",
            MILESTONES_WEBHOOK_SECRET=SECRET,
            MILESTONES_ALLOW_HTTP_CALLBACKS="true",
            MILESTONES_ALLOW_PRIVATE_CALLBACKS="true",
            MILESTONES_JOB_LEASE_S="1",
            MILESTONES_JOB_POLL_S="0.1",
            MILESTONES_CLAIM_TTL_S="1",
        )
        serve = ["service.cli", "serve", "--port", str(port)]
        with server_process(serve, port, env) as first:
            response = httpx.post(
                f"{base}/v1/jobs",
                params={"callback_url": hook},
                content=json.dumps(document),
                headers={"content-type": "application/ninjs+json", "idempotency-key": "k-7"},
            )
            assert response.status_code == 202, response.text
            location = base + response.headers["location"]
            deadline = time.monotonic() + 20
            while httpx.get(f"{model}/stats").json()["requests"] == 0:
                assert time.monotonic() < deadline, "the job never reached the model"
                time.sleep(0.02)
            assert httpx.get(location).json()["status"] == "running"
            first.send_signal(signal.SIGKILL)  # mid-run: no chance to hand the job back
            first.wait()
        assert received == []
        with server_process(serve, port, env):
            deadline = time.monotonic() + 30
            while not received:
                assert time.monotonic() < deadline, "no callback came"
                time.sleep(0.05)
            time.sleep(1.5)  # a lease and more: no second delivery follows
            job = httpx.get(location).json()
            replay = httpx.post(
                f"{base}/v1/jobs",
                params={"callback_url": hook},
                content=json.dumps(document),
                headers={"content-type": "application/ninjs+json", "idempotency-key": "k-7"},
            )
    assert len(received) == 1
    headers, payload = received[0].headers, received[0].body
    assert webhooks.verify(SECRET, headers, payload)
    event = json.loads(payload)
    assert event["type"] == "job.succeeded" and event["data"]["id"] == job["id"]
    summary = event["data"]["result"]["summary"]
    assert summary["milestones"] and event["data"]["result"]["meta"]["engine"] == "llm"
    for m in summary["milestones"]:
        start, end = m["evidence_span"]["start"], m["evidence_span"]["end"]
        assert event["data"]["result"]["text"][start:end] == m["evidence"]
    assert job["status"] == "succeeded" and job["attempts"] == 2  # the killed run, then this
    assert job["webhook"]["state"] == "delivered" and len(job["webhook"]["log"]) == 1
    assert replay.status_code == 202 and replay.json()["id"] == job["id"]
