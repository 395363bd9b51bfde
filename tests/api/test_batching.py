"""The micro-batcher merges concurrent requests into one pipeline call and keeps order."""

from __future__ import annotations

import asyncio

import pytest

from api.batching import MicroBatcher
from api.metrics import ApiMetrics
from cx_nlp.errors import AnalyzerError
from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import Doc, FeedbackIn


class _CountingPipeline:
    """Records the size of every call; fails when asked to."""

    profile = "counting"

    def __init__(self, *, fail: bool = False) -> None:
        self.calls: list[int] = []
        self.fail = fail

    def analyze(self, items: list[FeedbackIn], *, on_invalid: str = "raise") -> list[Doc]:
        self.calls.append(len(items))
        if self.fail:
            raise AnalyzerError("model exploded")
        return [Doc(id=item.id, text=item.text) for item in items]


def _batcher(pipeline: _CountingPipeline, *, max_items: int = 64) -> MicroBatcher:
    fake: Pipeline = pipeline  # type: ignore[assignment]
    return MicroBatcher(fake, max_items=max_items, max_wait_ms=50, metrics=ApiMetrics.create())


def _request(prefix: str, size: int) -> list[FeedbackIn]:
    return [FeedbackIn(id=f"{prefix}{n}", text="ok") for n in range(size)]


async def _run(batcher: MicroBatcher, requests: list[list[FeedbackIn]]) -> list[list[Doc]]:
    batcher.start()
    try:
        return await asyncio.gather(*(batcher.analyze(request) for request in requests))
    finally:
        await batcher.stop()


def test_batcher_merges_concurrent_requests_and_keeps_order() -> None:
    pipeline = _CountingPipeline()
    requests = [_request(prefix, size) for prefix, size in (("a", 2), ("b", 3), ("c", 1))]
    results = asyncio.run(_run(_batcher(pipeline), requests))
    assert pipeline.calls == [6]
    assert [[doc.id for doc in docs] for docs in results] == [
        [item.id for item in request] for request in requests
    ]


@pytest.mark.parametrize(("max_items", "expected_calls"), [(2, [2, 2, 2]), (4, [4, 2])])
def test_batcher_respects_max_items(max_items: int, expected_calls: list[int]) -> None:
    pipeline = _CountingPipeline()
    requests = [_request(str(n), 1) for n in range(6)]
    asyncio.run(_run(_batcher(pipeline, max_items=max_items), requests))
    assert pipeline.calls == expected_calls


def test_batcher_fails_every_request_of_a_failed_batch() -> None:
    pipeline = _CountingPipeline(fail=True)

    async def run() -> list[object]:
        batcher = _batcher(pipeline)
        batcher.start()
        try:
            calls = (batcher.analyze(_request(p, 1)) for p in "ab")
            return await asyncio.gather(*calls, return_exceptions=True)
        finally:
            await batcher.stop()

    outcomes = asyncio.run(run())
    assert all(isinstance(outcome, AnalyzerError) for outcome in outcomes)
