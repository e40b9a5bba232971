"""Validate: check the model's answer against the schema and against the article.

The schema's validators read the article from the validation context: the prepared
article (``service.article.PreparedArticle``), which is the ``schemas.ArticleContext``
they ask. This module hands it to them, and turns validation failures into readable
lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from schemas import ARTICLE_KEY
from schemas.v1 import Extraction
from service.article import PreparedArticle


class ValidationContext(dict[str, Any]):
    """The validation context handed to instructor: always falsy.

    instructor renders every message through Jinja whenever its ``context`` is truthy,
    and the article must reach the model byte for byte. Being falsy, this context skips
    that rendering while still reaching the validators (``tests/test_llm_engine.py``
    pins this down with an article full of Jinja syntax).
    """

    def __init__(self, article: PreparedArticle) -> None:
        super().__init__({ARTICLE_KEY: article})

    def __bool__(self) -> bool:
        return False


def validate_extraction(
    data: Any, article: PreparedArticle, model: type[Extraction] = Extraction
) -> Extraction:
    """Validate an extraction given as Python data against the schema (``model``: v1's
    extraction, or v2's) and the article."""
    return model.model_validate(data, context=ValidationContext(article))


def describe_problems(problems: Iterable[Mapping[str, Any]], whole: str = "answer") -> list[str]:
    """One readable line per problem of a validation (pydantic's or FastAPI's list):
    where (the field's path, else ``whole``) and what."""
    lines = []
    for problem in problems:
        where = ".".join(str(part) for part in problem.get("loc", ())) or whole
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return lines


def describe_errors(error: BaseException, whole: str = "answer") -> list[str]:
    """One readable line per problem in a failed parse or validation (of a model's
    answer, or with ``whole`` another name for the thing validated)."""
    if isinstance(error, ValidationError):
        return describe_problems(error.errors(include_url=False), whole)
    if isinstance(error, json.JSONDecodeError):
        return [f"answer: not valid JSON ({error.msg} at position {error.pos})"]
    return [f"answer: {error}"]
