"""Prompt: the messages the model is sent, from versioned files in ``prompts/``.

A prompt is a folder ``prompts/<name>/<version>/`` with ``system.txt``, ``user.txt`` and
``examples.json``. Templates use ``$name`` placeholders (``$$`` for a dollar sign) and are
strict: a missing value, or a value the template does not use, is an error.

The article itself never goes through a template: it is appended verbatim to the user
message between delimiter lines carrying a tag derived from its hash, so no text inside
the article can close the delimiter.

A prompt is known by its content: its id (``extract/v1@3f2a…``, recorded in every
result's meta and part of the cache key) carries a hash of its three files, so a file
edited in place makes a new id, and results made with the old text are never served for
the new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from string import Template
from typing import Any, cast

from pydantic import ValidationError

import prompts
from schemas import v2
from schemas.v1 import Extraction
from schemas.v2 import VERSIONS, Version
from service.article import Article, PreparedArticle
from service.clean import clean
from service.errors import PromptError
from service.identity import content_digest
from service.validate import describe_errors, validate_extraction

PROMPTS_DIR = Path(prompts.__file__).resolve().parent


def render(template: Template, values: dict[str, str], where: str) -> str:
    """Fill ``template``, refusing missing and unused values."""
    if not template.is_valid():
        raise PromptError(f"{where}: invalid placeholder (write $$ for a dollar sign)")
    wanted = set(template.get_identifiers())
    missing, unused = wanted - values.keys(), values.keys() - wanted
    if missing or unused:
        raise PromptError(
            f"{where}: missing values {sorted(missing)}, unused values {sorted(unused)}"
        )
    return template.substitute(values)


@dataclass(frozen=True)
class Example:
    """A few-shot example: an article and the summary expected of it."""

    article: str
    published_at: date | None
    summary: Extraction


@dataclass(frozen=True)
class Prompt:
    """A loaded, checked prompt version."""

    name: str
    version: str
    system: str
    user: Template
    examples: tuple[Example, ...]
    digest: str  # of the files' content
    schema: Version = "v1"  # the schema the model is asked for (``schema.txt``)

    @property
    def extraction(self) -> type[Extraction]:
        """What the model is asked for: v1's extraction, or v2's (with details)."""
        return v2.Extraction if self.schema == "v2" else Extraction

    @property
    def id(self) -> str:
        """The prompt version recorded in every result's meta: its folder and the hash
        of its files, e.g. ``extract/v1@3f2a9c0b1d4e``."""
        return f"{self.name}/{self.version}@{self.digest}"

    def messages(
        self, article: str, published_at: date | None = None, source: str | None = None
    ) -> list[dict[str, str]]:
        """The chat messages for one article. ``article`` is sent byte for byte."""
        tag = hashlib.sha256(article.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        head = render(
            self.user,
            {
                "published_at": published_at.isoformat() if published_at else "unknown",
                "source": source or "unknown",
                "tag": tag,
            },
            f"{self.id}/user.txt",
        )
        user = f"{head}\n<article {tag}>\n{article}\n</article {tag}>"
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


def _render_examples(examples: tuple[Example, ...]) -> str:
    blocks = []
    for n, example in enumerate(examples, start=1):
        published = example.published_at.isoformat() if example.published_at else "unknown"
        answer = example.summary.model_dump_json()  # compact: a third of the tokens
        blocks.append(
            f"Example {n} (publication date {published}):\n<example>\n"
            f"{example.article.rstrip()}\n</example>\nSummary:\n{answer}"
        )
    return "\n\n".join(blocks)


def _load_examples(
    text: str, where: str, model: type[Extraction] = Extraction
) -> tuple[Example, ...]:
    try:
        raw: list[dict[str, Any]] = json.loads(text)
    except json.JSONDecodeError as error:
        raise PromptError(f"{where}: cannot read examples: {error}") from error
    examples = []
    for n, item in enumerate(raw, start=1):
        published = date.fromisoformat(item["published_at"]) if item.get("published_at") else None
        context = PreparedArticle(Article(item["article"], published), clean(item["article"]))
        try:
            summary = validate_extraction(item["summary"], context, model)
        except ValidationError as error:
            problems = "; ".join(describe_errors(error))
            raise PromptError(
                f"{where}: example {n} is not grounded in its text: {problems}"
            ) from error
        examples.append(Example(item["article"], published, summary))
    return tuple(examples)


FILES = ("system.txt", "user.txt", "examples.json")
# Optional: the schema version the prompt asks for (v1 when there is none).
SCHEMA_FILE = "schema.txt"
# Bumped when the rendering of a prompt's files changes (examples as compact JSON: 2).
_RENDERING = "render/2"


def load_prompt(
    name: str, version: str, directory: Path | None = None, *, examples: int | None = None
) -> Prompt:
    """Load and check ``prompts/<name>/<version>/`` (under ``directory`` when given), with
    its first ``examples`` few-shot examples (default: all). The files are read every
    time; what they hold is parsed and checked once."""
    folder = (directory or PROMPTS_DIR) / name / version
    where = f"prompt {name}/{version}"
    if not folder.is_dir():
        raise PromptError(f"{where}: no folder {folder}")
    try:
        raw = [folder.joinpath(file).read_bytes() for file in FILES]
        texts = [part.decode("utf-8") for part in raw]
        schema_path = folder / SCHEMA_FILE
        schema = schema_path.read_text("utf-8").strip() if schema_path.exists() else "v1"
    except (OSError, UnicodeDecodeError) as error:
        raise PromptError(f"{where}: {error}") from error
    if schema not in VERSIONS:
        raise PromptError(f"{where}/{SCHEMA_FILE}: {schema!r} is no schema ({', '.join(VERSIONS)})")
    # The files, how examples are rendered, and how many are sent name the prompt.
    digest = content_digest([*raw, f"{_RENDERING};examples={examples};{schema}".encode()])
    return _parsed(name, version, *texts, digest, examples, cast(Version, schema))


@cache
def _parsed(
    name: str,
    version: str,
    system: str,
    user: str,
    examples: str,
    digest: str,
    keep: int | None,
    schema: Version = "v1",
) -> Prompt:
    where = f"prompt {name}/{version}"
    model = v2.Extraction if schema == "v2" else Extraction
    checked = _load_examples(examples, where, model)[:keep]
    rendered = render(
        Template(system), {"examples": _render_examples(checked)}, f"{where}/system.txt"
    )
    return Prompt(name, version, rendered, Template(user.rstrip("\n")), checked, digest, schema)
