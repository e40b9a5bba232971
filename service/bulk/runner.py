"""A bulk run: every item of an input summarised into a JSON Lines file, resumably.

- Items stream through a bounded queue to ``concurrency`` workers: memory stays flat.
- Model requests go through an ``AdaptiveGate`` (AIMD on 429, Retry-After, RPM/TPM caps).
- Items already in OUT (same id and content hash) are skipped; the rest use the cache,
  so syndicated copies of one release cost one model call.
- A near-duplicate (the same release lightly edited) reuses an earlier result of this run
  only if every evidence quote of that result is found again in its text.
- Failures go to ``OUT.errors.jsonl`` and never stop the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import SummaryRecord
from service.bulk.items import Item
from service.bulk.results import LineWriter, errors_path, read_lines
from service.cache import SummaryCache, cache_key, reground
from service.engines import Engine
from service.errors import ExtractionFailed, InputError, MilestonesError
from service.pipeline import Article, prepare

SHINGLE_WORDS = 5
SKETCH_SIZE = 64
NEAR_DUPLICATE_SIMILARITY = 0.8
RECENT_RESULTS = 2000


@dataclass
class Report:
    """What a bulk run did."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    cached: int = 0
    near_duplicates: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_requests: int = 0
    started: float = field(default_factory=time.perf_counter)
    wall_s: float = 0.0

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def throughput_per_min(self) -> float:
        return self.finished / self.wall_s * 60 if self.wall_s else 0.0


def _sketch(text: str) -> frozenset[int]:
    """A bottom-k MinHash sketch of the text's word shingles."""
    words = text.split()
    shingles = {
        " ".join(words[i : i + SHINGLE_WORDS])
        for i in range(max(1, len(words) - SHINGLE_WORDS + 1))
    }
    hashes = sorted(
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles
    )
    return frozenset(hashes[:SKETCH_SIZE])


def _similarity(a: frozenset[int], b: frozenset[int]) -> float:
    """Estimated Jaccard similarity of two bottom-k sketches."""
    union = sorted(a | b)[:SKETCH_SIZE]
    if not union:
        return 0.0
    return sum(1 for h in union if h in a and h in b) / len(union)


class RecentResults:
    """The last results of this run, to find near-duplicates among (bounded)."""

    def __init__(self, size: int = RECENT_RESULTS) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[frozenset[int], SummaryRecord]] = OrderedDict()

    def add(self, item_id: str, text: str, record: SummaryRecord) -> None:
        self._entries[item_id] = (_sketch(text), record)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def most_similar(self, text: str) -> tuple[str, SummaryRecord] | None:
        sketch = _sketch(text)
        best: tuple[float, str, SummaryRecord] | None = None
        for item_id, (other, record) in self._entries.items():
            score = _similarity(sketch, other)
            if score >= NEAR_DUPLICATE_SIMILARITY and (best is None or score > best[0]):
                best = (score, item_id, record)
        return (best[1], best[2]) if best else None


def done_keys(out: Path) -> set[tuple[str, str]]:
    """(id, content hash) of every item already in OUT."""
    return {
        (str(line["id"]), str(line.get("content_hash", "")))
        for line in read_lines(out)
        if "id" in line
    }


def failed_ids(errors: Path) -> set[str]:
    return {str(line["id"]) for line in read_lines(errors) if "id" in line}


def compact_errors(errors: Path, succeeded: set[str]) -> None:
    """Keep each still-failing item's latest error; drop those that have succeeded."""
    latest: dict[str, dict[str, Any]] = {}
    for line in read_lines(errors):
        if str(line.get("id")) not in succeeded:
            latest[str(line.get("id"))] = line
    if not latest:
        errors.unlink(missing_ok=True)
        return
    temporary = errors.with_name(errors.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for line in latest.values():
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    temporary.replace(errors)


class BulkRun:
    """Runs one bulk job; ``progress`` is told about each finished item."""

    def __init__(
        self,
        cache: SummaryCache,
        engine: Engine,
        out: Path,
        *,
        concurrency: int,
        retry_errors: bool = False,
        on_item: Any = None,
    ) -> None:
        self.cache = cache
        self.engine = engine
        self.out = out
        self.errors = errors_path(out)
        self.concurrency = concurrency
        self.retry_errors = retry_errors
        self.on_item = on_item
        self.report = Report()
        self.recent = RecentResults()
        self._succeeded: set[str] = set()

    async def run(self, items: Iterator[Item]) -> Report:
        done = done_keys(self.out)
        wanted = failed_ids(self.errors) if self.retry_errors else None
        results, errors = LineWriter(self.out), LineWriter(self.errors)
        queue: asyncio.Queue[Item | None] = asyncio.Queue(maxsize=self.concurrency * 2)

        async def produce() -> None:
            for item in items:
                self.report.total += 1
                if (item.id, item.content_hash) in done or (
                    wanted is not None and item.id not in wanted
                ):
                    self.report.skipped += 1
                    self._tell(item, "skipped")
                    continue
                await queue.put(item)
            for _ in range(self.concurrency):
                await queue.put(None)

        async def work() -> None:
            while (item := await queue.get()) is not None:
                await self._one(item, results, errors)

        try:
            await asyncio.gather(produce(), *(work() for _ in range(self.concurrency)))
        finally:
            results.close()
            errors.close()
            compact_errors(self.errors, self._succeeded | {key[0] for key in done})
            self.report.wall_s = time.perf_counter() - self.report.started
        return self.report

    def _tell(self, item: Item, outcome: str) -> None:
        if self.on_item is not None:
            self.on_item(item, outcome, self.report)

    async def _one(self, item: Item, results: LineWriter, errors: LineWriter) -> None:
        try:
            if item.error is not None:
                raise InputError(item.error)
            assert item.text is not None
            article = Article(item.text, item.published_at, item.source, item.url, item.id)
            record, near = await self._summarise(article)
        except MilestonesError as error:
            self.report.failed += 1
            line: dict[str, Any] = {"id": item.id, "kind": error.kind, "detail": error.detail}
            if isinstance(error, ExtractionFailed):
                line["errors"] = error.errors
            errors.write(line)
            self._tell(item, "failed")
            return
        meta = record.meta
        if meta.cached:
            self.report.cached += 1
        else:
            self.report.prompt_tokens += meta.usage.prompt_tokens
            self.report.completion_tokens += meta.usage.completion_tokens
            self.report.model_requests += meta.requests
        line = {"id": item.id, "content_hash": item.content_hash, **record.model_dump(mode="json")}
        if near is not None:
            self.report.near_duplicates += 1
            line["near_duplicate_of"] = near
        results.write(line)
        self.report.done += 1
        self._succeeded.add(item.id)
        self._tell(item, "cached" if meta.cached else "done")

    async def _summarise(self, article: Article) -> tuple[SummaryRecord, str | None]:
        context = prepare(article)
        key = cache_key(context, article.published_at, self.engine)
        if await asyncio.to_thread(self.cache.store.get, key) is None:
            similar = self.recent.most_similar(context.normalised_text)
            if similar is not None:
                earlier_id, earlier = similar
                summary = reground(earlier.summary, context)
                if summary is not None:  # every earlier quote is found again in this text
                    meta = earlier.meta.model_copy(update={"cached": True})
                    source = article.source or article.url
                    return SummaryRecord(source=source, summary=summary, meta=meta), earlier_id
        outcome = await self.cache.summarise(article, self.engine)
        if not outcome.record.meta.cached:
            self.recent.add(article.id or "", context.normalised_text, outcome.record)
        return outcome.record, None
