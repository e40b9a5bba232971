"""JSON from outside is measured for nesting before it is parsed."""

from __future__ import annotations

import json

import pytest

from service import safe_json
from service.errors import UnusableJSON


def test_nesting_is_counted_outside_strings_only() -> None:
    assert safe_json.too_deep_at('[[["[[[[[[[[["]]]', limit=3) is None
    assert safe_json.too_deep_at('[[[["x"]]]]', limit=3) == 3
    assert safe_json.too_deep_at('{"a": {"b": [1]}}', limit=3) is None
    assert safe_json.too_deep_at('{"a": {"b": [{}]}}', limit=3) == 13


def test_escaped_quotes_do_not_end_a_string() -> None:
    text = json.dumps({"text": 'He said \\"[[[[" and left\\\\'}) + "[[[["
    assert safe_json.too_deep_at(text, limit=3) == len(text) - 1


def test_a_document_too_deep_is_refused_before_it_is_parsed() -> None:
    with pytest.raises(UnusableJSON, match="nested deeper than 64 levels"):
        safe_json.loads("[" * 100_000)
    assert safe_json.loads("[" * 64 + "]" * 64) is not None


def test_what_the_parser_accepts_but_nothing_can_use_is_refused_too() -> None:
    with pytest.raises(UnusableJSON, match="not JSON"):
        safe_json.loads('{"a": ')
    with pytest.raises(UnusableJSON, match="cannot be read"):
        safe_json.loads('{"id": ' + "1" * 5000 + "}")  # more digits than Python converts
    with pytest.raises(UnusableJSON, match="lone surrogate"):
        safe_json.loads('{"text": ["ok", {"\\ud800": 1}]}')
    with pytest.raises(UnusableJSON, match="lone surrogate"):
        safe_json.loads('{"text": "Acme \\udc00 Bio"}')
    assert safe_json.loads('{"text": "\\ud83d\\ude00"}') == {"text": "\U0001f600"}
