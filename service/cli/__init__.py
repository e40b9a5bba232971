"""The ``milestones`` command line. Thin: parse arguments, call the library, print.

Exit status, the same in every command: 0 done; 1 ran, but some articles failed (each
reported on stderr); 2 could not run as asked (an option, a setting or a path that is
wrong: the message says which and what is accepted). No user error prints a traceback.

One module per group of commands, each registering on the one app of ``common``, in the
order ``--help`` lists them.
"""

# ruff: noqa: I001 (the order of these imports is the order of the commands in --help)
from service.cli import summarise, watch, bulk, serve, index, calls, tools
from service.cli.common import app
from service.cli.serve import bind_refusal

__all__ = [
    "app",
    "bind_refusal",
    "bulk",
    "calls",
    "index",
    "main",
    "serve",
    "summarise",
    "tools",
    "watch",
]


def main() -> None:
    """Entry point of the ``milestones`` console script."""
    app()
