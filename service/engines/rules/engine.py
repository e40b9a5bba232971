"""The rules engine: deterministic, offline extraction with no model.

The article's path through it, a module each:
- ``sentences``, ``page``: the sentences, and the page's structure (its date line, a
  roundup's items, what may be taken as news);
- ``entities`` with ``lexicon`` (``data/*.json``): the organisations, products,
  authorities and places it names;
- ``reader`` with ``triggers`` and ``dates``: every statement of a milestone, and who,
  what and when around its trigger;
- ``merge``: one milestone per fact;
- ``titles``, ``writeup``: each milestone's title; the headline, summary and lists.

The result passes the same validation as the LLM engine's.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from schemas.v2 import ExtractedMilestone, Extraction
from service.engines.base import ArticleRequest, EngineRun
from service.engines.rules.details import details_of
from service.engines.rules.lexicon import Lexicon, load_lexicon
from service.engines.rules.merge import distinct, merge
from service.engines.rules.reader import ArticleReader
from service.engines.rules.writeup import headline, organisations, products, summary
from service.errors import ExtractionFailed
from service.identity import content_digest
from service.offload import off_loop
from service.validate import ValidationContext, describe_errors

RULES_VERSION = "rules/v1"
_CODE = Path(__file__).resolve().parent
_SERVICE = _CODE.parent.parent
# Outside this folder, what the rules' behaviour also depends on: the language checks
# (modality), the text as the reader sees it and quotes are found in it, and the cues
# its patterns are searched by, and the check of its headline and summary.
_SHARED_CODE = ("modality.py", "invisible.py", "align.py", "cues.py", "prose.py")


@cache
def _code() -> bytes:
    """The source files the rules' behaviour depends on, in order: part of its version
    (edit any of them, and results made before are not served from the cache)."""
    paths = [*sorted(_CODE.glob("*.py")), *(_SERVICE / name for name in _SHARED_CODE)]
    return b"".join(path.read_bytes() for path in paths)


class RulesEngine:
    """Extraction by rules: offline, deterministic, grounded by construction."""

    name = "rules"
    model = None
    batch = None  # no provider, so no batch
    settings_key = ""  # its version says all

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._lexicon = lexicon or load_lexicon()
        # Known by content: its word lists and its code (edit either, and results made
        # before are no longer served from the cache for it).
        self.version = f"{RULES_VERSION}@{content_digest([self._lexicon.digest.encode(), _code()])}"

    async def aclose(self) -> None:
        return None

    async def extract(self, article: ArticleRequest) -> EngineRun:
        """Read the article (in a worker thread: it is CPU work) and return an extraction
        that passed validation."""
        return EngineRun(await off_loop(self.read, article), attempts=0, requests=0)

    def read(self, article: ArticleRequest) -> Extraction:
        reader = ArticleReader(article, self._lexicon)
        context = ValidationContext(article.prepared)
        milestones = []
        checked: dict[int, ExtractedMilestone] = {}
        for candidate in merge(reader.milestones()):
            found = details_of(candidate["kind"], candidate["evidence"], candidate["title"])
            candidate["details"] = found.model_dump()
            try:  # a milestone the rules got wrong is dropped, never the article
                valid = ExtractedMilestone.model_validate(candidate, context=context)
            except ValidationError:
                continue
            milestones.append(candidate)
            checked[id(candidate)] = valid
        data = {
            "headline": headline(reader, milestones),
            "summary": summary(reader, milestones),
            "organisations": organisations(reader, milestones),
            "products": products(reader, milestones),
            # Validated against the article above: not validated again (pydantic takes a
            # model instance as it is), while the whole still is (distinct milestones).
            "milestones": [checked[id(m)] for m in distinct(milestones)],
        }
        try:
            return Extraction.model_validate(data, context=context)
        except ValidationError as error:
            raise ExtractionFailed(
                "the rules engine produced an invalid summary", describe_errors(error)
            ) from error
