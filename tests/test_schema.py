"""Schema v1: the committed JSON Schema files, and what the models accept and refuse."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.export import MODELS, SCHEMA_DIR, drifted, render
from schemas.hashes import schema_hash
from schemas.v1 import ArticleSummary, Extraction, SummaryRecord
from tests.articles import VALID_ANSWER, answer, answer_with_milestone


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as failure:
        Extraction.model_validate(data)
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in failure.value.errors()]


def test_the_committed_schema_files_match_the_models() -> None:
    assert drifted() == [], "run: python -m schemas"
    for name, model in MODELS.items():
        assert json.loads((SCHEMA_DIR / name).read_text()) == json.loads(render(model))


def test_every_field_is_required_and_no_extra_field_is_allowed() -> None:
    def walk(schema: dict[str, Any]) -> None:
        if "properties" in schema:
            assert schema.get("additionalProperties") is False
            assert set(schema["required"]) == set(schema["properties"])
        for value in schema.values():
            if isinstance(value, dict):
                walk(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        walk(item)

    for model in (Extraction, ArticleSummary, SummaryRecord):
        walk(model.model_json_schema())


def test_the_model_is_never_asked_for_spans_or_alignment() -> None:
    text = json.dumps(Extraction.model_json_schema())
    assert "evidence_span" not in text and "alignment" not in text
    assert "evidence_span" in json.dumps(ArticleSummary.model_json_schema())


def test_the_schema_hash_is_stable_and_names_the_extraction_schema() -> None:
    assert schema_hash() == schema_hash(Extraction)
    assert schema_hash().startswith("sha256:") and len(schema_hash()) == 23
    assert schema_hash(Extraction) != schema_hash(ArticleSummary)


def test_a_valid_answer_validates_without_an_article_context() -> None:
    assert len(Extraction.model_validate(VALID_ANSWER).milestones) == 2


def test_a_missing_optional_field_must_still_be_given_as_null() -> None:
    data = answer_with_milestone(0)
    del data["milestones"][0]["authority"]
    assert errors_of(data) == ["milestones.0.authority: Field required"]


def test_unknown_fields_are_refused() -> None:
    assert "confidence: Extra inputs are not permitted" in errors_of(answer(confidence=0.9))


@pytest.mark.parametrize(
    ("field", "words", "limit"),
    [("headline", 21, 20), ("summary", 81, 80)],
)
def test_headline_and_summary_have_word_limits(field: str, words: int, limit: int) -> None:
    assert errors_of(answer(**{field: " ".join(["w"] * words)})) == [
        f"{field}: Value error, {field} has {words} words; write at most {limit} words"
    ]


def test_a_milestone_title_has_at_most_15_words() -> None:
    [problem] = errors_of(answer_with_milestone(0, title=" ".join(["w"] * 16)))
    assert problem.startswith("milestones.0.title") and "at most 15 words" in problem


@pytest.mark.parametrize("value", ["2024", "2024-02", "2024-02-29", None])
def test_dates_at_any_iso_precision_are_accepted(value: str | None) -> None:
    Extraction.model_validate(answer_with_milestone(1, date=value))


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2023-02-29", "not a calendar date"),
        ("2024-13", "no month 13"),
        ("March 2024", "not ISO 8601"),
        ("2024-3", "not ISO 8601"),
        ("2024-03-01T00:00:00", "not ISO 8601"),
        ("0000-02-29", "outside the years 1900-2100"),  # year 0: no calendar has it
        ("9999-12-31", "outside the years 1900-2100"),
        ("1899", "outside the years 1900-2100"),
        ("\u0662\u0660\u0662\u0664", "not ISO 8601"),  # Arabic-Indic digits: \d, not ISO
    ],
)
def test_dates_that_are_not_real_or_not_iso_are_refused(value: str, why: str) -> None:
    [problem] = errors_of(answer_with_milestone(1, date=value))
    assert problem.startswith("milestones.1.date") and why in problem


@pytest.mark.parametrize("code", ["US", "CN", "ES", "SE", "GB", "EU", None])
def test_jurisdiction_is_an_iso_alpha2_code_or_eu(code: str | None) -> None:
    Extraction.model_validate(answer_with_milestone(0, jurisdiction=code))


@pytest.mark.parametrize("code", ["UK", "USA", "us", "Europe", "XX"])
def test_other_jurisdictions_are_refused(code: str) -> None:
    [problem] = errors_of(answer_with_milestone(0, jurisdiction=code))
    assert "not an ISO 3166-1 alpha-2 code" in problem


def test_two_milestones_with_the_same_identity_are_refused() -> None:
    data = answer()
    twin = dict(data["milestones"][1], title="Another title", evidence="Other words.")
    twin["organisation"] = twin["organisation"].upper()  # case does not make it different
    data["milestones"].append(twin)
    [problem] = errors_of(data)
    assert "milestones 1 and 2 are the same milestone" in problem


def test_the_same_kind_on_another_date_is_another_milestone() -> None:
    data = answer()
    data["milestones"].append(dict(data["milestones"][1], date="2025-06"))
    Extraction.model_validate(data)
