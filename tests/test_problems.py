"""Errors as problem documents: one table, every error in it, headers where they belong."""

from __future__ import annotations

import pytest

from service.errors import (
    ExtractionFailed,
    MilestonesError,
    Overloaded,
    ProviderUnavailable,
    RequestRefused,
    Unauthorized,
)
from service.http.problems import INTERNAL, for_error, problem_of
from tests.test_errors import every_error


def test_every_error_raised_has_an_entry_of_its_own_or_of_a_parent() -> None:
    abstract = {MilestonesError, RequestRefused}  # bases, never raised themselves
    for cls in every_error():
        if cls not in abstract and not cls.__name__.startswith("_"):
            assert problem_of(cls.__new__(cls)) is not INTERNAL, cls.__name__


def test_a_bug_is_a_500_that_details_nothing() -> None:
    document = for_error(KeyError("secret"), 5)
    assert document.status == 500 and "secret" not in str(document.body)


@pytest.mark.parametrize(
    ("error", "status", "header"),
    [
        (Unauthorized("send a key"), 401, ("WWW-Authenticate", "Bearer")),
        (ProviderUnavailable("down", retry_after=2.4), 503, ("Retry-After", "2")),
        (ProviderUnavailable("down"), 503, ("Retry-After", "7")),
        (Overloaded("busy", 0.2), 503, ("Retry-After", "1")),
    ],
)
def test_headers_go_with_their_problems(
    error: MilestonesError, status: int, header: tuple[str, str]
) -> None:
    document = for_error(error, 7)
    assert document.status == status and document.headers is not None
    assert document.headers[header[0]] == header[1]


def test_invalid_model_output_lists_its_errors_in_the_detail_and_apart() -> None:
    document = for_error(ExtractionFailed("still invalid", ["a: wrong", "b: missing"]), 5)
    assert document.status == 502 and document.body["errors"] == ["a: wrong", "b: missing"]
    assert document.body["detail"] == "still invalid: a: wrong; b: missing"
