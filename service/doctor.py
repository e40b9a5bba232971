"""``milestones doctor``: what the model endpoint is, what it takes, and the settings to use.

It reaches the endpoint and lists its models; reads what the server says of itself
(llama.cpp's ``/props``: context and slots; Ollama's ``/api/show``: the model's context;
vLLM's ``max_model_len``); sends a tiny probe in each mode, with the real model-facing
schema (so a server whose grammar compiler cannot take it shows here, not on the first
article) and a few output tokens; and from what worked and how fast, prints the
settings to use: mode, tool choice, output budget, context, request timeout, deadline
and how many articles at once.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from service.engines.modes import (
    CONCRETE_MODES,
    RequestShape,
    is_openai,
    mode_for_owners,
    server_for_owners,
)
from service.engines.transport import provider_said
from service.prompt import load_prompt
from service.settings import Settings

PROBE_TOKENS = 24
PROBE_ARTICLE = "Acme Bio said the regulator cleared its trial of AB-1 on 3 March 2025."
# What an article adds to the prompt, in tokens, for the settings suggested (a typical
# news article: 600 to 900 words).
TYPICAL_ARTICLE_TOKENS = 1200
# Chars per token where the server does not count for us (English prose and JSON).
CHARS_PER_TOKEN = 3.5


@dataclass
class Probe:
    """One mode tried: whether the answer had the mode's shape, and what it cost."""

    mode: str
    works: bool
    detail: str
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Report:
    """What the doctor found."""

    base_url: str
    reachable: bool = False
    problem: str | None = None
    models: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    model_listed: bool | None = None
    server: str = "unknown"
    context_tokens: int | None = None
    context_source: str | None = None
    slots: int | None = None
    prompt_tokens: int | None = None  # of the instructions and examples, the server's count
    probes: list[Probe] = field(default_factory=list)
    suggested: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def working(self) -> list[str]:
        return [p.mode for p in self.probes if p.works]


def _root(base_url: str) -> str:
    """The server's root (``http://host:port``), where llama.cpp and Ollama answer."""
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _server_name(owners: list[str], base_url: str) -> str:
    known = server_for_owners(owners)
    if known is not None:
        return known.name
    if is_openai(base_url):
        return "OpenAI"
    return "an OpenAI-compatible server"


