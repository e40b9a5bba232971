"""JSON from outside (request bodies, bulk rows), parsed only when shallow enough.

Python's parser recurses once per level of nesting: ``[`` × 50,000 ends in a
RecursionError, and even a few hundred levels make every later walk of the value
(validation, hashing, dumping) deep. Nesting is measured first, in one pass over the
brackets and strings of the text (linear in its length), and a document nested deeper
than ``MAX_DEPTH`` is refused before it is parsed. No article format comes near it:
ninjs is a few levels deep.
"""

from __future__ import annotations

import json
import re

from service.errors import InputError

MAX_DEPTH = 64

_SIGNIFICANT = re.compile(r'[\[\]{}"\\]')


class TooDeep(InputError):
    """A JSON document nested deeper than ``MAX_DEPTH``."""


def too_deep_at(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset where ``text``'s nesting first goes deeper than ``limit``, else None.
    Brackets inside strings do not count; the text need not be valid JSON."""
    depth = 0
    in_string = False
    escaped = -1  # the offset of a character escaped by a backslash
    for match in _SIGNIFICANT.finditer(text):
        at = match.start()
        if at == escaped:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                escaped = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return at
        elif char in "]}":
            depth -= 1
    return None


def loads(text: str, limit: int = MAX_DEPTH) -> object:
    """``json.loads``, refusing (``TooDeep``) a document nested deeper than ``limit``;
    invalid JSON raises ``json.JSONDecodeError`` as usual."""
    at = too_deep_at(text, limit)
    if at is not None:
        raise TooDeep(f"the JSON is nested deeper than {limit} levels (at character {at})")
    return json.loads(text)
