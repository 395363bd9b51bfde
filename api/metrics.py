"""Prometheus metrics of one app (its own registry, so several apps can live in a process)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


@dataclass(frozen=True)
class ApiMetrics:
    """Request, inference, batching and queue metrics."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    inference: Histogram
    batch_items: Histogram
    batch_requests: Histogram
    queue_depth: Gauge
    jobs: Counter

    @classmethod
    def create(cls) -> ApiMetrics:
        """Fresh metrics in a fresh registry."""
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter(
                "cx_nlp_http_requests", "HTTP requests.", ["method", "route", "status"],
                registry=registry,
            ),
            latency=Histogram(
                "cx_nlp_http_request_seconds", "HTTP request latency.", ["method", "route"],
                buckets=LATENCY_BUCKETS, registry=registry,
            ),
            inference=Histogram(
                "cx_nlp_inference_seconds", "Pipeline time per batch.", ["profile"],
                buckets=LATENCY_BUCKETS, registry=registry,
            ),
            batch_items=Histogram(
                "cx_nlp_batch_items", "Items per pipeline call.", ["profile"],
                buckets=BATCH_BUCKETS, registry=registry,
            ),
            batch_requests=Histogram(
                "cx_nlp_batch_requests", "Requests merged into one pipeline call.", ["profile"],
                buckets=BATCH_BUCKETS, registry=registry,
            ),
            queue_depth=Gauge(
                "cx_nlp_queue_depth", "Requests waiting for the micro-batcher.", ["profile"],
                registry=registry,
            ),
            jobs=Counter("cx_nlp_jobs", "Jobs by final state.", ["state"], registry=registry),
        )  # fmt: skip


class MetricsMiddleware:
    """Counts requests and times them, labelled by route template (not the raw path)."""

    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = str(scope["method"])
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
