"""The index from the command line: what bulk and summarise store, timeline, search and
export read back (the store of DATABASE_URL, the test's own here)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from service.cli import app
from tests.test_store_index import FOLLOW_UP

SEEDS = Path(__file__).parent.parent / "seeds"
runner = CliRunner()


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """The seeds through a bulk run."""
    result = runner.invoke(
        app, ["bulk", str(SEEDS), "-o", str(tmp_path / "o.jsonl"), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    return tmp_path


def test_after_a_bulk_run_timeline_shows_a_products_milestones_in_date_order(
    stored: Path,
) -> None:
    result = runner.invoke(app, ["timeline", "IMC002"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "IMC002 (product)"
    assert out.index("2023-04") < out.index("undated")
    assert "trial authorisation" in out and "designation" in out
    assert "U.S. Food and Drug Administration" in out


def test_a_follow_up_summarised_later_joins_the_timeline(stored: Path) -> None:
    (stored / "follow-up.txt").write_text(FOLLOW_UP)
    assert runner.invoke(app, ["summarise", str(stored / "follow-up.txt")]).exit_code == 0
    result = runner.invoke(app, ["timeline", "imc-002"], env={"COLUMNS": "200"})
    first = result.stdout.splitlines()[0]  # one article each way: the first in order shows
    assert first == "IMC-002 (product) · also written IMC002"
    assert "Immunofoco's claudin-targeted CAR-T" in result.stdout  # the second source


def test_summarise_with_no_store_keeps_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summarise", str(SEEDS), "--no-store"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["timeline", "IMC002"]).exit_code == 1


def test_export_writes_every_stored_milestone_as_xlsx_csv_or_jsonl(stored: Path) -> None:
    expected = sum(
        len(json.loads(line)["summary"]["milestones"])
        for line in (stored / "o.jsonl").read_text().splitlines()
    )
    result = runner.invoke(app, ["export", "--format", "xlsx", "-o", str(stored / "m.xlsx")])
    assert result.exit_code == 0, result.output
    assert f"wrote {expected} milestones" in result.stderr
    sheet = load_workbook(stored / "m.xlsx").active
    assert sheet is not None and sheet.max_row == expected + 1
    assert runner.invoke(app, ["export", "-o", str(stored / "m.csv")]).exit_code == 0
    with (stored / "m.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == expected
    dated = [r["date"] for r in rows if r["date"]]
    assert dated == sorted(dated)
    assert runner.invoke(app, ["export", "-o", str(stored / "e.jsonl"), "--what", "events",
                               "--product", "IMC 001"]).exit_code == 0  # fmt: skip
    events = [json.loads(line) for line in (stored / "e.jsonl").read_text().splitlines()]
    assert events and all(e["product"] == "IMC001" for e in events)


def test_export_with_nothing_matching_writes_the_header_and_exits_1(stored: Path) -> None:
    out = stored / "none.csv"
    result = runner.invoke(app, ["export", "-o", str(out), "--product", "no-such-product"])
    assert result.exit_code == 1 and "nothing stored matches" in result.stderr
    assert out.read_text().startswith("id,event_id,kind,")


def test_search_finds_stored_summaries_by_their_words(stored: Path) -> None:
    result = runner.invoke(app, ["search", "Vinnova", "--json"])
    assert result.exit_code == 0, result.output
    (found,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert found["headline"] == "Funding for CCRM Nordic from Vinnova"
    assert runner.invoke(app, ["search", "xylophone"]).exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["export", "-o", "out.pdf"],
        ["export", "-o", "out.csv", "--since", "2023-13"],
        ["export", "-o", "out.csv", "--what", "everything"],
        ["export", "-o", "out.csv", "--kind", "typo"],  # not "wrote 0 milestones", exit 0
        ["export", "-o", "out.csv", "--until", "9999-12-31"],  # not a traceback
        ["export", "-o", "out.csv", "--since", "0000-01-01"],
        ["search", "!!!"],
        ["calls", "--since", "99999999d"],
        ["stats", "--since", "99999999d"],
        ["calls", "--since", "9999-12-31T23:59:59-14:00"],
    ],
)
def test_a_wrong_option_is_exit_2_saying_what(args: list[str], tmp_path: Path) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
