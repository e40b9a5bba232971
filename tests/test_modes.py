"""How a request asks for the schema in each mode, and which server takes which."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.model_facing import model_schema
from service.engines.modes import RequestShape, is_openai, mode_for_owners

BODY: dict[str, Any] = {
    "model": "m",
    "messages": [{"role": "system", "content": "Rules."}, {"role": "user", "content": "Text"}],
    # What instructor put in before the mode's shape replaces it.
    "tools": [{"type": "function", "function": {"name": "Extraction", "parameters": {}}}],
    "tool_choice": {"type": "function", "function": {"name": "Extraction"}},
}


def test_tools_mode_sends_one_function_with_the_model_facing_schema_chosen_by_name() -> None:
    body = RequestShape("tools").apply(BODY)
    (tool,) = body["tools"]
    assert tool["function"]["name"] == "Extraction"
    assert tool["function"]["parameters"] == model_schema()
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Extraction"}}
    assert "response_format" not in body


def test_tools_mode_can_require_a_tool_where_a_named_choice_is_ignored() -> None:
    body = RequestShape("tools", tool_choice="required").apply(BODY)
    assert body["tool_choice"] == "required"


def test_json_schema_mode_asks_for_strict_structured_output() -> None:
    body = RequestShape("json_schema").apply(BODY)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Extraction", "schema": model_schema(), "strict": True},
    }
    assert "tools" not in body and "tool_choice" not in body


def test_json_object_mode_puts_the_schema_in_the_response_format_and_the_system_message() -> None:
    body = RequestShape("json_object").apply(BODY)
    assert body["response_format"] == {"type": "json_object", "schema": model_schema()}
    system = body["messages"][0]["content"]
    assert system.startswith("Rules.") and '"headline"' in system
    assert body["messages"][1] == BODY["messages"][1]
    # A re-ask's messages already carry it: it is not written twice.
    again = RequestShape("json_object").apply(body)
    assert again["messages"][0]["content"].count("JSON Schema") == 1


def test_applying_a_shape_leaves_the_body_it_was_given_untouched() -> None:
    RequestShape("json_object").apply(BODY)
    assert BODY["messages"][0]["content"] == "Rules."


@pytest.mark.parametrize(
    ("owners", "mode"),
    [
        (["llamacpp"], "json_schema"),  # llama.cpp's llama-server
        (["me"], "tools"),  # llama-cpp-python's server: its grammar, no schema in the prompt
        (["vllm"], "json_schema"),
        (["library"], "json_schema"),  # Ollama
        (["openai", "system"], None),  # OpenAI, LiteLLM: nothing special known
        ([], None),
    ],
)
def test_the_server_is_told_by_who_owns_its_models(owners: list[str], mode: str | None) -> None:
    assert mode_for_owners(owners) == mode


def test_openai_is_known_by_its_address() -> None:
    assert is_openai(None)
    assert is_openai("https://api.openai.com/v1")
    assert not is_openai("http://127.0.0.1:8080/v1")
