"""The one backoff policy: exponential, with full jitter, capped.

The wait before retry number ``n`` (1-based) is drawn uniformly from
``[0, min(max_s, initial_s · 2^(n-1))]`` (tenacity's ``wait_random_exponential``): the
transport's retries of a model request, a job's runs after a transient failure and a
webhook's deliveries all wait so, each with its own pair of settings
(``MILESTONES_BACKOFF_*``, ``MILESTONES_JOB_BACKOFF_*``, ``MILESTONES_WEBHOOK_BACKOFF_*``:
``_INITIAL_S`` and ``_MAX_S``). Full jitter spreads the retries of many clients that
failed together; a server's ``Retry-After``, when it sends one, wins over it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from tenacity import wait_random_exponential
from tenacity.wait import wait_base


@dataclass(frozen=True)
class Backoff:
    """Waits of ``initial_s`` doubling up to ``max_s``, with full jitter."""

    initial_s: float
    max_s: float
    _wait: wait_base = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_wait", wait_random_exponential(multiplier=self.initial_s, max=self.max_s)
        )

    def wait(self) -> wait_base:
        """The policy as a tenacity wait (for a ``tenacity.AsyncRetrying``)."""
        return self._wait

    def before(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1-based)."""
        state: Any = SimpleNamespace(attempt_number=max(1, attempt))
        return float(self._wait(state))
