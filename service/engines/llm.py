"""The LLM engine: a chat model behind an OpenAI-compatible API, via instructor.

instructor asks for the ``Extraction`` schema (tool calling or JSON schema mode),
validates each answer with the article in the validation context, and re-asks with the
validation errors, up to ``max_reasks`` times. Each HTTP request underneath goes through
``TransportRetry``; an overall deadline bounds the whole article.
"""

from __future__ import annotations

import asyncio
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

from schemas import Extraction
from service import calls
from service.engines.base import ArticleRequest, EngineRun
from service.engines.batch import ChatBatch
from service.engines.transport import Ledger, RequestGate, Sleep, TransportRetry
from service.errors import DeadlineExceeded, ExtractionFailed, MilestonesError
from service.prompt import load_prompt
from service.settings import Settings
from service.validate import ValidationContext, describe_errors

# instructor logs every failed attempt at ERROR; this engine reports failures itself.
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False

_MODES = {"tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA}

# instructor wraps a plain model in a new class on every call (and so rebuilds its JSON
# Schema every call); a model that already is its ResponseSchema is used as it is.
RESPONSE_MODEL: type[Extraction] = instructor.response_schema(Extraction)

# The ledger of the extraction under way in this task (what its requests cost).
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
        self._prompt = load_prompt(settings.prompt, settings.prompt_version, settings.prompts_dir)
        self._mode = _MODES[settings.mode]
        # Patched once: instructor's re-ask loop over this engine's own request function.
        self._create = cast(
            Callable[..., Awaitable[Extraction]],
            instructor.patch(create=self._send, mode=self._mode),
        )
        self._transport = TransportRetry(
            retries=settings.transport_retries,
            initial_s=settings.backoff_initial_s,
            max_s=settings.backoff_max_s,
            retry_after_max_s=settings.retry_after_max_s,
            sleep=sleep,
            gate=gate,
        )

    @property
    def model(self) -> str:
        return self._settings.model

    @property
    def version(self) -> str:
        return self._prompt.id

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
            "messages": self._prompt.messages(article.text, article.published_at, article.source),
            "temperature": settings.temperature,
            "max_tokens": settings.max_output_tokens,
        }
        if self._mode is instructor.Mode.TOOLS:
            schema = RESPONSE_MODEL.openai_schema  # type: ignore[attr-defined]
            body["tools"] = [{"type": "function", "function": schema}]
            body["tool_choice"] = {"type": "function", "function": {"name": schema["name"]}}
        else:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "Extraction", "schema": Extraction.model_json_schema()},
            }
        return body

    async def _send(self, **kwargs: Any) -> Any:
        """One chat-completions request, through the transport's retries; what it cost
        goes to the ledger of the article being extracted."""
        ledger = _LEDGER.get()
        call = _logged_call(kwargs.get("messages") or [])
        started = time.perf_counter()
        try:
            response = await self._transport.send(
                lambda: self._client.chat.completions.create(**kwargs), ledger, call
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
            ledger.add_usage(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)
        if call is not None:
            call.answer = calls.answer_text(response)
            call.outcome = "valid"  # until instructor's validation says otherwise
            if usage is not None:
                call.prompt_tokens = usage.prompt_tokens or 0
                call.completion_tokens = usage.completion_tokens or 0
        return response

    async def extract(self, article: ArticleRequest) -> EngineRun:
        """Ask the model for the article's extraction; typed errors when that fails."""
        ledger = Ledger()
        _LEDGER.set(ledger)  # (this task's: each extraction runs in a task of its own)
        create = self._create
        messages = self._prompt.messages(article.text, article.published_at, article.source)
        settings = self._settings
        now = asyncio.get_running_loop().time()
        deadline = now + settings.deadline_s
        if article.deadline is not None:  # the caller's, when sooner
            deadline = min(deadline, article.deadline)
        try:
            async with asyncio.timeout_at(deadline):
                extraction = await create(
                    response_model=RESPONSE_MODEL,
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
                f"no valid answer within the {deadline - now:.3g} s deadline", ledger.spent()
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
            raise ExtractionFailed(
                "the model's answer was cut off (max_output_tokens reached)",
                ["answer: incomplete"],
                ledger.spent(),
            ) from error
        return EngineRun(extraction, ledger.answers, ledger.requests, ledger.usage)


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
