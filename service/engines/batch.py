"""The LLM engine's batch capability: the provider's Batch API (``--batch-api``).

The requests for every article that needs the model are written to a JSON Lines file
(the same bodies the LLM engine would send), uploaded, and run as one batch; the run
polls until the batch ends, downloads the answers, and validates each with the same
validators. An answer that is invalid or missing goes through the normal path instead,
with its re-asks. A front end reaches this through ``Engine.batch``, never by asking
which engine it holds.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from schemas import TokenUsage, v2
from service.article import PreparedArticle
from service.engines.base import ArticleRequest, BatchSettings, EngineRun
from service.errors import ProviderError
from service.validate import ValidationContext

FINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class ChatBatch:
    """Batches of chat completions, through the client and request bodies of an engine."""

    def __init__(self, client: AsyncOpenAI, body: Callable[[ArticleRequest], dict[str, Any]]):
        self._client = client
        self._body = body

    def request_line(self, custom_id: str, article: ArticleRequest) -> str:
        """One line of the batch input file: the request the engine would send first."""
        return json.dumps(
            {
                "custom_id": custom_id,
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": self._body(article),
            },
            ensure_ascii=False,
        )

    async def run(self, requests: Path, settings: BatchSettings) -> dict[str, dict[str, Any]]:
        """Upload ``requests``, run them as one batch; the answers by custom id."""
        return await _run(self._client, requests, settings)

    def parse(self, answer: dict[str, Any] | None, article: PreparedArticle) -> EngineRun | None:
        """The validated extraction in an answer; None when it has none or is invalid."""
        return parse_answer(answer, article)


async def _run(
    client: AsyncOpenAI, requests: Path, settings: BatchSettings
) -> dict[str, dict[str, Any]]:
    with requests.open("rb") as handle:
        uploaded = await client.files.create(file=handle, purpose="batch")
    batch = await client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    async with asyncio.timeout(settings.timeout_s):
        while batch.status not in FINAL:
            await asyncio.sleep(settings.poll_s)
            batch = await client.batches.retrieve(batch.id)
    if batch.status != "completed" and not batch.output_file_id:
        raise ProviderError(f"the batch {batch.id} ended {batch.status}")
    answers: dict[str, dict[str, Any]] = {}
    if batch.output_file_id:
        content = await client.files.content(batch.output_file_id)
        for line in content.text.splitlines():
            if line.strip():
                answer = json.loads(line)
                answers[str(answer.get("custom_id"))] = answer
    return answers


def parse_answer(answer: dict[str, Any] | None, context: PreparedArticle) -> EngineRun | None:
    """The validated extraction in a batch answer, or None when it has none or is invalid."""
    if answer is None or answer.get("error"):
        return None
    response = answer.get("response") or {}
    if response.get("status_code") != 200:
        return None
    try:
        completion = ChatCompletion.model_validate(response.get("body"))
        message = completion.choices[0].message
        calls = message.tool_calls or []
        raw = calls[0].function.arguments if calls else message.content  # type: ignore[union-attr]
        # v2 takes a v1 answer too (no details): one check for either prompt's answers.
        extraction = v2.Extraction.model_validate_json(
            raw or "", context=ValidationContext(context)
        )
    except (ValidationError, IndexError, AttributeError, ValueError):
        return None
    usage = completion.usage
    spent = (
        TokenUsage(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
        )
        if usage
        else TokenUsage.zero()
    )
    return EngineRun(extraction, attempts=1, requests=1, usage=spent)
