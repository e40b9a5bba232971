"""A bulk run: every item of an input summarised into a JSON Lines file, resumably.

- Items stream through a bounded queue to ``concurrency`` workers: memory stays flat.
- Model requests go through an ``AdaptiveGate`` (AIMD on 429, Retry-After, RPM/TPM caps).
- Items already in OUT (same id and content hash) are skipped; the rest go through the
  one path (``service.pipeline.Summariser``), with its cache: syndicated copies of one
  release cost one model call.
- A near-duplicate (the same release lightly edited) reuses an earlier result of this run
  only if every evidence quote of that result is found again in its text.
- Failures go to ``OUT.errors.jsonl`` and never stop the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import SummaryRecord
from schemas.v2 import Version, json_in
from service import calls
from service.article import PreparedArticle
from service.bounded import Bounded
from service.bulk.items import Item
from service.bulk.results import LineWriter, errors_path, read_lines
from service.engines import ArticleRequest, BatchSettings, Engine, EngineRun
from service.errors import ConfigurationError, ExtractionFailed, InputError, MilestonesError
from service.fetch import Fetcher, article_input
from service.offload import off_loop, off_loop_for
from service.pipeline import Summariser

log = logging.getLogger("milestones.bulk")

SHINGLE_WORDS = 5
SKETCH_SIZE = 64
NEAR_DUPLICATE_SIMILARITY = 0.8
RECENT_RESULTS = 256


@dataclass
class BulkReport:
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
        # Compact: the sketch and the record's JSON (parsed again only on reuse).
        self._entries: Bounded[str, tuple[frozenset[int], str]] = Bounded(size)

    def add(self, item_id: str, text: str, record: SummaryRecord) -> None:
        self._entries.put(item_id, (_sketch(text), record.model_dump_json()))

    def most_similar(self, text: str) -> tuple[str, SummaryRecord] | None:
        sketch = _sketch(text)
        best: tuple[float, str, str] | None = None
        for item_id, (other, record) in self._entries.items():
            score = _similarity(sketch, other)
            if score >= NEAR_DUPLICATE_SIMILARITY and (best is None or score > best[0]):
                best = (score, item_id, record)
        return (best[1], SummaryRecord.model_validate_json(best[2])) if best else None


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
        summariser: Summariser,
        engine: Engine,
        out: Path,
        *,
        concurrency: int,
        retry_errors: bool = False,
        near_duplicates: bool = True,
        batch: BatchSettings | None = None,
        on_item: Any = None,
        on_summary: Callable[[str, SummaryRecord, str], object] | None = None,
        schema: Version = "v2",
    ) -> None:
        self.summariser = summariser
        self.schema = schema
        self.engine = engine
        self.out = out
        self.errors = errors_path(out)
        self.concurrency = concurrency
        self.retry_errors = retry_errors
        self.near_duplicates = near_duplicates
        self.batch = batch
        self.on_item = on_item
        # Told of each summary written (its item's id, the record, the text its spans
        # refer to), off the event loop: the standalone pages (--html) are written so.
        self.on_summary = on_summary
        self.report = BulkReport()
        self.recent = RecentResults()
        self._succeeded: set[str] = set()
        self._places: dict[str, str] = {}  # each id's place in the input, where first seen
        self.fetcher: Fetcher | None = None  # for rows given by URL (made when first needed)

    async def run(self, items: Iterator[Item]) -> BulkReport:
        done = done_keys(self.out)
        wanted = failed_ids(self.errors) if self.retry_errors else None
        results, errors = LineWriter(self.out), LineWriter(self.errors)
        queue: asyncio.Queue[Item | None] = asyncio.Queue(maxsize=self.concurrency * 2)

        async def produce() -> None:
            try:
                for item in _readable(items, errors, self.report):
                    if self._admitted(item, done, wanted, errors):
                        await queue.put(item)
            finally:
                for _ in range(self.concurrency):
                    await queue.put(None)

        async def work() -> None:
            while (item := await queue.get()) is not None:
                await self._one(item, results, errors)

        try:
            if self.batch is None:
                await asyncio.gather(produce(), *(work() for _ in range(self.concurrency)))
            else:
                await self._run_batch(items, done, wanted, results, errors)
        finally:
            results.close()
            errors.close()
            if self.fetcher is not None:
                await self.fetcher.aclose()
            compact_errors(self.errors, self._succeeded | {key[0] for key in done})
            self.report.wall_s = time.perf_counter() - self.report.started
        return self.report

    async def _run_batch(
        self,
        items: Iterator[Item],
        done: set[tuple[str, str]],
        wanted: set[str] | None,
        results: LineWriter,
        errors: LineWriter,
    ) -> None:
        """Stored items at once; the rest through one provider batch, then the normal path
        for any answer that is missing or invalid. Each article is extracted and cleaned
        once; those waiting for the batch are held, prepared, in memory."""
        batch = self.engine.batch
        if batch is None:
            raise ConfigurationError("--batch-api needs an engine with a batch API (llm)")
        assert self.batch is not None
        waiting: dict[str, tuple[Item, PreparedArticle]] = {}
        with tempfile.TemporaryDirectory() as directory:
            requests = Path(directory) / "batch.jsonl"
            with requests.open("w", encoding="utf-8") as handle:
                for item in _readable(items, errors, self.report):
                    if not self._admitted(item, done, wanted, errors):
                        continue
                    try:
                        prepared = await self._prepare(item)
                    except Exception as error:
                        self._failed(item, error, errors)
                        continue
                    if await self.summariser.is_stored(prepared, self.engine):
                        await self._one(item, results, errors, prepared)
                        continue
                    custom_id = f"r{len(waiting)}"
                    waiting[custom_id] = (item, prepared)
                    handle.write(batch.request_line(custom_id, ArticleRequest(prepared)) + "\n")
            answers = await batch.run(requests, self.batch) if waiting else {}
        for custom_id, (item, prepared) in waiting.items():
            answer = await off_loop(batch.parse, answers.get(custom_id), prepared)
            await self._one(item, results, errors, prepared, answer)

    def _admitted(
        self,
        item: Item,
        done: set[tuple[str, str]],
        wanted: set[str] | None,
        errors: LineWriter,
    ) -> bool:
        """Count the item, and whether to run it: not if OUT has it already, or
        --retry-errors does not want it, or an earlier item of the input has its id (the
        first one wins; this one is an error line, under its place in the input)."""
        self.report.total += 1
        place = item.where or item.id
        first = self._places.setdefault(item.id, place)
        if first != place:
            detail = f"id {item.id!r} is used again at {place}: the first, at {first}, is kept"
            errors.write({"id": place, "kind": "duplicate_id", "detail": detail})
            self.report.failed += 1
            self._tell(item, "failed")
            return False
        if (item.id, item.content_hash) in done or (wanted is not None and item.id not in wanted):
            self.report.skipped += 1
            self._tell(item, "skipped")
            return False
        return True

    def _tell(self, item: Item, outcome: str) -> None:
        if self.on_item is not None:
            self.on_item(item, outcome, self.report)

    async def _prepare(self, item: Item) -> PreparedArticle:
        """The item's article (a row with only a URL: the page fetched, under the fetch
        policy), its text extracted (HTML, ninjs) and cleaned, once."""
        if item.error is not None:
            raise InputError(item.error)
        if item.to_fetch is not None:
            assert item.input is not None
            fetched = await self._fetcher().fetch(item.to_fetch)
            page = await off_loop(article_input, fetched, item.input)
            article = await off_loop(page.to_article)
        else:
            article = await off_loop(item.article) if item.extracted else item.article()
        return await self.summariser.prepare(article)

    def _fetcher(self) -> Fetcher:
        """The fetcher of the rows given by URL, made when the first one comes."""
        if self.fetcher is None:
            self.fetcher = Fetcher(self.summariser.settings)
        return self.fetcher

    def _failed(self, item: Item, error: Exception, errors: LineWriter) -> None:
        self.report.failed += 1
        # What a failed item's model requests cost counts too (the errors carry it).
        usage = getattr(error, "usage", None)
        self.report.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
        self.report.completion_tokens += getattr(usage, "completion_tokens", 0) or 0
        self.report.model_requests += getattr(error, "requests", 0) or 0
        errors.write(_error_line(item, error))
        self._tell(item, "failed")

    def _reuse(self, article: PreparedArticle) -> tuple[str, SummaryRecord] | None:
        """A recent result of this run for a near-duplicate of ``article``, if any."""
        return self.recent.most_similar(article.normalised_text)

    async def _one(
        self,
        item: Item,
        results: LineWriter,
        errors: LineWriter,
        prepared: PreparedArticle | None = None,
        answer: EngineRun | None = None,
    ) -> None:
        """Summarise one item (``prepared`` already, with a batch's ``answer``) and write
        its line, or its error line: one item's failure never stops the run."""
        calls.ORIGIN.set(("bulk", item.id))  # the call log says which item asked
        try:
            if prepared is None:
                prepared = await self._prepare(item)
            reuse = self._reuse if self.near_duplicates and answer is None else None
            outcome = await self.summariser.summarise(
                prepared, self.engine, reuse=reuse, answer=answer
            )
        except Exception as error:
            self._failed(item, error, errors)
            return
        record = outcome.record
        meta = record.meta
        if meta.cached:
            self.report.cached += 1
        else:
            self.report.prompt_tokens += meta.usage.prompt_tokens
            self.report.completion_tokens += meta.usage.completion_tokens
            self.report.model_requests += meta.requests
            self.recent.add(item.id, prepared.normalised_text, record)
        line = {"id": item.id, "content_hash": item.content_hash, **json_in(record, self.schema)}
        if item.extracted:
            line["text"] = prepared.article.text  # what the spans refer to
        if outcome.reused_from is not None:
            self.report.near_duplicates += 1
            line["near_duplicate_of"] = outcome.reused_from
        results.write(line)
        if self.on_summary is not None:
            text = prepared.article.text
            try:
                await off_loop_for(len(text), self.on_summary, item.id, record, text)
            except Exception as error:  # a page not written loses no result
                log.warning("item %s: its page could not be written: %s", item.id, error)
        self.report.done += 1
        self._succeeded.add(item.id)
        self._tell(item, "cached" if meta.cached else "done")


def _readable(items: Iterator[Item], errors: LineWriter, report: BulkReport) -> Iterator[Item]:
    """The items, until the input itself cannot be read further (a disk error, say):
    that is one error line, and the run ends with what it has."""
    try:
        yield from items
    except Exception as error:
        log.exception("the input could not be read further", exc_info=error)
        detail = f"the input could not be read after item {report.total}: {error}"
        errors.write({"id": f"input:{report.total + 1}", "kind": "bad_input", "detail": detail})
        report.failed += 1


def _error_line(item: Item, error: Exception) -> dict[str, Any]:
    if not isinstance(error, MilestonesError):
        log.exception("item %s failed unexpectedly", item.id, exc_info=error)
        return {"id": item.id, "kind": "internal", "detail": f"{type(error).__name__}: {error}"}
    line: dict[str, Any] = {"id": item.id, "kind": error.kind, "detail": error.detail}
    if isinstance(error, ExtractionFailed):
        line["errors"] = error.errors
    return line
