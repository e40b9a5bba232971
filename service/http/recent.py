"""Recent responses: exact repeats of a request body answered from memory.

A CMS re-sending the same article (a retry, a re-publish) sends the same bytes. Their
answer is kept here, per replica, for ``ttl_s``: no parsing, cleaning, store read or
re-grounding. Anything else (the same article with other boilerplate, another replica)
goes through the store's cache. ``latency_ms`` is written into each answer afresh.
"""

from __future__ import annotations

import hashlib
import time

from service.bounded import Bounded

_SENTINEL = b'"latency_ms":-1.0'


class RecentResponses:
    """A bounded, time-limited map from a request's bytes to its cached answer."""

    def __init__(self, size: int = 2048, ttl_s: float = 300.0) -> None:
        self._entries: Bounded[bytes, tuple[bytes, bytes]] = Bounded(size, ttl_s=ttl_s)

    @staticmethod
    def key(*parts: bytes) -> bytes:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.digest()

    def get(self, key: bytes, started: float) -> bytes | None:
        """The answer for ``key`` with this request's latency, if still fresh."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        head, tail = entry
        latency = round((time.perf_counter() - started) * 1000, 1)
        return b'%s"latency_ms":%s%s' % (head, repr(latency).encode(), tail)

    def put(self, key: bytes, body_with_sentinel: bytes) -> None:
        """Keep an answer serialised with ``latency_ms`` = -1.0 (replaced on each use)."""
        head, found, tail = body_with_sentinel.partition(_SENTINEL)
        if not found:
            return
        self._entries.put(key, (head, tail))
