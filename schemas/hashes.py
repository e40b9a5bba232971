"""The hash that names a schema: of its JSON Schema, canonically written. Recorded in
every summary's ``meta.schema_hash`` and part of its cache key."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from pydantic import BaseModel

from schemas.v1 import Extraction


def canonical_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no insignificant whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@cache
def schema_hash(model: type[BaseModel] = Extraction) -> str:
    """Content hash of a model's JSON Schema (by default the one the model is asked for)."""
    digest = hashlib.sha256(canonical_json(model.model_json_schema()).encode()).hexdigest()
    return f"sha256:{digest[:16]}"
