"""How a request asks the server for the schema: the modes, and which server takes which.

- ``tools``: one function whose parameters are the schema, and a tool choice that
  forces it: named (OpenAI, vLLM, llama-cpp-python's server, LiteLLM) or ``required``
  (llama.cpp's ``llama-server``, which ignores a named choice); ``MILESTONES_TOOL_CHOICE``.
- ``json_schema``: OpenAI structured outputs, ``response_format: {"type": "json_schema",
  "json_schema": {..., "strict": true}}`` (OpenAI, vLLM, llama-server, Ollama).
- ``json_object``: ``response_format: {"type": "json_object", "schema": ...}`` (the
  llama-cpp-python server's JSON mode, which refuses ``json_schema``), with the schema
  also written into the system message for servers that take JSON mode without one.
- ``auto``: the mode the endpoint is known to accept, told by its ``/models`` answer
  (who owns the models) or, for OpenAI's own API, by its address; ``tools`` when
  nothing tells.

Every mode sends the model-facing schema (``schemas.model_facing``): the shape only,
with the limits left to the validators, so every server's grammar compiler takes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import instructor

from schemas.model_facing import model_schema, without_keywords
from service.settings import ToolChoice

ConcreteMode = Literal["tools", "json_schema", "json_object"]
CONCRETE_MODES: tuple[ConcreteMode, ...] = ("tools", "json_schema", "json_object")

TOOL_NAME = "Extraction"
TOOL_DESCRIPTION = "The summary of the article: headline, summary, names and milestones."


@dataclass(frozen=True)
class KnownServer:
    """A server told by who owns the models it lists, and the mode it takes best."""

    name: str
    mode: ConcreteMode


# Who owns the models in a server's ``GET /models`` answer. (LiteLLM and OpenAI answer
# "openai", "system" and the like: nothing special known.)
KNOWN_OWNERS: dict[str, KnownServer] = {
    "llamacpp": KnownServer("llama.cpp llama-server", "json_schema"),
    "me": KnownServer("llama-cpp-python server", "tools"),
    "vllm": KnownServer("vLLM", "json_schema"),
    "library": KnownServer("Ollama", "json_schema"),
    "ollama": KnownServer("Ollama", "json_schema"),
}

# instructor's parsing for each mode: a tool call's arguments, or the message's content.
INSTRUCTOR_MODES: dict[ConcreteMode, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json_object": instructor.Mode.JSON_SCHEMA,
}

JSON_INSTRUCTION = (
    "Answer with one JSON object and nothing else. It follows this JSON Schema "
    "(every field is required; null where the schema allows it):\n"
)


def is_openai(base_url: str | None) -> bool:
    """Whether requests go to OpenAI's own API."""
    if not base_url:
        return True
    host = urlsplit(base_url).hostname or ""
    return host == "api.openai.com" or host.endswith(".openai.azure.com")


def server_for_owners(owners: list[str]) -> KnownServer | None:
    """The server, from who owns the models it lists (None: not known)."""
    for owner in owners:
        if owner.casefold() in KNOWN_OWNERS:
            return KNOWN_OWNERS[owner.casefold()]
    return None


def mode_for_owners(owners: list[str]) -> ConcreteMode | None:
    """The mode a server takes, from who owns the models it lists (None: not known)."""
    known = server_for_owners(owners)
    return known.mode if known is not None else None


@dataclass(frozen=True)
class RequestShape:
    """What a request carries to ask for the schema in one mode."""

    mode: ConcreteMode
    tool_choice: ToolChoice = "named"
    strict: bool = True

    @property
    def instructor_mode(self) -> instructor.Mode:
        return INSTRUCTOR_MODES[self.mode]

    def apply(self, body: dict[str, Any], schema: dict[str, Any] | None = None) -> dict[str, Any]:
        """``body`` (a chat-completions request) asking for ``schema`` (default: the
        model-facing schema of ``Extraction``) in this mode; instructor's own tool or
        response format, if any, is replaced."""
        schema = model_schema() if schema is None else schema
        out = {k: v for k, v in body.items() if k not in ("tools", "tool_choice")}
        out.pop("response_format", None)
        if self.mode == "tools":
            out["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": TOOL_NAME,
                        "description": TOOL_DESCRIPTION,
                        "parameters": schema,
                    },
                }
            ]
            out["tool_choice"] = (
                "required"
                if self.tool_choice == "required"
                else {"type": "function", "function": {"name": TOOL_NAME}}
            )
        elif self.mode == "json_schema":
            spec: dict[str, Any] = {"name": TOOL_NAME, "schema": schema}
            if self.strict:
                spec["strict"] = True
            out["response_format"] = {"type": "json_schema", "json_schema": spec}
        else:
            out["response_format"] = {"type": "json_object", "schema": schema}
            out["messages"] = _with_schema_in_system(list(body.get("messages", [])), schema)
        return out


def _with_schema_in_system(messages: list[Any], schema: dict[str, Any]) -> list[Any]:
    shape = without_keywords(schema, frozenset({"description"}))  # the prompt says what each is
    text = JSON_INSTRUCTION + json.dumps(shape, separators=(",", ":"), ensure_ascii=False)
    if messages and isinstance(messages[0], dict) and messages[0].get("role") == "system":
        first = dict(messages[0])
        if text not in str(first.get("content", "")):
            first["content"] = f"{first.get('content', '')}\n\n{text}"
        return [first, *messages[1:]]
    return [{"role": "system", "content": text}, *messages]
