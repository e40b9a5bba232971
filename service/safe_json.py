"""JSON from outside (request bodies, bulk rows), parsed only when it is safe to.

Python's parser recurses once per level of nesting: ``[`` × 50,000 ends in a
RecursionError, and even a few hundred levels make every later walk of the value
(validation, hashing, dumping) deep. Nesting is measured first, in one pass over the
brackets and strings of the text (linear in its length), and a document nested deeper
than ``MAX_DEPTH`` is refused before it is parsed. No article format comes near it:
ninjs is a few levels deep.

What the parser itself accepts but nothing after it can use is refused too: an integer
of more digits than Python converts (a ValueError that is not a decoding error), and a
string holding a lone surrogate (``"\\ud800"``), which is not Unicode text and cannot be
written out again.
"""

from __future__ import annotations

import json
import re

from service.errors import UnusableJSON

MAX_DEPTH = 64

_SIGNIFICANT = re.compile(r'[\[\]{}"\\]')


def too_deep_at(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The offset where ``text``'s nesting first goes deeper than ``limit``, else None.
    Brackets inside strings do not count; the text need not be valid JSON."""
    if text.count("[") + text.count("{") <= limit:
        return None  # too few openings to go that deep, wherever they stand
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


def _lone_surrogate(value: object) -> bool:
    """Whether a string anywhere in ``value`` (keys included) holds a lone surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def loads(text: str, limit: int = MAX_DEPTH) -> object:
    """The value of a JSON document, or ``UnusableJSON`` saying why there is none to use."""
    at = too_deep_at(text, limit)
    if at is not None:
        raise UnusableJSON(f"the JSON is nested deeper than {limit} levels (at character {at})")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnusableJSON(f"it is not JSON: {error.msg} at position {error.pos}") from None
    except ValueError as error:  # an integer too long to convert, say
        raise UnusableJSON(f"the JSON cannot be read: {error}") from None
    if _lone_surrogate(value):
        raise UnusableJSON("the JSON holds a lone surrogate escape (such as \\ud800): not text")
    return value
