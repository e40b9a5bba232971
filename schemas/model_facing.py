"""The JSON Schema a model is sent: the shape of ``Extraction``, without its validation.

Structured-output servers compile the schema they are sent into a grammar (llama.cpp's
JSON-schema-to-grammar, vLLM's xgrammar or outlines, Ollama through llama.cpp) or check
it against a subset (OpenAI strict mode). Limits that are there for validation, such as
a name's 300 characters, compile into rules nested hundreds deep: llama.cpp's server
fails to parse them and crashes. So the schema sent holds the shape only (types,
properties, required fields, enums, nullability, descriptions); the limits stay in the
validators, which check every answer and re-ask with their message.

``portability_problems`` checks a schema against what every backend we target accepts,
so the test of this module and ``milestones doctor`` say what would break where.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic import BaseModel

from schemas.v1 import Extraction

# Keywords that hold validation only: left out of what the model is sent.
VALIDATION_ONLY = frozenset(
    {
        "maxLength",
        "minLength",
        "pattern",
        "format",
        "maxItems",
        "minItems",
        "uniqueItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "default",
        "title",
        "examples",
    }
)

# What every backend accepts: the keywords of OpenAI's strict subset that llama.cpp,
# xgrammar, outlines and Ollama also compile.
PORTABLE_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "$ref",
        "$defs",
        "description",
    }
)
# OpenAI strict mode: at most this many levels of object nesting and properties in all.
MAX_DEPTH = 5
MAX_PROPERTIES = 100


def without_keywords(node: Any, keywords: frozenset[str]) -> Any:
    """A copy of a schema without ``keywords`` anywhere (the names of properties and
    definitions are the schema's own fields, never keywords)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("properties", "$defs") and isinstance(value, dict):
                out[key] = {name: without_keywords(sub, keywords) for name, sub in value.items()}
            elif key not in keywords:
                out[key] = without_keywords(value, keywords)
        return out
    if isinstance(node, list):
        return [without_keywords(item, keywords) for item in node]
    return node


@cache
def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    return without_keywords(model.model_json_schema(), VALIDATION_ONLY)  # type: ignore[no-any-return]


def model_schema(model: type[BaseModel] = Extraction) -> dict[str, Any]:
    """The schema sent to the model for ``model`` (a fresh copy: callers may edit it)."""
    return copy.deepcopy(_model_schema(model))


def portability_problems(schema: dict[str, Any]) -> list[str]:
    """What in ``schema`` some structured-output backend would refuse or fail on: a
    keyword outside the portable subset, an object not closed (``additionalProperties:
    false``) or with a property not required (OpenAI strict), nesting deeper or more
    properties than strict mode allows, a ``$ref`` to nowhere."""
    problems: list[str] = []
    definitions = schema.get("$defs", {})
    properties_seen = 0

    def walk(node: Any, where: str, depth: int, seen_refs: frozenset[str]) -> None:
        nonlocal properties_seen
        if not isinstance(node, dict):
            problems.append(f"{where}: not a schema object")
            return
        for key in node:
            if key not in PORTABLE_KEYWORDS:
                problems.append(f"{where}: keyword {key!r} is not in the portable subset")
        if "$ref" in node:
            ref = node["$ref"]
            name = ref.rsplit("/", 1)[-1]
            if not ref.startswith("#/$defs/") or name not in definitions:
                problems.append(f"{where}: $ref {ref!r} points nowhere")
            elif name not in seen_refs:
                walk(definitions[name], f"$defs/{name}", depth, seen_refs | {name})
            return
        if node.get("type") == "object" or "properties" in node:
            depth += 1
            if depth > MAX_DEPTH:
                problems.append(f"{where}: objects nested {depth} deep (strict mode: {MAX_DEPTH})")
            properties = node.get("properties", {})
            properties_seen += len(properties)
            if node.get("additionalProperties") is not False:
                problems.append(f"{where}: additionalProperties is not false")
            missing = sorted(set(properties) - set(node.get("required", [])))
            if missing:
                problems.append(f"{where}: properties not required: {', '.join(missing)}")
            for name, sub in properties.items():
                walk(sub, f"{where}.{name}", depth, seen_refs)
        if "items" in node:
            walk(node["items"], f"{where}[]", depth, seen_refs)
        for n, option in enumerate(node.get("anyOf", [])):
            walk(option, f"{where}|{n}", depth, seen_refs)

    walk(schema, "$", 0, frozenset())
    if properties_seen > MAX_PROPERTIES:
        problems.append(f"$: {properties_seen} properties in all (strict mode: {MAX_PROPERTIES})")
    return problems
