"""Using the command line wrongly: every mistake exits 2 with a line that says what is
wrong and what is accepted, never a traceback; help and tables fit an 80-column terminal."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from click.testing import Result
from rich.console import Console
from typer.testing import CliRunner

from service.article import Article
from service.cli import app
from service.engines.rules import RulesEngine
from service.pipeline import summarise
from service.render import summary_panel
from tests.doubles.processes import ROOT, clean_env

SEED = str(ROOT / "seeds" / "000_2ec0818c34523e87.txt")
GOLD = str(ROOT / "tests" / "data" / "seeds.gold.jsonl")

# (variable, value, what the message must say is accepted)
BAD_SETTINGS = [
    ("MILESTONES_ENGINE", "foo", "one of auto, llm or rules"),
    ("MILESTONES_MAX_REASKS", "abc", "a whole number from 0 to 10"),
    ("MILESTONES_MAX_REASKS", "11", "a whole number from 0 to 10"),
    ("MILESTONES_DEADLINE_S", "-1", "a number above 0"),
    ("MILESTONES_TEMPERATURE", "hot", "a number from 0 to 2"),
    ("MILESTONES_FALLBACK", "maybe", "true or false"),
    ("MILESTONES_MODE", "xml", "one of auto, tools, json_schema or json_object"),
    ("MILESTONES_PRICES", "{not json", "JSON: model name to [input, output]"),
    ("MILESTONES_PRICES", '{"m": [1]}', "JSON: model name to [input, output]"),
    ("MILESTONES_MAX_BODY_BYTES", "10", "a whole number, at least 1000"),
    ("DATABASE_URL", "mysql://db/milestones", "sqlite:///path/to/file.sqlite3 (a file"),
    # An SQLite store in memory would start, say "store ok", and keep nothing.
    ("DATABASE_URL", "sqlite:///", "sqlite:///path/to/file.sqlite3 (a file, not :memory:)"),
    ("DATABASE_URL", "sqlite:///:memory:", "sqlite:///path/to/file.sqlite3 (a file"),
    ("OPENAI_BASE_URL", "localhost:8000/v1", "an http(s) URL"),
    ("MILESTONES_WEBHOOK_SECRET", "whsec_c2hvcnQ=", "whsec_ and 24 to 64 bytes in base64"),
    ("MILESTONES_JOB_WORKERS", "100", "a whole number from 0 to 64"),
]
COMMANDS = [
    ["summarise", SEED],
    ["bulk", SEED, "-o", "out.jsonl", "--no-progress"],
    ["eval", GOLD, "--articles", str(ROOT / "seeds")],
    ["serve"],
]


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Result:
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(app, args)


def assert_usage_error(result: Result, *says: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    flat = " ".join(result.stderr.split())
    for words in says:
        assert words in flat, (words, result.stderr)


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
@pytest.mark.parametrize(("name", "value", "accepted"), BAD_SETTINGS)
def test_a_bad_setting_names_the_variable_the_value_and_what_is_accepted(
    command: list[str],
    name: str,
    value: str,
    accepted: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv(name, value)
    result = run(command, monkeypatch, tmp_path)
    shown = "(value hidden)" if "SECRET" in name else repr(value)
    assert_usage_error(result, f"error: {name} {'is ' if 'SECRET' not in name else ''}{shown}")
    assert_usage_error(result, f"expected {accepted}")


def test_every_bad_setting_is_listed_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MILESTONES_ENGINE", "foo")
    monkeypatch.setenv("MILESTONES_MAX_REASKS", "abc")
    result = run(["summarise", SEED], monkeypatch, tmp_path)
    assert_usage_error(result, "MILESTONES_ENGINE is 'foo'", "MILESTONES_MAX_REASKS is 'abc'")
    assert len(result.stderr.strip().splitlines()) == 2


def test_a_password_in_a_database_url_is_not_echoed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://editor:hunter2@db/milestones")
    result = run(["bulk", SEED, "-o", "out.jsonl"], monkeypatch, tmp_path)
    assert_usage_error(result, "DATABASE_URL is 'mysql://editor:***@db/milestones'")
    assert "hunter2" not in result.output


BAD_USE = [
    (["summarise", "no/such.txt"], ["no such file or directory: no/such.txt"]),
    (["bulk", "no/such", "-o", "out.jsonl"], ["no such file or directory: no/such"]),
    (["eval", "no/gold.jsonl"], ["no such file or directory: no/gold.jsonl"]),
    (["eval", GOLD, "no/results.jsonl"], ["no such file or directory: no/results.jsonl"]),
    (["eval", GOLD, "--articles", "no/dir"], ["no such file or directory: no/dir"]),
    (["summarise", SEED, "--engine", "magic"], ["'magic' is not one of 'auto', 'llm', 'rules'"]),
    (["bulk", SEED, "--engine", "magic", "-o", "o"], ["'magic' is not one of"]),
    (["summarise", SEED, "--concurrency", "0"], ["--concurrency"]),
    (["bulk", SEED], ["Missing option '-o' / '--out'"]),
    (["serve", "--port", "70000"], ["--port"]),
    (["serve", "--host", "0.0.0.0"], ["refusing to serve on 0.0.0.0 without API keys"]),
    (["summarise", SEED, "--engine", "llm"], ["OPENAI_API_KEY", "OPENAI_BASE_URL"]),
    (["bulk", SEED, "-o", "o", "--batch-api", "--engine", "rules"], ["--batch-api needs"]),
    (["summarise", SEED, "--no-such-flag"], ["No such option: --no-such-flag"]),
    (["frobnicate"], ["No such command 'frobnicate'"]),
]


@pytest.mark.parametrize(("args", "says"), BAD_USE, ids=[" ".join(a[:2]) for a, _ in BAD_USE])
def test_bad_paths_and_flags_exit_2_with_the_reason(
    args: list[str], says: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert_usage_error(run(args, monkeypatch, tmp_path), *says)


def test_an_unreachable_store_is_named_with_its_host_and_the_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://editor:hunter2@127.0.0.1:1/milestones")
    result = run(["bulk", SEED, "-o", "out.jsonl", "--engine", "rules"], monkeypatch, tmp_path)
    assert_usage_error(
        result, "cannot open the store at postgresql://editor:***@127.0.0.1:1/milestones"
    )
    assert "refused" in result.stderr.lower() and "hunter2" not in result.output


@pytest.mark.slow  # a child process or a server on a socket
@pytest.mark.parametrize(
    "args",
    [
        ["summarise", "no/such.txt"],
        ["bulk", SEED, "-o", "out.jsonl", "--engine", "bogus"],
    ],
)
def test_the_installed_command_prints_no_traceback(args: list[str], tmp_path: Path) -> None:
    """The console script itself, in a child process, with a bad setting as well."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "milestones"), *args],
        cwd=tmp_path,
        env=clean_env(MILESTONES_MAX_REASKS="lots"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith(("error:", "Usage:"))


# -- fit in 80 columns --------------------------------------------------------------------

HELP = [[], ["summarise"], ["bulk"], ["eval"], ["serve"], ["webhook-secret"]]


@pytest.mark.parametrize("command", HELP, ids=[" ".join(c) or "milestones" for c in HELP])
def test_help_fits_80_columns_with_every_option_whole_and_explained(
    command: list[str],
) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout  # nothing cut off: no option, no command's summary
    assert not [x for x in lines if re.search(r"\w\.\.\.$", x) and not x.startswith("Usage")]
    for param in click_params(command):
        for name in param.opts if param.param_type_name == "option" else ():
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", result.stdout), name
        assert getattr(param, "help", None), param.name


def click_params(command: list[str]) -> list[Any]:
    group: Any = typer.main.get_command(app)
    found = group.commands[command[0]] if command else group
    return [p for p in found.params if not getattr(p, "hidden", False)]


WIDE = (
    "Northwestern Regenerative Biotherapeutics Incorporated announced that the U.S. Food "
    "and Drug Administration has granted Regenerative Medicine Advanced Therapy designation "
    "to NRB-4410 for amyotrophic lateral sclerosis.\n"
    "The Committee for Advanced Therapies of the European Medicines Agency adopted a positive "
    "opinion on NRB-4410 for amyotrophic lateral sclerosis.\n"
)


def test_the_table_fits_80_columns_without_breaking_a_word() -> None:
    record = asyncio.run(summarise(Article(WIDE), RulesEngine()))
    assert len(record.summary.milestones) >= 2
    console = Console(width=80, record=True, color_system=None)
    console.print(summary_panel(record, evidence=True))
    shown = console.export_text()
    assert max(len(line) for line in shown.splitlines()) <= 80
    tokens = set(re.findall(r"[^\s│┃┆╎║|“”]+", shown))
    for m in record.summary.milestones:
        for field in (m.title, m.organisation, m.authority or "", m.evidence):
            for word in field.split():
                if len(word) <= 20:  # a word longer than a column must fold
                    assert word.strip("“”") in tokens, (word, shown)


def test_serve_says_where_the_docs_are(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started: list[int] = []
    monkeypatch.setattr("uvicorn.run", lambda app, host, port, **_: started.append(port))
    result = run(["serve", "--port", "8123"], monkeypatch, tmp_path)
    assert result.exit_code == 0 and started == [8123]
    assert "http://127.0.0.1:8123/docs" in result.stderr
    assert "http://127.0.0.1:8123/redoc" in result.stderr


def test_serving_on_a_port_in_use_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["serve", "--port", str(port)], monkeypatch, tmp_path)
    assert_usage_error(result, f"cannot listen on 127.0.0.1:{port}: Address already in use")
