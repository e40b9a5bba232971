"""A milestone kind is stated in three places only: the schema, the prompt, and the rules'
data. Adding one is an edit to each; nothing else lists the kinds by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemas import MILESTONE_KINDS
from service.engines.rules.lexicon import load_lexicon
from service.prompt import PROMPTS_DIR

SERVICE = Path(__file__).resolve().parent.parent / "service"


def test_the_rules_know_every_kind_of_the_schema_and_no_other() -> None:
    # (in the order the rules try them: the more specific first)
    assert sorted(k.name for k in load_lexicon().kinds) == sorted(MILESTONE_KINDS)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_prompt_defines_every_kind(version: str) -> None:
    system = (PROMPTS_DIR / "extract" / version / "system.txt").read_text()
    assert [k for k in MILESTONE_KINDS if k not in system] == []


def test_no_module_of_the_service_lists_the_kinds() -> None:
    # A rule may name the kind it is about ("funding" gives a funder); three is a list.
    kinds = "|".join(MILESTONE_KINDS)
    for module in SERVICE.rglob("*.py"):
        named = set(re.findall(rf"[\"']({kinds})[\"']", module.read_text()))
        assert len(named) <= 2, f"{module} names kinds {sorted(named)}"


def test_every_kind_has_a_family_for_the_pages() -> None:
    from schemas.v1 import KIND_FAMILIES

    assert set(KIND_FAMILIES) == set(MILESTONE_KINDS)
    assert set(KIND_FAMILIES.values()) <= {"regulatory", "clinical", "business", "setback", "other"}
