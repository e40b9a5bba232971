"""The README says what the product does: its sample of ``make run``'s output is the real
output (regenerate it with ``UPDATE_README=1 .venv/bin/pytest tests/test_readme.py``),
and the limits it states are the code's."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.engines.rules import merge, writeup

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SAMPLE_SEED = "seeds/003_b5a2676f76b2b484.txt"
INTRO = "`make run` prints, per article:\n\n```\n"
# What changes from run to run, or with every rule edited: the engine's version and time.
_VOLATILE = re.compile(r"rules/v1@[0-9a-f…]+ · \d+ ms *")


def normalised(block: str) -> str:
    return _VOLATILE.sub("rules/v1@… · N ms", block)


def real_output(monkeypatch: pytest.MonkeyPatch) -> str:
    """``milestones summarise`` of the sample seed from the project's root (as ``make run``
    runs it), at 80 columns, as a terminal shows it."""
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(
        app, ["summarise", SAMPLE_SEED, "--no-store"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def readme_sample(text: str) -> tuple[int, int]:
    start = text.index(INTRO) + len(INTRO)
    return start, text.index("```\n", start)


def test_the_readmes_sample_output_is_what_make_run_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = real_output(monkeypatch)
    text = README.read_text(encoding="utf-8")
    start, end = readme_sample(text)
    if os.environ.get("UPDATE_README"):
        README.write_text(text[:start] + output + text[end:], encoding="utf-8")
        return
    assert normalised(text[start:end]) == normalised(output), (
        "the README's sample of `make run` is stale: "
        "UPDATE_README=1 .venv/bin/pytest tests/test_readme.py rewrites it"
    )


def test_the_limits_the_docs_state_are_the_rules_engines() -> None:
    text = " ".join((ROOT / "docs" / "http-api.md").read_text(encoding="utf-8").split())
    stated = (
        f"at most {merge.MAX_MILESTONES} milestones, the products they name and others up "
        f"to {writeup.MAX_PRODUCTS} in all, and {writeup.MAX_OTHER_ORGANISATIONS} other "
        "organisations per article"
    )
    assert stated in text
