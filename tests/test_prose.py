"""A headline or summary says nothing the article does not (service/prose.py)."""

from __future__ import annotations

import pytest
import respx

from service.article import Article, prepare
from service.engines.llm import LLMEngine
from service.errors import ExtractionFailed
from service.prose import ArticleWords, prose_problem
from tests.articles import VALID_ANSWER
from tests.model_stub import all_text, completion
from tests.test_llm_engine import request_for, stub

TEXT = (
    "Kestrel Biologics said the U.S. Food and Drug Administration cleared its "
    "clinical trial authorisation request for KB-19, a CAR-T therapy for acute myeloid "
    "leukaemia, and that it raised $42 million in a Series B round."
)
WORDS = ArticleWords.of(TEXT)


@pytest.mark.parametrize(
    "text",
    [
        "Kestrel Biologics raises $42 million and wins clearance for KB-19",
        "FDA clears Kestrel's CTA for CAR-T therapy KB-19 in AML",  # acronyms of its words
        "U.S.-based Kestrel Biologics gets clearance for its leukaemia therapy",
        "Clearance for KB-19",
    ],
)
def test_prose_made_of_the_articles_names_and_facts_passes(text: str) -> None:
    assert prose_problem(text, WORDS) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("The artic...[] ,", "[ ]"),  # a fragment of JSON and a cut word
        ("The artic... is here", "cut off"),
        ("Kestrel Biologics raises $50 million", "'50'"),  # a figure it does not give
        ("Kestrel Biologics is backed by Harbourside Capital", "'Harbourside', 'Capital'"),
        ("the headline is the first sentence of a paragraph and nothing else", "content words"),
        ("", "no word"),
    ],
)
def test_prose_the_article_does_not_bear_out_is_refused_saying_why(text: str, why: str) -> None:
    problem = prose_problem(text, WORDS)
    assert problem is not None and why in problem


def test_the_initials_are_read_in_one_pass_over_the_words() -> None:
    long = "Alpha Beta Gamma " * 20_000
    words = ArticleWords.of(long)
    assert "abg" in words.initials and len(words.initials) < 50


def test_a_word_the_article_itself_cuts_off_is_its_own_and_a_long_word_is_read_once() -> None:
    own = ArticleWords.of("Kestrel said the trial continu... and ended (a quote cut off).")
    assert prose_problem("Kestrel trial continu... ended", own) is None  # its own cut word
    assert "cut off" in (prose_problem("Kestrel trial ende... continu...", own) or "")
    # One "word" of 200,000 letters after a cut word: found from its first letter only,
    # not tried again at each (which cost the word's length squared: minutes at 200 KB).
    long = ArticleWords.of("News cut... " + "Glioblastoma" * 16_700)
    assert long.cut == frozenset({"cut..."})


async def test_a_garbage_answer_from_the_feedback_is_re_asked_not_served(
    engine: LLMEngine, model: respx.MockRouter
) -> None:
    """The one answer that passed validation against a real small model (issue 23)."""
    garbage = {
        **VALID_ANSWER,
        "headline": "The artic...[] ,",
        "summary": "the headline is the first sentence of a paragraph.",
        "milestones": [],
    }
    route = stub(model, completion(garbage), completion(garbage), completion(garbage))
    with pytest.raises(ExtractionFailed) as raised:
        await engine.extract(request_for())
    assert route.call_count == 3
    assert any(
        line.startswith("headline: headline is not grounded") for line in raised.value.errors
    )
    assert "not grounded in the article" in all_text(route.calls[1].request)


def test_the_rules_headline_gives_way_to_the_articles_sentence_when_not_borne_out() -> None:
    """A title of the rules' making the article does not bear out (here an acronym it never
    writes) gives way to the article's first sentence, so its answer always validates."""
    from service.engines.base import ArticleRequest
    from service.engines.rules import RulesEngine

    text = "Solvaris Therapeutics received a complete response letter for SLV-11."
    extraction = RulesEngine().read(ArticleRequest(prepare(Article(text))))
    assert prepare(Article(text)).explain_prose(extraction.headline) is None
