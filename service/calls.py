"""The call log: every model request an extraction makes, what came back, why it was
re-asked, what it cost (issue 16).

The LLM engine reports each request to the ``CallTrace`` of the extraction under way
(a context variable the ``Summariser`` sets around ``engine.extract``): the messages
sent, the raw answer, the validation errors instructor found in it (and fed back when it
re-asked), the transport's tries, waits and last HTTP status, tokens and latency. The
``Summariser`` then stores the trace (``service.store.calls``) with the summary it made,
or with no summary when the extraction failed, as ``MILESTONES_CALL_LOG`` says:
``all`` (the default), ``errors`` (only extractions with an invalid answer or a failed
request) or ``off``.

Privacy: the log holds what was sent to the provider, article text included. The first
request of an extraction whose summary is stored refers to it (prompt version and cache
key) instead of repeating the article; a failed extraction keeps its first request's
messages whole. Answers and messages are cut at ``MILESTONES_CALL_LOG_MAX_CHARS``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Outcome = Literal["valid", "invalid", "incomplete", "transport_error", "no_answer"]
CallLogMode = Literal["off", "errors", "all"]

# What stands for the article's own messages when the stored summary holds the text.
CUT_MARK = "… [cut: {} more characters]"


@dataclass
class Call:
    """One model request (with its transport retries) of an extraction."""

    number: int  # 1 for the first answer, 2 … for re-asks
    at: datetime
    messages: list[dict[str, Any]]  # as sent
    answer: str | None = None  # the raw answer: tool-call arguments or message content
    errors: list[str] = field(default_factory=list)  # validation errors of the answer
    feedback: str | None = None  # what the next request told the model about them
    outcome: Outcome = "no_answer"
    status: int | None = None  # HTTP status of the last try (200, 429, 500 …)
    tries: int = 0  # HTTP requests: 1 + transport retries
    waited_s: float = 0.0  # backoff and Retry-After waited between tries
    retry_after_s: float | None = None  # the last Retry-After the provider asked for
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0


@dataclass
class CallTrace:
    """The calls of one extraction, in order."""

    calls: list[Call] = field(default_factory=list)

    def failed(self) -> bool:
        """Whether an answer was invalid or a request failed (``errors`` mode logs it)."""
        return any(c.outcome != "valid" for c in self.calls)


# Two of the three context variables (all listed in ``service/__init__.py``).
_TRACE: ContextVar[CallTrace | None] = ContextVar("milestones_call_trace", default=None)
# Where an extraction was asked from: a job's id, a bulk run's item id (else None).
ORIGIN: ContextVar[tuple[str, str] | None] = ContextVar("milestones_call_origin", default=None)


@contextmanager
def tracing() -> Iterator[CallTrace]:
    """A trace that the model requests made inside the block report to."""
    trace = CallTrace()
    token = _TRACE.set(trace)
    try:
        yield trace
    finally:
        _TRACE.reset(token)


def current() -> CallTrace | None:
    """The trace of the extraction under way, if one is being kept."""
    return _TRACE.get()


def answer_text(response: Any) -> str | None:
    """The raw answer in a chat-completions response: the tool call's arguments, else the
    message's content."""
    choices = getattr(response, "choices", None) or []
    if not choices:
        return None
    message = getattr(choices[0], "message", None)
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        return "\n".join(str(c.function.arguments) for c in calls)
    content = getattr(message, "content", None)
    return None if content is None else str(content)


def feedback_of(messages: list[dict[str, Any]], after: int) -> str | None:
    """What a re-ask added after the model's answer: the messages past index ``after``
    that are not the model's own, joined."""
    told = [
        str(m.get("content") or "")
        for m in messages[after:]
        if isinstance(m, dict) and m.get("role") in ("user", "tool", "system")
    ]
    return "\n".join(told) or None


def cut(text: str | None, limit: int) -> str | None:
    """``text`` at most ``limit`` characters, saying how much was cut."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + CUT_MARK.format(len(text) - limit)


def messages_json(messages: list[dict[str, Any]], limit: int) -> str:
    """The messages as JSON, each content cut at ``limit`` characters."""
    kept = []
    for m in messages:
        entry = dict(m)
        if isinstance(entry.get("content"), str):
            entry["content"] = cut(entry["content"], limit)
        kept.append(entry)
    return json.dumps(kept, ensure_ascii=False, default=str)


def call_rows(
    trace: CallTrace,
    key: str,
    engine: tuple[str, str | None, str],
    summary: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """The call log's rows for one extraction by ``engine`` (its name, model and prompt
    version), for ``service.store.calls``. When its summary is stored (with the text), a
    first call's messages are a reference to the prompt version and the cache key, not
    the article again; a failed extraction keeps them whole."""
    name, model, version = engine
    extraction = uuid.uuid4().hex
    origin = ORIGIN.get()
    rows = []
    for call in trace.calls:
        if summary is not None and call.number == 1:
            messages = json.dumps([{"ref": f"prompt {version}, article {key}"}])
        else:
            messages = messages_json(call.messages, limit)
        rows.append(
            {
                "extraction": extraction,
                "number": call.number,
                "at": call.at,
                "summary_id": summary,
                "article_key": key,
                "job_id": origin[1] if origin and origin[0] == "job" else None,
                "bulk_item": origin[1] if origin and origin[0] == "bulk" else None,
                "engine": name,
                "model": model,
                "prompt_version": version,
                "messages": messages,
                "answer": cut(call.answer, limit),
                "errors": json.dumps(call.errors, ensure_ascii=False),
                "feedback": cut(call.feedback, limit),
                "outcome": call.outcome,
                "status": call.status,
                "tries": call.tries,
                "waited_s": call.waited_s,
                "retry_after_s": call.retry_after_s,
                "prompt_tokens": call.prompt_tokens,
                "completion_tokens": call.completion_tokens,
                "latency_ms": call.latency_ms,
            }
        )
    return rows
