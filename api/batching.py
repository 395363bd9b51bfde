"""Dynamic micro-batching: requests that arrive together are scored in one pipeline call.

A request waits at most ``max_wait_ms`` for others to join its batch (and never once the
batch holds ``max_items``); the pipeline runs in a worker thread, so the event loop stays
free to accept the next requests, which then form the next batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from api.metrics import ApiMetrics
from cx_nlp.errors import CxNlpError
from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import Doc, FeedbackIn

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    items: list[FeedbackIn]
    future: asyncio.Future[list[Doc]]


class MicroBatcher:
    """Merges concurrent ``analyze`` calls for one pipeline into batches."""

    def __init__(
        self, pipeline: Pipeline, *, max_items: int, max_wait_ms: float, metrics: ApiMetrics
    ) -> None:
        self.pipeline = pipeline
        self.max_items = max_items
        self.max_wait = max_wait_ms / 1000
        self.metrics = metrics
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the batching loop on the running event loop."""
        self._task = asyncio.create_task(self._loop(), name=f"batcher-{self.pipeline.profile}")

    async def stop(self) -> None:
        """Stop the loop; waiting callers get a ``CancelledError``."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            self._queue.get_nowait().future.cancel()

    async def analyze(self, items: list[FeedbackIn]) -> list[Doc]:
        """Score ``items`` (one request) together with whatever else is waiting.

        Items must already be checked with ``validate_item``; any that still fail become
        records whose ``error`` is set, so one request cannot fail another's batch.

        Raises:
            AnalyzerError: the pipeline failed on the batch.
        """
        future: asyncio.Future[list[Doc]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(items, future))
        self._gauge()
        return await future

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            await self._fill(batch)
            self._gauge()
            await self._score(batch)

    async def _fill(self, batch: list[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        size = len(batch[0].items)
        while size < self.max_items:
            if self._queue.empty():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return
                try:
                    pending = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    return
            else:
                pending = self._queue.get_nowait()
            batch.append(pending)
            size += len(pending.items)

    async def _score(self, batch: list[_Pending]) -> None:
        live = [pending for pending in batch if not pending.future.done()]
        items = [item for pending in live for item in pending.items]
        if not items:
            return
        profile = self.pipeline.profile
        self.metrics.batch_items.labels(profile).observe(len(items))
        self.metrics.batch_requests.labels(profile).observe(len(live))
        started = time.perf_counter()
        try:
            docs = await asyncio.to_thread(self.pipeline.analyze, items, on_invalid="record")
        except CxNlpError as exc:
            for pending in live:
                _settle(pending, exc)
            return
        finally:
            self.metrics.inference.labels(profile).observe(time.perf_counter() - started)
        logger.debug("scored %d items from %d requests", len(items), len(live))
        for pending in live:
            _settle(pending, docs[: len(pending.items)])
            docs = docs[len(pending.items) :]

    def _gauge(self) -> None:
        self.metrics.queue_depth.labels(self.pipeline.profile).set(self._queue.qsize())


def _settle(pending: _Pending, outcome: list[Doc] | CxNlpError) -> None:
    if pending.future.done():
        return  # the caller went away
    if isinstance(outcome, CxNlpError):
        pending.future.set_exception(outcome)
    else:
        pending.future.set_result(outcome)
