"""The wheel, installed where there is no repository: what a user of ``pip install`` gets.

Builds the wheel, installs it into a fresh virtual environment with the interpreter's own
pip (the oldest pip a user is likely to have), and runs the commands from an empty
folder. Installing the dependencies needs the package index (or pip's cache).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.doubles.fake_openai import free_port
from tests.doubles.processes import ROOT, clean_env, server_process

# Slow (a child process, a browser or a wheel built): left out of `make check`.
pytestmark = pytest.mark.slow

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


@dataclass(frozen=True)
class Installed:
    bin: Path  # the fresh environment's scripts
    home: Path  # an empty working folder outside the repository
    pip_version: str

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "milestones"), *args],
            cwd=self.home,
            env=clean_env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )


def _check(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    dist, venv, home = root / "dist", root / "venv", root / "home"
    home.mkdir()
    _check([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), "."], ROOT)
    [wheel] = dist.glob("milestones-*.whl")
    _check([sys.executable, "-m", "venv", str(venv)], root)  # with the interpreter's pip
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    version = _check([*pip, "--version"], root).split()[1]
    log = _check([*pip, "install", "-c", str(ROOT / "constraints.txt"), str(wheel)], root)
    assert "Successfully installed" in log
    yield Installed(venv / "bin", home, version)
    shutil.rmtree(root, ignore_errors=True)


def test_the_wheel_holds_every_package_and_data_file(installed: Installed) -> None:
    probe = (
        "import json, pathlib, service, schemas, prompts, service.bulk.runner;"
        "from service.http.openapi import EXAMPLES;"
        "from service.prompt import load_prompt;"
        "print(json.dumps([service.__file__, sorted(p.name for p in EXAMPLES.iterdir()),"
        " (pathlib.Path(service.__file__).parent / 'py.typed').exists()]))"
    )
    done = subprocess.run(
        [str(installed.bin / "python"), "-c", probe],
        cwd=installed.home,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr
    where, examples, typed = json.loads(done.stdout)
    assert not Path(where).is_relative_to(ROOT)  # the installed copy, not the source tree
    assert examples == ["article.html", "article.ninjs.json", "article.txt"]
    assert typed


def test_version_summarise_and_bulk_run_outside_the_repository(installed: Installed) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = installed.run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"milestones {project['version']}"

    one = installed.run("summarise", str(SEEDS[0]), "--engine", "rules", "--json")
    assert one.returncode == 0, one.stderr
    [record] = [json.loads(line) for line in one.stdout.splitlines()]
    assert record["summary"]["milestones"]

    articles = installed.home / "articles"
    articles.mkdir()
    for seed in SEEDS[:2]:
        shutil.copy(seed, articles / seed.name)
    bulk = installed.run(
        "bulk", "articles", "-o", "out.jsonl", "--engine", "rules", "--no-progress"
    )
    assert bulk.returncode == 0, bulk.stderr
    lines = (installed.home / "out.jsonl").read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["summary"] for line in lines)


def test_serve_answers_with_its_documented_examples(installed: Installed) -> None:
    port = free_port()
    with server_process(
        ["serve", "--port", str(port)],
        port,
        clean_env(MILESTONES_ENGINE="rules"),
        program=[str(installed.bin / "milestones")],
        cwd=installed.home,
    ):
        base = f"http://127.0.0.1:{port}"
        spec = httpx.get(f"{base}/openapi.json", timeout=10).json()
        content = spec["paths"]["/v1/summaries"]["post"]["requestBody"]["content"]
        examples = content["application/json"]["examples"]
        assert set(examples) == {"text", "html", "ninjs"}
        answer = httpx.post(f"{base}/v1/summaries", json=examples["text"]["value"], timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["summary"]["milestones"]
        docs = httpx.get(f"{base}/docs", timeout=10)
        assert docs.status_code == 200 and "cdn" not in docs.text.lower()
        page = httpx.get(f"{base}/summaries/{answer.json()['id']}", timeout=10)
        assert page.status_code == 200 and 'class="article"' in page.text  # templates shipped
        for asset in ("/static/app.css", "/static/app.js"):
            assert httpx.get(f"{base}{asset}", timeout=10).status_code == 200, asset


def test_the_install_used_the_interpreters_own_pip(installed: Installed) -> None:
    """The dependencies (lxml_html_clean among them) installed, and the commands above ran,
    with the pip that comes with the interpreter (23.x on Python 3.11), not an upgrade."""
    import ensurepip

    assert installed.pip_version == ensurepip.version()
