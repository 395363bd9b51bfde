"""``GET /health`` (alive), ``GET /ready`` (models loaded) and ``GET /metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import StateDep, require_caller
from api.errors import ErrorBody
from api.schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness")
async def health() -> Health:
    """The process is alive and serving (models may still be loading)."""
    return Health(status="ok")


@router.get(
    "/ready",
    summary="Readiness",
    responses={503: {"model": Health, "description": "Models not loaded yet."}},
)
async def ready(state: StateDep) -> JSONResponse:
    """Every configured profile is loaded and the job store is open."""
    if state.ready:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": "not_ready"}, status_code=503)


def metrics_router(*, public: bool) -> APIRouter:
    """``/metrics``, open when ``public`` (``CX_NLP_API_METRICS_PUBLIC``), else keyed."""
    metrics = APIRouter(
        tags=["operations"],
        dependencies=[] if public else [Depends(require_caller)],
        responses={} if public else {401: {"model": ErrorBody}, 403: {"model": ErrorBody}},
    )

    @metrics.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    )
    async def prometheus(state: StateDep) -> Response:
        """Request counts, latencies, inference time, batch sizes and queue depth."""
        return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return metrics
