"""The whole path: a grounded record whose spans point into the text as the caller sent it."""

from __future__ import annotations

from datetime import date

import pytest
import respx

from schemas import SummaryRecord, v2
from schemas.hashes import schema_hash
from service.align import normalise
from service.article import Article
from service.engines.llm import LLMEngine
from service.errors import InputError
from service.pipeline import summarise
from service.prompt import load_prompt
from tests.articles import ARTICLE, VALID_ANSWER, answer_with_milestone
from tests.model_stub import completion

# Boilerplate around the article shifts every offset: spans must still point into this text.
SENT = "Subscribe now\nREAD: Five stocks to watch\n" + ARTICLE.replace(
    "Harbour Ventures.", "Harbour\u00a0Ventures."
)


async def test_every_evidence_span_points_at_its_quote_in_the_text_as_sent(
    engine: LLMEngine, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    record = await summarise(Article(SENT, source="wire/1"), engine)
    for milestone, asked in zip(record.summary.milestones, VALID_ANSWER["milestones"], strict=True):
        span = milestone.evidence_span
        assert SENT[span.start : span.end] == milestone.evidence
        assert normalise(milestone.evidence).text == normalise(asked["evidence"]).text
        assert milestone.alignment == "exact"
    assert "\u00a0" in record.summary.milestones[1].evidence  # the article's own characters


async def test_a_fuzzy_quote_is_replaced_by_the_articles_own_words(
    engine: LLMEngine, model: respx.MockRouter
) -> None:
    sloppy = answer_with_milestone(
        1, evidence="In March 2024 the company raised 40 million in Series B round led by Harbour"
    )
    model.post("/chat/completions").mock(return_value=completion(sloppy))
    record = await summarise(Article(SENT), engine)
    milestone = record.summary.milestones[1]
    assert milestone.alignment == "fuzzy"
    assert milestone.evidence.startswith("In March 2024 the company raised \u00a340 million")
    assert SENT[milestone.evidence_span.start : milestone.evidence_span.end] == milestone.evidence


async def test_the_record_carries_its_meta(engine: LLMEngine, model: respx.MockRouter) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    record = await summarise(Article(ARTICLE, published_at=date(2025, 2, 1), source="a"), engine)
    meta = record.meta
    assert (meta.engine, meta.model) == ("llm", "test-model")
    assert meta.prompt_version == load_prompt("extract", "v3").id  # extract/v3@<content hash>
    assert meta.schema_hash == schema_hash(v2.Extraction)  # the record follows v2
    assert (meta.attempts, meta.requests, meta.usage.total_tokens) == (1, 1, 120)
    assert meta.cached is False and meta.latency_ms >= 0
    assert meta.created_at.endswith("+00:00")
    assert SummaryRecord.model_validate_json(record.model_dump_json()) == record


@pytest.mark.parametrize("text", ["", "   \n\t  ", "Advertisement\nSubscribe now\n"])
async def test_an_empty_or_boilerplate_only_article_is_refused_before_any_model_call(
    engine: LLMEngine, model: respx.MockRouter, text: str
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    with pytest.raises(InputError):
        await summarise(Article(text), engine)
    assert route.call_count == 0