async def _json(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Any:
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError:
        return None
    return _body(response) if response.status_code == 200 else None


async def _server_facts(client: httpx.AsyncClient, report: Report, models: list[Any]) -> None:
    """Context length and parallel slots, where the server tells them."""
    for item in models:  # vLLM: max_model_len; llama-server: meta.n_ctx_train
        if isinstance(item, dict) and isinstance(item.get("max_model_len"), int):
            report.context_tokens, report.context_source = item["max_model_len"], "max_model_len"
    props = await _json(client, "GET", f"{_root(report.base_url)}/props")
    if isinstance(props, dict):
        settings = props.get("default_generation_settings") or {}
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
        slots = props.get("total_slots")
        if isinstance(n_ctx, int) and n_ctx > 0:
            report.context_tokens, report.context_source = n_ctx, "/props n_ctx"
        if isinstance(slots, int) and slots > 0:
            report.slots = slots
    if report.server == "llama-cpp-python server" and report.context_tokens is None:
        report.notes.append(
            "llama-cpp-python's server does not say its context; it is 2,048 tokens unless "
            "started with --n_ctx: start it with --n_ctx 8192 (or the model's length) and "
            "set MILESTONES_CONTEXT_TOKENS to it"
        )
    if report.server == "Ollama" and report.models:
        shown = await _json(
            client, "POST", f"{_root(report.base_url)}/api/show", json={"model": report.models[0]}
        )
        info = shown.get("model_info") if isinstance(shown, dict) else None
        if isinstance(info, dict):
            for key, value in info.items():
                if key.endswith(".context_length") and isinstance(value, int):
                    report.context_tokens, report.context_source = value, f"/api/show {key}"
        report.notes.append(
            "Ollama runs a model with its own num_ctx (2,048 to 4,096 by default) whatever the "
            "model allows, and cuts a longer prompt silently: start it with "
            "OLLAMA_CONTEXT_LENGTH=8192 (or more) for these prompts"
        )


def _shape_ok(mode: str, answer: dict[str, Any]) -> tuple[bool, str]:
    choices = answer.get("choices") or []
    if not choices:
        return False, "the answer holds no choice"
    message = choices[0].get("message") or {}
    if mode == "tools":
        calls = message.get("tool_calls") or []
        if calls and (calls[0].get("function") or {}).get("name"):
            return True, "answered with a tool call"
        return False, "answered in prose, not with a tool call (the tool choice was not honoured)"
    content = (message.get("content") or "").lstrip()
    if content.startswith("{"):
        return True, "answered with JSON"
    return False, f"answered {content[:40]!r}, not JSON"


async def _probe(
    client: httpx.AsyncClient, settings: Settings, shape: RequestShape, label: str
) -> Probe:
    body = shape.apply(
        {
            "model": settings.model,
            "messages": [
                {"role": "system", "content": "Summarise the article as JSON."},
                {"role": "user", "content": PROBE_ARTICLE},
            ],
            "max_tokens": PROBE_TOKENS,
            "temperature": 0,
        }
    )
    started = time.perf_counter()
    try:
        response = await client.post(
            f"{settings.openai_base_url or ''}/chat/completions", json=body
        )
    except httpx.TimeoutException:
        return Probe(label, False, "no answer in time", time.perf_counter() - started)
    except httpx.HTTPError as error:
        return Probe(
            label,
            False,
            f"the connection failed ({type(error).__name__}: the server may "
            "have crashed on the request)",
            time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
    answer = _body(response)
    if response.status_code != 200 or not isinstance(answer, dict):
        said = provider_said(answer, response.text)
        return Probe(label, False, f"HTTP {response.status_code}: {said}", seconds)
    works, detail = _shape_ok(shape.mode, answer)
    usage = answer.get("usage") or {}
    return Probe(
        label,
        works,
        detail,
        seconds,
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )


async def _count_prompt(client: httpx.AsyncClient, report: Report, settings: Settings) -> None:
    """The instructions' and examples' tokens, by the server's own tokenizer where it has
    an endpoint for it (llama-server ``/tokenize``, llama-cpp-python ``/extras/tokenize``)."""
    prompt = load_prompt(
        settings.prompt,
        settings.prompt_version,
        settings.prompts_dir,
        examples=settings.prompt_examples,
    )
    text = prompt.system
    root = _root(report.base_url)
    counted = await _json(client, "POST", f"{root}/tokenize", json={"content": text})
    if isinstance(counted, dict) and isinstance(counted.get("tokens"), list):
        report.prompt_tokens = len(counted["tokens"])
        return
    counted = await _json(
        client,
        "POST",
        f"{root}/extras/tokenize/count",
        json={"input": text, "model": settings.model},
    )
    if isinstance(counted, dict) and isinstance(counted.get("count"), int):
        report.prompt_tokens = counted["count"]
        return
    report.prompt_tokens = None
    report.notes.append(
        f"the server has no tokenizer endpoint: the prompt is about "
        f"{math.ceil(len(text) / CHARS_PER_TOKEN)} tokens by its length"
    )


def _suggest(report: Report, settings: Settings) -> None:
    working = report.working
    if not working:
        return
    known = mode_for_owners(report.owners)
    best = "tools" if is_openai(report.base_url) else known
    bases = [p.split(" ")[0] for p in working]
    mode: str = best if best in bases else bases[0]
    out = report.suggested
    out["MILESTONES_MODE"] = mode
    if mode == "tools" and "tools (named)" not in working:
        out["MILESTONES_TOOL_CHOICE"] = "required"
    instructions = report.prompt_tokens or 1500
    wanted_output = 2048
    if report.context_tokens:
        room = report.context_tokens - instructions - TYPICAL_ARTICLE_TOKENS
        output = max(256, min(wanted_output, room))
        out["MILESTONES_CONTEXT_TOKENS"] = str(report.context_tokens)
        out["MILESTONES_MAX_OUTPUT_TOKENS"] = str(output)
        if room < 512:
            report.notes.append(
                f"the context ({report.context_tokens} tokens) barely holds the prompt "
                f"(about {instructions} tokens) and an article: give the model more "
                "(llama.cpp: -c/--ctx-size per slot; Ollama: OLLAMA_CONTEXT_LENGTH) or send "
                "fewer examples (MILESTONES_PROMPT_EXAMPLES=0) or ask for no details "
                "(MILESTONES_PROMPT_VERSION=v2: a shorter prompt and schema)"
            )
    else:
        output = wanted_output
        out["MILESTONES_MAX_OUTPUT_TOKENS"] = str(output)
    probe = next(p for p in report.probes if p.works)
    if probe.seconds > 0 and probe.completion_tokens:
        # Writing at the probe's pace, all of its time counted as writing (so this leans
        # long), and reading the prompt at four times that; twice it all for a busy
        # machine. A local server gets two minutes at least: its pace varies with load.
        writing = probe.completion_tokens / probe.seconds
        reading = 4 * writing
        expected = (instructions + TYPICAL_ARTICLE_TOKENS) / reading + output / writing
        floor = 60 if is_openai(report.base_url) else 120
        timeout = max(floor, math.ceil(expected * 2 / 10) * 10)
        out["MILESTONES_REQUEST_TIMEOUT_S"] = str(timeout)
        out["MILESTONES_DEADLINE_S"] = str(timeout * (settings.max_reasks + 1) + 30)
    at_once = report.slots or (1 if not is_openai(report.base_url) else None)
    if at_once is not None and report.slots and report.context_tokens:
        # llama-server's slots share one context: as many articles as it holds at once.
        per_request = instructions + TYPICAL_ARTICLE_TOKENS + output
        at_once = max(1, min(report.slots, report.context_tokens // per_request))
        report.notes.append(
            f"its {report.slots} slots share the {report.context_tokens}-token context and "
            f"one article's request takes about {per_request} tokens (prompt, article, "
            f"output): {at_once} at a time fit; more get 'context size exceeded'"
        )
    if at_once is not None:
        out["--concurrency (summarise, bulk)"] = str(at_once)
        out["MILESTONES_MAX_MODEL_CALLS"] = str(at_once)


async def diagnose(settings: Settings, *, timeout_s: float | None = None) -> Report:
    """Reach the endpoint of ``settings`` and find what it takes (see the module)."""
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    settings = settings.model_copy(update={"openai_base_url": base})
    report = Report(base)
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    probe_timeout = timeout_s or max(settings.request_timeout_s, 30.0)
    async with httpx.AsyncClient(headers=headers, timeout=probe_timeout) as client:
        try:
            listed = await client.get(f"{base}/models", timeout=min(probe_timeout, 15.0))
        except httpx.HTTPError as error:
            report.problem = f"cannot reach {base}: {error.__class__.__name__}: {error}"
            return report
        report.reachable = True
        models: list[Any] = []
        if listed.status_code == 200:
            try:
                data = listed.json().get("data", [])
            except (ValueError, AttributeError):
                data = []
            models = [m for m in data if isinstance(m, dict)]
            report.models = [str(m.get("id")) for m in models if m.get("id")]
            report.owners = [str(m.get("owned_by")) for m in models if m.get("owned_by")]
            report.model_listed = settings.model in report.models
            if report.models and not report.model_listed:
                report.notes.append(
                    f"MILESTONES_MODEL={settings.model} is not among the models listed; "
                    "servers that serve one model answer with it anyway, others refuse"
                )
        else:
            said = provider_said(_body(listed), listed.text)
            report.notes.append(f"GET /models answered HTTP {listed.status_code}: {said}")
        report.server = _server_name(report.owners, base)
        await _server_facts(client, report, models)
        await _count_prompt(client, report, settings)
        for mode in CONCRETE_MODES:
            shape = RequestShape(mode, "named")
            label = "tools (named)" if mode == "tools" else mode
            probe = await _probe(client, settings, shape, label)
            report.probes.append(probe)
            if mode == "tools" and not probe.works:
                report.probes.append(
                    await _probe(
                        client, settings, RequestShape("tools", "required"), "tools (required)"
                    )
                )
    _suggest(report, settings)
    return report


def _body(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def render(report: Report) -> str:
    """The report as lines for a terminal."""
    lines = [f"endpoint: {report.base_url}"]
    if not report.reachable:
        lines.append(f"not reachable: {report.problem}")
        return "\n".join(lines)
    lines.append(f"server: {report.server}")
    if report.models:
        lines.append(f"models: {', '.join(report.models)}")
    context = (
        f"{report.context_tokens} tokens ({report.context_source})"
        if report.context_tokens
        else "not told by the server"
    )
    lines.append(f"context: {context}")
    if report.slots:
        lines.append(f"parallel slots: {report.slots}")
    if report.prompt_tokens is not None:
        lines.append(
            f"prompt: {report.prompt_tokens} tokens of instructions and examples, "
            "before the article"
        )
    lines.append("modes:")
    for probe in report.probes:
        mark = "works" if probe.works else "fails"
        cost = f"{probe.seconds:.1f} s"
        if probe.prompt_tokens:
            cost += f", {probe.prompt_tokens} prompt tokens"
        lines.append(f"  {probe.mode:<17} {mark}: {probe.detail} ({cost})")
    if report.suggested:
        lines.append("settings to use:")
        for name, value in report.suggested.items():
            lines.append(f"  {name}={value}" if name.isupper() else f"  {name} {value}")
    else:
        lines.append("no mode works with this endpoint and model: see the failures above")
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)
