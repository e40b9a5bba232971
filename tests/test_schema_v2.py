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
    assert "details" in schema["ExtractedMilestoneV2"]["required"]
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


GOLDEN = Path(__file__).resolve().parent / "data" / "seeds.v1.jsonl"
VOLATILE = ("latency_ms", "created_at", "prompt_version")  # of the run, or of the rules' code


def comparable(record: v1.SummaryRecord, name: str) -> str:
    data = json.loads(record.model_dump_json())
    data["source"] = name
    for key in VOLATILE:
        data["meta"].pop(key)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem[:3] for p in SEEDS])
async def test_v1_is_byte_for_byte_what_it_was_before_v2(seed: Path) -> None:
    """``seeds.v1.jsonl``: the rules engine's v1 records of the seeds, made before v2."""
    golden = {json.loads(line)["source"]: line for line in GOLDEN.read_text().splitlines()}
    record = await summarise(Article(seed.read_text(encoding="utf-8")), RulesEngine())
    assert isinstance(record, v2.SummaryRecord)
    assert comparable(v2.to_v1(record), seed.name) == golden[seed.name]


async def test_the_rules_fill_the_details_of_the_seeds() -> None:
    stated = []
    for seed in SEEDS:
        record = await summarise(Article(seed.read_text(encoding="utf-8")), RulesEngine())
        stated += [m.details.stated() for m in record.summary.milestones]
    assert any("designation" in d for d in stated)
    assert any(d.get("round") == "grant" for d in stated)  # "Vinnova … has granted funding"


def test_a_stored_v1_record_reads_as_v2_with_no_details() -> None:
    line = GOLDEN.read_text().splitlines()[0]
    data = json.loads(line)
    data["meta"] |= {"latency_ms": 1.0, "created_at": "2026-01-01T00:00:00+00:00",
                     "prompt_version": "rules/v1@x"}  # fmt: skip
    record = v2.SummaryRecord.model_validate(data)
    assert all(m.details == Details() for m in record.summary.milestones)
    assert v2.to_v1(record).model_dump() == v1.SummaryRecord.model_validate(data).model_dump()
