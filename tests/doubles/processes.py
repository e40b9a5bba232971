"""A server in a child process, for benchmarks and end-to-end tests: started, waited for
until ``/healthz`` answers, and stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without the developer's model and milestones settings, plus
    ``settings``."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MILESTONES_"))}
    return kept | settings


@contextmanager
def server_process(
    module_args: list[str],
    port: int,
    env: dict[str, str] | None = None,
    *,
    program: list[str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m <module_args>`` (or ``program`` with them) in ``cwd``, the project's
    root by default, once it answers /healthz on ``port``; terminated at the end unless it
    already exited (a test may kill it)."""
    command = [*(program or [sys.executable, "-m"]), *module_args]
    process = subprocess.Popen(command, env=env, cwd=cwd, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(module_args)} exited ({process.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(module_args)} did not answer /healthz in 30 s")
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
