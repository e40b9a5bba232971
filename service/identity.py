"""Versions by content: what makes results is named by a hash of it.

A prompt's files, the rules engine's word lists and code: each is identified by a short
hash of its bytes, which goes into ``meta.prompt_version`` and the cache key. Edit any
of them in place, and results made before are no longer served for what it is now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def content_digest(parts: Iterable[bytes]) -> str:
    """A short hash of content made of ``parts`` (each length-prefixed, in order)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:12]
