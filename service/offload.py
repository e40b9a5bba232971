"""CPU-bound steps off the event loop.

Reading an HTML page, cleaning, the rules engine and grounding are plain Python work
whose cost grows with the article. Run on the event loop, one long article would hold up
every other request, ``/healthz`` included, and no deadline could fire until it ended.
``off_loop`` runs such a step in a small pool of worker threads instead: the loop stays
free to serve, and a caller's deadline (``asyncio.timeout``) fires on time. Every step
is linear in the article's length, so one that outlives its caller's deadline ends soon
after in its thread, and its result is dropped.

Threads, not processes: the steps share the lexicon and the compiled patterns; their
inputs and outputs are large strings that a process pool would copy both ways; and
Python hands the interpreter to another thread every few milliseconds (each regex call
here is short), so the loop gets its turn.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREADS = min(4, os.cpu_count() or 1)
# Below this many characters, a step that grows with its text (cleaning, re-grounding,
# parsing a body) runs on the loop at once: it takes about a millisecond, less than a
# hop to a busy pool costs the loop in turns handed over.
INLINE_MAX_CHARS = 10_000
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="milestones-cpu")
    return _pool


async def off_loop(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``step(*args, **kwargs)`` in a worker thread; the event loop serves meanwhile."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, step, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor(), call)


async def off_loop_for(length: int, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``off_loop`` for a step whose work grows with ``length`` characters; a short one
    (under ``INLINE_MAX_CHARS``) runs at once on the loop."""
    if length < INLINE_MAX_CHARS:
        return step(*args, **kwargs)
    return await off_loop(step, *args, **kwargs)


async def store_call(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A blocking store call, in a thread (``asyncio.to_thread``). If the caller is
    cancelled meanwhile (its replica stopping), the call is let finish before the
    cancellation goes on: a thread cannot be stopped, and the store may be closed right
    after (a connection still out would then leak)."""
    work = asyncio.ensure_future(asyncio.to_thread(call, *args, **kwargs))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        await asyncio.wait([work])
        raise
