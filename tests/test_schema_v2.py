"""Schema v2: v1 and each milestone's details; v1 is its projection, field for field."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas import v1, v2
from schemas.details import Amount, Details
from schemas.export import MODELS
from service.article import Article
from service.engines.rules import RulesEngine
from service.pipeline import summarise
from tests.articles import VALID_ANSWER

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def with_details(**details: object) -> dict[str, object]:
    data = copy.deepcopy(VALID_ANSWER)
    data["milestones"][1]["details"] = details  # the Series B round
    return data


def test_the_v2_schema_files_are_committed_beside_v1s() -> None:
    assert {"extraction.v2.json", "article_summary.v2.json", "summary_record.v2.json"} <= set(
        MODELS
    )


def test_the_model_is_asked_for_every_detail_each_null_when_not_stated() -> None:
    schema = v2.Extraction.model_json_schema()["$defs"]
    assert "details" in schema["ExtractedMilestone"]["required"]
    assert set(schema["Details"]["required"]) == set(schema["Details"]["properties"])
    assert "details" not in json.dumps(v1.Extraction.model_json_schema())


def test_a_milestones_details_stated_in_its_evidence_are_taken() -> None:
    amount = {"value": 40e6, "currency": "GBP", "stated": "£40 million"}
    answer = with_details(amount=amount, round="series_b", investors=["Harbour Ventures"])
    extraction = v2.Extraction.model_validate(answer)
    details = extraction.milestones[1].details
    assert (details.round, details.investors) == ("series_b", ["Harbour Ventures"])
    assert details.amount == Amount.model_validate(amount)
    assert extraction.milestones[0].details == Details()  # none given: none stated


def test_a_detail_the_evidence_does_not_state_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError) as failure:
        v2.Extraction.model_validate(with_details(round="series_c"))
    assert "the evidence does not say 'series_c'" in str(failure.value)


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem[:3] for p in SEEDS])
async def test_v1_is_the_projection_of_v2_byte_for_byte(seed: Path) -> None:
    record = await summarise(Article(seed.read_text(encoding="utf-8")), RulesEngine())
    as_v2 = v2.from_v1(record)
    assert all(m.details == Details() for m in as_v2.summary.milestones)
    assert v2.to_v1(as_v2).model_dump_json() == record.model_dump_json()
    assert "details" in as_v2.model_dump_json()
