"""The one bounded cache: recent entries kept in memory, the least recently used dropped.

Every in-memory cache of the service is one of these: recent response bodies
(``http.recent``), summaries lately stored or read (``pipeline``), rendered summary
pages (``web.pages``) and a bulk run's recent results (``bulk.runner``). Bounded by count,
optionally by total weight (a page's characters) and by age (``ttl_s``: an entry older
than that is gone, so a change on another replica is seen within that time). Not
thread-safe: each lives on one event loop, or is guarded by its owner.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """At most ``size`` entries, of total ``weigh`` at most ``weight_max``, each kept at
    most ``ttl_s`` seconds (None: no such bound)."""

    def __init__(
        self,
        size: int,
        *,
        ttl_s: float | None = None,
        weigh: Callable[[V], int] | None = None,
        weight_max: int | None = None,
    ) -> None:
        self.size, self.ttl_s = size, ttl_s
        self._weigh, self._weight_max = weigh, weight_max
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        """The entry for ``key``, if kept and fresh (it becomes the most recent)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self.ttl_s is not None and time.monotonic() - entry[0] > self.ttl_s:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` as the most recent entry; the least recent go while a bound is
        passed (a value heavier than ``weight_max`` alone is not kept at all)."""
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (time.monotonic(), value)
        self._weight += self._weigh(value) if self._weigh else 0
        while self._entries and (
            len(self._entries) > self.size
            or (self._weight_max is not None and self._weight > self._weight_max)
        ):
            self._drop(next(iter(self._entries)))

    def items(self) -> Iterator[tuple[K, V]]:
        """Every entry kept (fresh or not), the least recent first."""
        for key, (_, value) in list(self._entries.items()):
            yield key, value

    def _drop(self, key: K) -> None:
        _, value = self._entries.pop(key)
        self._weight -= self._weigh(value) if self._weigh else 0
