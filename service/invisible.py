"""Invisible characters: what a page may carry inside a word without a reader seeing it.

Soft hyphens (U+00AD), zero-width spaces, non-joiners and joiners (U+200B-U+200D),
direction marks and embeddings (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069, U+061C),
the word joiner and invisible operators (U+2060-U+2064), byte order marks (U+FEFF),
the Mongolian vowel separator (U+180E), the combining grapheme joiner (U+034F),
variation selectors and tag characters. "ilixa\u00addencel" reads as "ilixadencel",
and must match as it does.

Matching (the engines' text, the cleaner's patterns) and alignment (``service.align``)
ignore them; offsets always point into the text as it was sent, invisible characters
included. Format characters that show (Arabic number signs, say) are not in this list.
"""

from __future__ import annotations

import re

INVISIBLE = (
    "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufe00-\ufe0f\ufeff\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
INVISIBLE_RUN = re.compile(f"[{INVISIBLE}]+")


def visible(text: str) -> str:
    """``text`` without its invisible characters."""
    return INVISIBLE_RUN.sub("", text)
