"""The JSON Schema files generated from the models (their hash: ``schemas.hashes``).

``python -m schemas`` rewrites the committed files; ``python -m schemas --check``
fails when they have drifted from the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from schemas import v2
from schemas.v1 import SCHEMA_VERSION, ArticleSummary, Extraction, SummaryRecord

SCHEMA_DIR = Path(__file__).resolve().parent

MODELS: dict[str, type[BaseModel]] = {
    f"extraction.{SCHEMA_VERSION}.json": Extraction,
    f"article_summary.{SCHEMA_VERSION}.json": ArticleSummary,
    f"summary_record.{SCHEMA_VERSION}.json": SummaryRecord,
    f"extraction.{v2.SCHEMA_VERSION}.json": v2.Extraction,
    f"article_summary.{v2.SCHEMA_VERSION}.json": v2.ArticleSummary,
    f"summary_record.{v2.SCHEMA_VERSION}.json": v2.SummaryRecord,
}


def render(model: type[BaseModel]) -> str:
    """The JSON Schema file's text for one model."""
    return json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False) + "\n"


def drifted(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of the committed files that differ from what the models generate."""
    stale = []
    for name, model in MODELS.items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != render(model):
            stale.append(name)
    return stale


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate every schema file."""
    written = []
    for name, model in MODELS.items():
        path = directory / name
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written
