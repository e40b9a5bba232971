"""Bulk runs: inputs with bad rows, whole lines, resume after a kill, the errors file and
--retry-errors, 429 storms, and duplicates costing one call."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from service.bulk.items import iter_items
from service.bulk.results import repair
from service.cli import app
from service.engines.rules import RulesEngine
from tests.doubles.fake_openai import Limits, rules_answer, serving
from tests.model_stub import BASE_URL, completion, error

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
RULES = RulesEngine()


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def bulk_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", BASE_URL)
    monkeypatch.setenv("MILESTONES_MODEL", "test-model")
    monkeypatch.setenv("MILESTONES_DATABASE_URL", f"sqlite:///{tmp_path}/cache.sqlite3")
    monkeypatch.setenv("MILESTONES_BACKOFF_MAX_S", "0.001")
    monkeypatch.setenv("MILESTONES_RETRY_AFTER_MAX_S", "0.01")


def answering(
    model: respx.MockRouter, before: Callable[[httpx.Request], httpx.Response | None] | None = None
) -> respx.Route:
    """The model stub: answers each article as the rules engine reads it."""

    def respond(request: httpx.Request) -> httpx.Response:
        if before is not None and (early := before(request)) is not None:
            return early
        return completion(rules_answer(json.loads(request.content)["messages"], RULES))

    return model.post("/chat/completions").mock(side_effect=respond)


def bulk(*args: str) -> Any:
    return CliRunner().invoke(app, ["bulk", *args, "--no-progress"])


def test_jsonl_rows_that_cannot_be_read_become_error_items(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "ok", "text": "Acme Bio raised $5 million."},
            "{not json",
            ["a", "list"],
            {"id": "blank", "text": "   "},
            {"id": "html", "html": "<p>Acme</p>"},
            {"id": "odd", "text": "x", "colour": "red"},
            {"id": "date", "text": "x", "published_at": "last week"},
            {"id": 7, "text": "Numbers as ids are fine.", "published_at": "2025-01-02T10:00:00Z"},
        ],
    )
    items = list(iter_items(str(source)))
    assert [(i.id, i.error is None) for i in items] == [
        ("ok", True),
        ("in.jsonl:2", False),
        ("in.jsonl:3", False),
        ("blank", True),  # read, then refused as empty when summarised (as over HTTP)
        ("html", True),
        ("odd", False),
        ("date", False),
        ("7", True),
    ]
    last = items[-1].input
    assert last is not None and last.published_at is not None
    assert last.published_at.isoformat() == "2025-01-02"


def test_csv_rows_with_missing_text_or_extra_cells_become_error_items(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "source"])
        writer.writerow(["a", "Acme Bio raised $5 million.", "wire"])
        writer.writerow(["b", "", "wire"])
        writer.writerow(["c", "text", "wire", "surplus"])
    items = list(iter_items(str(path)))
    assert [(i.id, i.error is None, i.input and i.input.source) for i in items] == [
        ("a", True, "wire"),
        ("b", False, None),
        ("c", False, None),
    ]


def test_html_and_ninjs_rows_and_html_files_are_summarised_with_their_text(
    tmp_path: Path, bulk_env: None
) -> None:
    from tests.test_formats import as_html

    text = SEED_TEXTS[3]
    rows = [
        {"id": "page", "html": as_html(text)},
        {"id": "doc", "ninjs": {"headline": "Alcura", "body_text": text}},
        {"id": "both", "text": text, "html": as_html(text)},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    result = bulk(str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "rules")
    out = {line["id"]: line for line in lines(tmp_path / "out.jsonl")}
    assert set(out) == {"page", "doc"} and result.exit_code == 1
    for line in out.values():
        for m in line["summary"]["milestones"]:
            span = m["evidence_span"]
            assert line["text"][span["start"] : span["end"]] == m["evidence"]
    [failure] = lines(tmp_path / "out.errors.jsonl")
    assert failure["id"] == "both" and "one of text, html and ninjs" in failure["detail"]
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.html").write_text(as_html(text))
    assert [i.input and i.input.html is not None for i in iter_items(str(folder))] == [True]


def test_a_partial_last_line_is_cut_off_before_appending(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "a"}\n{"id": "b"}\n{"id": "c", "summ')
    assert repair(out) == len(b'{"id": "c", "summ')
    assert out.read_bytes() == b'{"id": "a"}\n{"id": "b"}\n'
    assert repair(out) == 0


def test_a_run_writes_one_line_per_item_and_one_error_line_per_bad_row(
    tmp_path: Path, bulk_env: None, model: respx.MockRouter
) -> None:
    rows: list[Any] = [{"id": f"s{i}", "text": t} for i, t in enumerate(SEED_TEXTS)]
    source = write_jsonl(tmp_path / "in.jsonl", [*rows, "{broken", {"id": "e", "text": ""}])
    route = answering(model)
    result = bulk(str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "llm")
    assert result.exit_code == 1  # some items failed
    out = lines(tmp_path / "out.jsonl")
    assert sorted(line["id"] for line in out) == [f"s{i}" for i in range(5)]
    assert all(line["meta"]["engine"] == "llm" and line["content_hash"] for line in out)
    errors = lines(tmp_path / "out.errors.jsonl")
    assert {(e["id"], e["kind"]) for e in errors} == {
        ("in.jsonl:6", "bad_input"),
        ("e", "bad_input"),
    }
    assert route.call_count == 5
    assert "summarised" in result.stderr and "estimated cost" in result.stderr


def test_rerunning_skips_what_is_done_and_retry_errors_reruns_only_the_failures(
    tmp_path: Path, bulk_env: None, model: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILESTONES_TRANSPORT_RETRIES", "1")
    rows = [{"id": f"s{i}", "text": t} for i, t in enumerate(SEED_TEXTS)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    down_for_immunicum = answering(
        model, lambda r: error(500) if b"Immunicum" in r.content else None
    )
    first = bulk(str(source), "-o", str(out), "--engine", "llm")
    assert first.exit_code == 1
    assert [e["id"] for e in lines(tmp_path / "out.errors.jsonl")] == ["s0"]
    assert len(lines(out)) == 4
    calls = down_for_immunicum.call_count

    model.routes.clear()
    healthy = answering(model)
    again = bulk(str(source), "-o", str(out), "--engine", "llm", "--retry-errors")
    assert again.exit_code == 0, again.stderr
    assert healthy.call_count == 1  # only the failed item went to the model
    assert sorted(line["id"] for line in lines(out)) == [f"s{i}" for i in range(5)]
    assert not (tmp_path / "out.errors.jsonl").exists()
    third = bulk(str(source), "-o", str(out), "--engine", "llm")
    assert third.exit_code == 0 and healthy.call_count == 1 and len(lines(out)) == 5
    assert calls >= 5


def test_the_report_counts_the_requests_and_tokens_of_failed_items_too(
    tmp_path: Path, bulk_env: None, model: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILESTONES_MAX_REASKS", "1")
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "bad", "text": SEED_TEXTS[0]}])
    route = model.post("/chat/completions").mock(return_value=completion('{"headline": "cut'))
    result = bulk(str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "llm")
    assert result.exit_code == 1
    assert route.call_count == 2  # the answer and one re-ask, both invalid
    table = " ".join(result.stderr.replace("│", " ").split())
    assert "model requests 2" in table
    assert "tokens (prompt / completion) 200 / 40" in table  # 2 x the stub's usage


def test_a_429_storm_slows_the_run_down_and_loses_nothing(
    tmp_path: Path, bulk_env: None, model: respx.MockRouter
) -> None:
    storm = {"left": 6}

    def limited(request: httpx.Request) -> httpx.Response | None:
        if storm["left"] > 0:
            storm["left"] -= 1
            return error(429, {"Retry-After": "0"})
        return None

    source = write_jsonl(
        tmp_path / "in.jsonl", [{"id": f"s{i}", "text": t} for i, t in enumerate(SEED_TEXTS)]
    )
    route = answering(model, limited)
    result = bulk(
        str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "llm", "--concurrency", "8"
    )
    assert result.exit_code == 0, result.stderr
    assert len(lines(tmp_path / "out.jsonl")) == 5
    assert route.call_count == 5 + 6
    assert "rate limited 6 time(s)" in result.stderr


def test_syndicated_copies_cost_one_call_and_near_duplicates_reuse_only_when_grounded(
    tmp_path: Path, bulk_env: None, model: respx.MockRouter
) -> None:
    original = SEED_TEXTS[3]  # the MIA licence article
    assert "nearly 2,000 clinical trials" in original
    rows = [
        {"id": "original", "text": original},
        {"id": "syndicated", "text": "Advertisement\n" + original + "\nREAD: Another story\n"},
        {
            "id": "lightly-edited",
            "text": original.replace(
                "nearly 2,000 clinical trials", "almost 2,000 clinical trials"
            ),
        },
        {
            "id": "evidence-changed",
            "text": original.replace(
                "has received a Manufacturing", "has now received a Manufacturing"
            ),
        },
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    route = answering(model)
    result = bulk(
        str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "llm", "--concurrency", "1"
    )
    assert result.exit_code == 0, result.stderr
    out = {line["id"]: line for line in lines(tmp_path / "out.jsonl")}
    assert route.call_count == 2  # the original, and the copy whose evidence changed
    assert out["syndicated"]["meta"]["cached"] is True
    assert out["lightly-edited"]["near_duplicate_of"] == "original"
    assert "near_duplicate_of" not in out["evidence-changed"]
    text = rows[2]["text"]
    for m in out["lightly-edited"]["summary"]["milestones"]:
        assert text[m["evidence_span"]["start"] : m["evidence_span"]["end"]] == m["evidence"]


@pytest.fixture
def slow_fake() -> Iterator[str]:
    """The fake OpenAI server with 150 ms latency, in a thread."""
    with serving(Limits(latency_s=0.15)) as url:
        yield url


@pytest.mark.slow  # a child process or a server on a socket
def test_a_killed_run_resumes_with_one_whole_line_per_item_and_no_repeated_calls(
    tmp_path: Path, slow_fake: str
) -> None:
    items = [
        {"id": f"i{n}", "text": SEED_TEXTS[n % 5] + f"\nItem number {n} of the archive.\n"}
        for n in range(24)
    ]
    source = write_jsonl(tmp_path / "in.jsonl", items)
    out = tmp_path / "out.jsonl"
    env = {
        **os.environ,
        "OPENAI_BASE_URL": f"{slow_fake}/v1",
        "MILESTONES_MODEL": "fake",
        "MILESTONES_DATABASE_URL": f"sqlite:///{tmp_path}/cache.sqlite3",
        "MILESTONES_CLAIM_TTL_S": "1",  # the killed run's claims lapse within a second
    }
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "bulk",
        str(source),
        "-o",
        str(out),
        "--engine",
        "llm",
        "--concurrency",
        "2",
        "--no-progress",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(lines(out)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = {line["id"] for line in lines(out)}
    assert 4 <= len(done_before) < len(items)
    with out.open("ab") as handle:  # as if the kill had cut a line in half
        handle.write(b'{"id": "i99", "summary": {"headl')
    calls_before = httpx.get(f"{slow_fake}/stats").json()["answered"]

    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=120)
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    final = lines(out)  # every line parses: no partial line survived
    assert sorted(line["id"] for line in final) == sorted(item["id"] for item in items)
    calls_after = httpx.get(f"{slow_fake}/stats").json()["answered"]
    assert calls_after - calls_before <= len(items) - len(done_before)


def test_the_batch_api_runs_end_to_end_and_invalid_or_missing_answers_take_the_normal_path(
    tmp_path: Path, bulk_env: None, model: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import article, formats
    from tests.test_formats import as_html

    rows: list[Any] = [{"id": f"s{i}", "text": t} for i, t in enumerate(SEED_TEXTS)]
    rows.append({"id": "page", "html": as_html(SEED_TEXTS[3])})
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    calls = {"extract": 0, "clean": 0}

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(formats, "html_text", counted("extract", formats.html_text))
    monkeypatch.setattr(article, "clean", counted("clean", article.clean))
    uploaded: list[dict[str, Any]] = []

    def upload(request: httpx.Request) -> httpx.Response:
        for raw in request.content.splitlines():
            if raw.startswith(b'{"custom_id"'):
                uploaded.append(json.loads(raw))
        return httpx.Response(
            200,
            json={
                "id": "file-in",
                "object": "file",
                "bytes": len(request.content),
                "created_at": 0,
                "filename": "batch.jsonl",
                "purpose": "batch",
                "status": "processed",
            },
        )

    def batch(status: str, output: str | None = None) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "id": "batch_1",
                "object": "batch",
                "endpoint": "/v1/chat/completions",
                "input_file_id": "file-in",
                "completion_window": "24h",
                "status": status,
                "created_at": 0,
                "output_file_id": output,
            },
        )

    def download(request: httpx.Request) -> httpx.Response:
        answers = []
        for n, line in enumerate(uploaded):
            if n == 1:
                continue  # the batch lost this one: the normal path makes it
            content = rules_answer(line["body"]["messages"], RULES)
            if n == 2:  # an answer that fails validation: re-asked through the normal path
                content = json.dumps({**json.loads(content), "headline": "word " * 30})
            body = completion(content).json()
            answers.append(
                json.dumps(
                    {
                        "id": f"b{n}",
                        "custom_id": line["custom_id"],
                        "error": None,
                        "response": {"status_code": 200, "body": body},
                    }
                )
            )
        return httpx.Response(200, content="\n".join(answers).encode())

    model.post("/files").mock(side_effect=upload)
    model.post("/batches").mock(return_value=batch("validating"))
    polls = model.get("/batches/batch_1").mock(
        side_effect=[batch("in_progress"), batch("completed", "file-out")]
    )
    model.get("/files/file-out/content").mock(side_effect=download)
    chat = answering(model)
    result = bulk(
        str(source),
        "-o",
        str(tmp_path / "out.jsonl"),
        "--engine",
        "llm",
        "--batch-api",
        "--batch-poll-s",
        "0",
    )
    assert result.exit_code == 0, result.stderr
    assert polls.call_count == 2
    assert [line["url"] for line in uploaded] == ["/v1/chat/completions"] * 6
    assert {line["body"]["model"] for line in uploaded} == {"test-model"}
    out = {line["id"]: line for line in lines(tmp_path / "out.jsonl")}
    assert sorted(out) == ["page", *(f"s{i}" for i in range(5))]
    assert chat.call_count == 2  # the missing answer and the invalid one
    texts = [*SEED_TEXTS, out["page"]["text"]]
    for line, text in zip(
        (out[i] for i in [*(f"s{n}" for n in range(5)), "page"]), texts, strict=True
    ):
        for m in line["summary"]["milestones"]:
            assert text[m["evidence_span"]["start"] : m["evidence_span"]["end"]] == m["evidence"]
    # Each article extracted (the page) and cleaned once, from reading to writing.
    assert calls == {"extract": 1, "clean": 6}


def test_the_batch_api_needs_the_llm_engine(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": SEED_TEXTS[0]}])
    result = bulk(
        str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "rules", "--batch-api"
    )
    assert result.exit_code == 2 and "--batch-api needs the llm engine" in result.stderr


def test_an_unexpected_failure_of_one_item_is_an_error_line_not_a_lost_run(
    tmp_path: Path, bulk_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.bulk.items import Item

    real = Item.article

    def broken(self: Item) -> Any:
        if self.id == "s2":
            raise RuntimeError("a bug")
        return real(self)

    monkeypatch.setattr(Item, "article", broken)
    source = write_jsonl(
        tmp_path / "in.jsonl", [{"id": f"s{i}", "text": t} for i, t in enumerate(SEED_TEXTS)]
    )
    result = bulk(str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "rules")
    assert result.exit_code == 1
    assert sorted(line["id"] for line in lines(tmp_path / "out.jsonl")) == ["s0", "s1", "s3", "s4"]
    [failure] = lines(tmp_path / "out.errors.jsonl")
    assert (failure["id"], failure["kind"]) == ("s2", "internal")
    assert failure["detail"] == "RuntimeError: a bug"


def test_a_directory_with_unreadable_files_completes_and_retry_errors_takes_them_again(
    tmp_path: Path, bulk_env: None
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED_TEXTS[0])
    (folder / "b.txt").write_bytes(b"PK\x03\x04\x14\x00\x06\x00 a .docx renamed")
    (folder / "c.txt").write_bytes(b"%PDF-1.7\x00\x01\x02 binary")
    legacy = "Acme Bio AG, a Z\u00fcrich company, raised \u20ac5 million in a Series A round."
    (folder / "e.txt").write_bytes(legacy.encode("cp1252"))
    outside = tmp_path / "secret.txt"
    outside.write_text(SEED_TEXTS[1])
    (folder / "d.txt").symlink_to(outside)
    out = tmp_path / "out.jsonl"
    first = bulk(str(folder), "-o", str(out), "--engine", "rules")
    assert first.exit_code == 1  # some items failed; the run completed
    done = {line["id"]: line for line in lines(out)}
    assert sorted(done) == ["a.txt", "e.txt"]  # e.txt in Windows-1252: read
    assert "\u20ac5 million" in done["e.txt"]["summary"]["summary"]
    errors = {e["id"]: e for e in lines(tmp_path / "out.errors.jsonl")}
    assert set(errors) == {"b.txt", "c.txt"}
    assert "not a text file: it is a ZIP archive" in errors["b.txt"]["detail"]
    assert "not a text file: it is a PDF document" in errors["c.txt"]["detail"]
    assert "d.txt links outside" in first.stderr  # a warning, and nothing read from there

    (folder / "b.txt").write_text("Acme Bio AG raised $5 million in a Series A round.")
    (folder / "c.txt").write_text("Beta Cell AG raised $7 million in a Series B round.")
    again = bulk(str(folder), "-o", str(out), "--engine", "rules", "--retry-errors")
    assert again.exit_code == 0, again.stderr
    assert sorted(line["id"] for line in lines(out)) == ["a.txt", "b.txt", "c.txt", "e.txt"]
    assert not (tmp_path / "out.errors.jsonl").exists()


def test_jsonl_lines_nested_too_deep_or_not_utf8_or_reusing_an_id_are_error_lines(
    tmp_path: Path, bulk_env: None
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b"\n".join(
            [
                json.dumps({"id": "1", "text": "Acme Bio AG raised $5 million."}).encode(),
                b"[" * 100_000,
                json.dumps({"id": "2", "text": "Beta Cell AG raised $7 million."}).encode(),
                b'{"id": "3", "ninjs": ' + b'{"a": ' * 80 + b"1" + b"}" * 81,
                '{"id": "4", "text": "Acme Bio r\u00e9ceived funding."}'.encode("latin-1"),
                json.dumps({"id": "1", "text": "Beta Cell AG raised $9 million."}).encode(),
                json.dumps({"id": "5", "text": "x", "published_at": "0001-01-01"}).encode(),
                json.dumps({"id": "6", "text": "Gamma Bio AG raised $2 million."}).encode(),
            ]
        )
        + b"\n"
    )
    out = tmp_path / "out.jsonl"
    result = bulk(str(source), "-o", str(out), "--engine", "rules")
    assert result.exit_code == 1
    assert sorted(line["id"] for line in lines(out)) == ["1", "2", "6"]
    assert (
        "Acme Bio AG"
        in next(line for line in lines(out) if line["id"] == "1")["summary"]["summary"]
    )  # the first with id 1 is kept
    errors = {e["id"]: e for e in lines(tmp_path / "out.errors.jsonl")}
    assert set(errors) == {"in.jsonl:2", "in.jsonl:4", "in.jsonl:5", "in.jsonl:6", "5"}
    assert "nested deeper than 64" in errors["in.jsonl:2"]["detail"]
    assert "nested deeper than 64" in errors["in.jsonl:4"]["detail"]  # inside its ninjs
    assert "not UTF-8" in errors["in.jsonl:5"]["detail"]
    assert errors["in.jsonl:6"]["kind"] == "duplicate_id"
    assert "1900-2100" in errors["5"]["detail"]

    rerun = bulk(str(source), "-o", str(out), "--engine", "rules")  # resume: no crash
    assert rerun.exit_code == 1 and len(lines(out)) == 3


def test_a_csv_row_with_an_unterminated_quote_is_reported_and_the_rows_after_it_are_read(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(
        b"id,text\n"
        b'a,"Acme Bio raised $5 million.\n'
        b"b,Acme Bio raised $6 million in a Series A round.\n"
        b'c,"Beta Cell raised ""$7 million"" in a round, and more."\n'
        b'd,"Gamma raised $8 million.\n'
        b'on two lines"\n' + "e,Delta r\u00e9ceived $9 million.\n".encode("latin-1")
    )
    items = list(iter_items(str(source)))
    assert [(i.id, i.error is None) for i in items] == [
        ("in.csv:2", False),
        ("b", True),
        ("c", True),
        ("d", True),
        ("e", False),
    ]
    assert "line 2" in (items[0].error or "") and "not valid CSV" in (items[0].error or "")
    assert items[3].input and items[3].input.text == "Gamma raised $8 million.\non two lines"
    assert "not UTF-8" in (items[4].error or "")


@pytest.mark.parametrize("fallback", ["true", "false"])
def test_a_bulk_run_honours_the_fallback_setting_as_summarise_does(
    tmp_path: Path,
    bulk_env: None,
    model: respx.MockRouter,
    monkeypatch: pytest.MonkeyPatch,
    fallback: str,
) -> None:
    monkeypatch.setenv("MILESTONES_FALLBACK", fallback)
    monkeypatch.setenv("MILESTONES_TRANSPORT_RETRIES", "0")
    model.post("/chat/completions").mock(return_value=error(503))
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": SEED_TEXTS[0]}])
    result = bulk(str(source), "-o", str(tmp_path / "out.jsonl"), "--engine", "llm")
    if fallback == "true":
        assert result.exit_code == 0, result.stderr
        [line] = lines(tmp_path / "out.jsonl")
        assert (line["meta"]["engine"], line["meta"]["degraded"]) == ("rules", True)
    else:
        assert result.exit_code == 1
        [failure] = lines(tmp_path / "out.errors.jsonl")
        assert failure["kind"] == "provider_unavailable"
