"""Bulk benchmarks (make bench).

(a) Throughput against the fake provider at a requests-per-minute limit (429 with
    Retry-After over it): 1,000 distinct items (near-duplicate reuse off, so each costs a
    model request), once told the limit (--rpm), once paced by the limits the provider
    announces in its headers (as OpenAI does), once finding it by the 429s alone (AIMD;
    the provider announces nothing). Share of the limit achieved, 429s taken.
(b) Peak memory (resident) of a bulk run over 1,000 and over 10,000 items (rules engine,
    short articles): it should stay flat as the input grows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.doubles.fake_openai import free_port

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
LIMIT_RPM = 600
ITEMS = 1000
LATENCY_MS = 100


def write_items(path: Path, count: int, short: bool) -> None:
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            if short:
                text = (
                    f"Acme Bio {i} AG raised $5 million in a Series A financing round led by "
                    f"Delta Ventures.\nThe company plans to start a Phase 1 trial in 2026.\n"
                )
            else:  # a distinct article each time: no cache hit, one model call each
                text = f"{texts[i % len(texts)]}\nThis is archive item number {i}.\n"
            handle.write(json.dumps({"id": f"item-{i}", "text": text}) + "\n")


def peak_rss_mb(process: subprocess.Popen[bytes]) -> float:
    """Poll the child's high-water mark of resident memory until it exits."""
    peak = 0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            break
        time.sleep(0.05)
    return peak / 1024


def bulk(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``milestones bulk``; return wall seconds, peak RSS (MB) and its stderr."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "bulk", *args], env=env, cwd=ROOT, stderr=err
        )
        peak = peak_rss_mb(process)
        process.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"bulk failed:\n{stderr[-3000:]}")
    return time.perf_counter() - started, peak, stderr


def throughput(work: Path) -> list[dict[str, object]]:
    source = work / "items.jsonl"
    write_items(source, ITEMS, short=False)
    rows: list[dict[str, object]] = []
    for label, extra, announce in (
        ("told the limit (--rpm 600)", ["--rpm", str(LIMIT_RPM)], True),
        ("adaptive only, the provider's rate-limit headers", [], True),
        ("adaptive only, no headers (429s and Retry-After)", [], False),
    ):
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.doubles.fake_openai",
                "--port",
                str(port),
                "--rpm",
                str(LIMIT_RPM),
                "--latency-ms",
                str(LATENCY_MS),
                *([] if announce else ["--no-rate-headers"]),
            ],
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            env = {
                **os.environ,
                "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
                "MILESTONES_MODEL": "fake",
                "MILESTONES_DATABASE_URL": f"sqlite:///{work}/{len(rows)}.sqlite3",
            }
            out = work / f"out-{len(rows)}.jsonl"
            # Near-duplicate reuse off: every distinct item costs one model request.
            args = [
                str(source),
                "-o",
                str(out),
                "--engine",
                "llm",
                "--concurrency",
                "16",
                "--no-near-duplicates",
                *extra,
            ]
            wall, _, stderr = bulk(args, env)
            stats = httpx.get(f"http://127.0.0.1:{port}/stats").json()
        finally:
            server.terminate()
            server.wait(timeout=10)
        achieved = stats["answered"] / wall * 60
        lines = sum(1 for _ in out.open())
        rows.append(
            {
                "run": label,
                "items": ITEMS,
                "lines": lines,
                "wall_s": wall,
                "achieved_rpm": achieved,
                "share": achieved / LIMIT_RPM,
                "rate_limited": stats["rate_limited"],
                "requests": stats["requests"],
                "report": "estimated cost" in stderr and "bulk" in stderr,
            }
        )
    return rows


def memory(work: Path) -> list[tuple[int, float, float]]:
    rows = []
    for count in (1_000, 10_000):
        source = work / f"short-{count}.jsonl"
        write_items(source, count, short=True)
        env = {**os.environ, "MILESTONES_DATABASE_URL": f"sqlite:///{work}/mem-{count}.sqlite3"}
        wall, peak, _ = bulk(
            [
                str(source),
                "-o",
                str(work / f"mem-{count}.jsonl"),
                "--engine",
                "rules",
                "--no-progress",
            ],
            env,
        )
        rows.append((count, peak, wall))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        print(
            f"bulk against the fake provider: {ITEMS} items, limit {LIMIT_RPM} requests/min, "
            f"{LATENCY_MS} ms latency, concurrency 16\n"
        )
        print("| run | items written | wall s | requests/min | share of limit | 429s |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        rows = throughput(work)
        for row in rows:
            share_429 = float(str(row["rate_limited"])) / max(1.0, float(str(row["requests"])))
            print(
                f"| {row['run']} | {row['lines']} | {row['wall_s']:.0f} | "
                f"{row['achieved_rpm']:.0f} | {row['share']:.2f} | {row['rate_limited']} "
                f"({share_429:.1%}) |"
            )
        headers = rows[1]
        limited = float(str(headers["rate_limited"])) / max(1.0, float(str(headers["requests"])))
        print(
            f"\nadaptive, paced by the headers: {headers['share']:.2f} of the limit "
            f"(target >= 0.95), {limited:.1%} of requests answered 429 (target < 1%)\n"
        )
        print("\n| items (rules engine) | peak resident MB | wall s |")
        print("| ---: | ---: | ---: |")
        sizes = memory(work)
        for count, peak, wall in sizes:
            print(f"| {count:,} | {peak:.0f} | {wall:.0f} |")
        ratio = sizes[1][1] / sizes[0][1]
        print(f"\npeak memory, 10,000 / 1,000 items: {ratio:.2f} (target within 1.20)")


if __name__ == "__main__":
    main()
