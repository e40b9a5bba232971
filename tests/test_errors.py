"""The errors: one tree, drawn where they are defined, each with its kind and whether
the same request may succeed later."""

from __future__ import annotations

import re

from service import errors
from service.errors import MilestonesError


def every_error() -> list[type[MilestonesError]]:
    found: list[type[MilestonesError]] = []
    pending: list[type[MilestonesError]] = [MilestonesError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_is_drawn_in_the_tree_of_its_module() -> None:
    tree = errors.__doc__ or ""
    for cls in every_error():
        if cls.__module__ == "service.errors" and not cls.__name__.startswith("_"):
            assert re.search(rf"\b{cls.__name__}\b", tree), f"{cls.__name__} is not in the tree"


def test_every_error_lives_in_the_errors_module() -> None:
    assert {cls.__module__ for cls in every_error()} == {"service.errors"}


def test_only_what_may_succeed_later_is_transient() -> None:
    transient = {cls.__name__ for cls in every_error() if cls.transient}
    assert transient == {
        "ProviderUnavailable",
        "DeadlineExceeded",
        "Overloaded",
        "StoreUnavailable",
        "FetchUnavailable",
    }
