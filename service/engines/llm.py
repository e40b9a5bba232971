"""The LLM engine: a chat model behind an OpenAI-compatible API, via instructor.

instructor validates each answer with the article in the validation context and re-asks
with the validation errors, up to ``max_reasks`` times. What a request carries to ask for
the schema is the mode's (``modes.py``: tools, json_schema or json_object, or auto: what
the endpoint takes), always with the model-facing schema. Each HTTP request goes through
``TransportRetry``; an answer cut off at the output budget is reported at once (asked
again with the same budget it would be cut again), a re-ask that would not fit the
model's context is not sent, and an overall deadline bounds the whole article.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks

from schemas import v2
from schemas.model_facing import model_schema
from schemas.v1 import Extraction
from service import calls
from service.engines.base import ArticleRequest, EngineRun
from service.engines.batch import ChatBatch
from service.engines.modes import (
    CONCRETE_MODES,
    ConcreteMode,
    RequestShape,
    is_openai,
    mode_for_owners,
)
from service.engines.ratelimits import HeaderPacer
from service.engines.transport import Ledger, RequestGate, Sleep, TransportRetry
from service.errors import (
    DeadlineExceeded,
    ExtractionFailed,
    MilestonesError,
    OutputIncomplete,
    ProviderRejected,
)
from service.prompt import load_prompt
from service.settings import Settings
from service.validate import ValidationContext, describe_errors

# instructor logs every failed attempt at ERROR; this engine reports failures itself.
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False

# instructor wraps a plain model in a new class on every call (and so rebuilds its JSON
# Schema every call); a model that already is its ResponseSchema is used as it is.
RESPONSE_MODELS: dict[type[Extraction], type[Extraction]] = {
    model: instructor.response_schema(model) for model in (Extraction, v2.Extraction)
}
RESPONSE_MODEL = RESPONSE_MODELS[Extraction]

# The ledger of the extraction under way in this task (what its requests cost): one of
# the three context variables, listed and explained in ``service/__init__.py``.
_LEDGER: ContextVar[Ledger] = ContextVar("milestones_llm_ledger")

# OpenAI-compatible local servers (vLLM, Ollama, llama.cpp) ignore the key, but the
# client insists on one.
_NO_KEY = "not-needed"


class LLMEngine:
    """Extraction by a chat model, validated and grounded, with re-asks and retries."""

    name = "llm"

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.AsyncClient | None = None,
        sleep: Sleep | None = None,
        gate: RequestGate | None = None,
        pacer: HeaderPacer | None = None,
    ) -> None:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        self._settings = settings
        self._client = openai.AsyncOpenAI(
            api_key=key or _NO_KEY,
            base_url=settings.openai_base_url,
            max_retries=0,
            timeout=settings.request_timeout_s,
            http_client=http_client,
        )
        self._prompt = load_prompt(
            settings.prompt,
            settings.prompt_version,
            settings.prompts_dir,
            examples=settings.prompt_examples,
        )
        # The schema the model is sent: the prompt's (v1's extraction, or v2's).
        self._schema = model_schema(self._prompt.extraction)
        # The mode, once known (auto: asked of the endpoint before the first request).
        self._shape: RequestShape | None = (
            None if settings.mode == "auto" else RequestShape(settings.mode, settings.tool_choice)
        )
        self._resolving = asyncio.Lock()
        # Patched once per mode: instructor's re-ask loop over this engine's own request
        # function (which gives each request the mode's shape).
        self._creates = {
            mode: cast(
                Callable[..., Awaitable[Extraction]],
                instructor.patch(create=self._send, mode=RequestShape(mode).instructor_mode),
            )
            for mode in CONCRETE_MODES
        }
        self._transport = TransportRetry(
            retries=settings.transport_retries,
            initial_s=settings.backoff_initial_s,
            max_s=settings.backoff_max_s,
            retry_after_max_s=settings.retry_after_max_s,
            sleep=sleep,
            gate=gate,
            pacer=pacer,
        )

    @property
    def model(self) -> str:
        return self._settings.model

    @property
    def version(self) -> str:
        return self._prompt.id

    @property
    def settings_key(self) -> str:
        """What else changes an answer, for the cache key: the endpoint, the mode asked
        for, the tool choice, the temperature and the output budget."""
        s = self._settings
        return "|".join(
            [
                s.openai_base_url or "openai",
                s.mode,
                s.tool_choice,
                repr(s.temperature),
                str(s.max_output_tokens),
            ]
        )

    async def shape(self) -> RequestShape:
        """How requests ask for the schema: the mode set, or (auto) the one the endpoint
        is known to take, found once."""
        if self._shape is None:
            async with self._resolving:
                if self._shape is None:
                    mode = await self.detect_mode()
                    self._shape = RequestShape(mode, self._settings.tool_choice)
        return self._shape

    async def detect_mode(self) -> ConcreteMode:
        """The mode this endpoint takes, from its address (OpenAI's API) or who owns the
        models it lists (``GET /models``); tools when nothing tells."""
        if is_openai(self._settings.openai_base_url):
            return "tools"
        try:
            async with asyncio.timeout(min(10.0, self._settings.request_timeout_s)):
                page = await self._client.models.list()
        except Exception:  # noqa: BLE001 - no list: nothing tells; the default mode
            return "tools"
        owners = [str(getattr(model, "owned_by", "") or "") for model in page.data]
        return mode_for_owners(owners) or "tools"

    async def aclose(self) -> None:
        await self._client.close()

    @property
    def batch(self) -> ChatBatch:
        """The provider's Batch API, with this engine's client and request bodies."""
        return ChatBatch(self._client, self.request_body)

    def request_body(self, article: ArticleRequest) -> dict[str, Any]:
        """The chat-completions body this engine sends first for ``article``: the same
        messages, and the same tool or response format that instructor builds."""
        settings = self._settings
        body: dict[str, Any] = {
            "model": settings.model,
            "messages": self._prompt.messages(
                article.clean_text, article.published_at, article.source
            ),
            "temperature": settings.temperature,
            "max_tokens": settings.max_output_tokens,
        }
        # A batch goes to OpenAI's Batch API: auto means tools there.
        shape = self._shape or RequestShape("tools", settings.tool_choice)
        return shape.apply(body, self._schema)

    async def _send(self, **kwargs: Any) -> Any:
        """One chat-completions request, through the transport's retries; what it cost
        goes to the ledger of the article being extracted."""
        ledger = _LEDGER.get()
        assert self._shape is not None, "extract() resolves the mode before any request"
        kwargs = self._shape.apply(kwargs, self._schema)
        self._check_fits(kwargs, ledger)
        call = _logged_call(kwargs.get("messages") or [])
        started = time.perf_counter()
        try:
            response = await self._transport.send(
                lambda: self._client.chat.completions.with_raw_response.create(**kwargs),
                ledger,
                call,
            )
        except MilestonesError:
            if call is not None:
                call.outcome = "transport_error"
            raise
        finally:
            if call is not None:
                call.latency_ms = (time.perf_counter() - started) * 1000
        ledger.answers += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            ledger.add_usage(
                usage.prompt_tokens or 0, usage.completion_tokens or 0, usage.total_tokens or 0
            )
            if usage.prompt_tokens and self._settings.context_tokens is not None:
                # only what fits a known context reads it (``_check_fits``)
                ledger.last_prompt_tokens = usage.prompt_tokens
                ledger.last_prompt_chars = _size(kwargs)
        if call is not None:
            call.answer = calls.answer_text(response)
            call.outcome = "valid"  # until instructor's validation says otherwise
            if usage is not None:
                call.prompt_tokens = usage.prompt_tokens or 0
                call.completion_tokens = usage.completion_tokens or 0
        budget = kwargs.get("max_tokens")
        if _cut_off(response, budget):
            if call is not None:
                call.outcome = "incomplete"
                call.errors = ["answer: incomplete"]
            raise OutputIncomplete(
                _incomplete_detail(budget), ["answer: incomplete"], ledger.spent()
            )
        return response

    def _check_fits(self, body: dict[str, Any], ledger: Ledger) -> None:
        """Refuse to send a request that, with its output budget, would not fit the
        model's context (where known): the server would cut the prompt or refuse it."""
        context = self._settings.context_tokens
        if context is None:
            return
        chars = _size(body)
        if ledger.last_prompt_chars:  # the server's own count of an earlier prompt
            estimate = chars * ledger.last_prompt_tokens // ledger.last_prompt_chars
        else:  # a low estimate: never refuse what might fit
            estimate = chars // 4
        budget = int(body.get("max_tokens") or 0)
        if estimate + budget <= context:
            return
        fits = (
            f"about {estimate} prompt tokens and MILESTONES_MAX_OUTPUT_TOKENS={budget} do not "
            f"fit the model's {context}-token context (MILESTONES_CONTEXT_TOKENS)"
        )
        if ledger.answers:
            trace = calls.current()
            errors = trace.calls[-1].errors if trace is not None and trace.calls else []
            raise ExtractionFailed(
                f"the model's answer was invalid, and a re-ask was not sent: {fits}",
                errors or ["answer: invalid"],
                ledger.spent(),
            )
        raise ProviderRejected(f"the request was not sent: {fits}", ledger.spent())

    async def extract(self, article: ArticleRequest) -> EngineRun:
        """Ask the model for the article's extraction; typed errors when that fails."""
        ledger = Ledger()
        _LEDGER.set(ledger)  # (this task's: each extraction runs in a task of its own)
        messages = self._prompt.messages(article.clean_text, article.published_at, article.source)
        settings = self._settings
        now = asyncio.get_running_loop().time()
        deadline = now + settings.deadline_s
        if article.deadline is not None:  # the caller's, when sooner
            deadline = min(deadline, article.deadline)
        try:
            async with asyncio.timeout_at(deadline):
                create = self._creates[(await self.shape()).mode]
                extraction = await create(
                    response_model=RESPONSE_MODELS[self._prompt.extraction],
                    hooks=_CALL_HOOKS,
                    messages=messages,
                    context=ValidationContext(article.prepared),
                    max_retries=settings.max_reasks,
                    model=settings.model,
                    temperature=settings.temperature,
                    max_tokens=settings.max_output_tokens,
                )
        except TimeoutError as error:
            raise DeadlineExceeded(
                f"no valid answer within the {deadline - now:.3g} s deadline: "
                f"{_ran_into(ledger, settings.request_timeout_s)}",
                ledger.spent(),
            ) from error
        except InstructorRetryException as error:
            if isinstance(error.__cause__, MilestonesError):
                raise error.__cause__ from None
            last: BaseException = error.__cause__ or error
            if error.failed_attempts:
                last = error.failed_attempts[-1].exception
            raise ExtractionFailed(
                f"the model's answer was still invalid after {ledger.answers} attempts",
                describe_errors(last),
                ledger.spent(),
            ) from error
        except IncompleteOutputException as error:
            _last_call_was("incomplete", ["answer: incomplete"])
            raise OutputIncomplete(
                _incomplete_detail(settings.max_output_tokens),
                ["answer: incomplete"],
                ledger.spent(),
            ) from error
        return EngineRun(extraction, ledger.answers, ledger.requests, ledger.usage)


def _size(body: dict[str, Any]) -> int:
    """Characters of what a request sends the model to read: messages and schema."""
    size = sum(len(str(_plain(m).get("content") or "")) for m in body.get("messages") or [])
    for key in ("tools", "response_format"):
        if key in body:
            size += len(json.dumps(body[key], separators=(",", ":")))
    return size


def _cut_off(response: Any, budget: Any) -> bool:
    """Whether the answer stopped at the output budget: its finish reason says so, or it
    used every token it was allowed (llama-cpp-python reports a tool call cut at the
    limit as ``tool_calls``)."""
    choices = getattr(response, "choices", None) or []
    if choices and getattr(choices[0], "finish_reason", None) == "length":
        return True
    usage = getattr(response, "usage", None)
    used = getattr(usage, "completion_tokens", None) if usage is not None else None
    return isinstance(budget, int) and isinstance(used, int) and budget > 0 and used >= budget


def _incomplete_detail(budget: Any) -> str:
    return (
        f"the model's answer was cut off at its output budget ({budget} tokens): raise "
        "MILESTONES_MAX_OUTPUT_TOKENS (within the model's context), or use a model that "
        "answers more briefly"
    )


def _ran_into(ledger: Ledger, timeout_s: float) -> str:
    """What the requests of an extraction ran into, for the deadline's message."""
    parts = []
    for outcome, count in ledger.failures.most_common():
        what = f"{count} {outcome}"
        if outcome == "timed out":
            what += f" (request timeout {timeout_s:g} s, MILESTONES_REQUEST_TIMEOUT_S)"
        parts.append(what)
    waiting = ledger.requests - ledger.answers - sum(ledger.failures.values())
    if waiting > 0:
        parts.append(f"{waiting} still waiting for an answer")
    if ledger.answers:
        parts.append(f"{ledger.answers} answered but invalid")
    if not ledger.requests:
        return "no request was sent"
    return f"{ledger.requests} requests sent: " + ", ".join(parts)


def _logged_call(messages: list[Any]) -> calls.Call | None:
    """A new entry in the call log's trace of this extraction, if one is kept; the
    previous entry learns what this request told the model about its answer."""
    trace = calls.current()
    if trace is None:
        return None
    sent = [_plain(m) for m in messages]
    if trace.calls:
        previous = trace.calls[-1]
        previous.feedback = calls.feedback_of(sent, len(previous.messages))
    call = calls.Call(number=len(trace.calls) + 1, at=datetime.now(UTC), messages=sent)
    trace.calls.append(call)
    return call


def _plain(message: Any) -> dict[str, Any]:
    """A message as a plain dict (instructor appends the model's own as an object)."""
    if isinstance(message, dict):
        return message
    dump = getattr(message, "model_dump", None)
    if callable(dump):
        return dict(dump(exclude_none=True))
    return {"role": getattr(message, "role", None), "content": str(message)}


def _last_call_was(outcome: calls.Outcome, errors: list[str]) -> None:
    trace = calls.current()
    if trace is not None and trace.calls:
        trace.calls[-1].outcome = outcome
        trace.calls[-1].errors = errors


def _parse_error(error: Exception, **_: Any) -> None:
    """instructor found the answer invalid (and will re-ask with this error, if it may)."""
    _last_call_was("invalid", describe_errors(error))


# The call log's hooks, the same for every extraction (they act on the current trace).
_CALL_HOOKS = Hooks()
_CALL_HOOKS.on("parse:error", _parse_error)
