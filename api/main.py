"""The FastAPI app: ``create_app(settings)`` wires the lifespan, middleware and routers.

Run it with ``cx-nlp serve`` (uvicorn) or any ASGI server via ``api.main:app_from_env``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode
from starlette.concurrency import run_in_threadpool

from api.batching import MicroBatcher
from api.deps import AppState
from api.errors import install_error_handlers
from api.jobs import JobRunner, JobStore
from api.limits import BodySizeLimitMiddleware
from api.metrics import ApiMetrics, MetricsMiddleware
from api.routes import admin, analyze, health, jobs, models
from api.schemas import AnalyzeResponse, build_schemas
from api.security import KeyStore, RateLimiter, cors_origins
from cx_nlp.config import Settings, get_settings
from cx_nlp.pipeline import Pipeline, load

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"
DESCRIPTION = """Multilingual customer-feedback analysis: language, sentiment, emotions.

Send `Authorization: Bearer <key>` or `X-API-Key: <key>` on every call but `/health` and
`/ready`. Errors have one shape: `{"error": {"code", "message", "item_id"}}`.
"""


def profiles_of(settings: Settings) -> list[str]:
    """The profiles the API loads, the default first."""
    names = [name.strip() for name in settings.api_profiles.split(",") if name.strip()]
    return list(dict.fromkeys(names))


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; keys and profiles are checked here, models load in the lifespan.

    Raises:
        ConfigError: no API keys and ``allow_anonymous`` is false, or no profile configured.
    """
    settings = settings or get_settings()
    profiles = profiles_of(settings)
    schemas = build_schemas(settings, profiles)
    state = AppState(
        settings=settings,
        schemas=schemas,
        metrics=ApiMetrics.create(),
        keys=KeyStore.from_settings(settings),
        limiter=RateLimiter(settings.api_rate_limit_per_second, settings.api_rate_limit_burst),
    )
    app = FastAPI(
        title="cx-nlp API",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=_lifespan(state, profiles),
    )
    app.state.cx = state
    install_error_handlers(app)
    _add_middleware(app, state)
    app.include_router(health.router)
    app.include_router(health.metrics_router(public=settings.api_metrics_public))
    app.include_router(analyze.build_router(schemas))
    app.include_router(models.router)
    app.include_router(jobs.build_router(schemas))
    app.include_router(admin.router)
    app.openapi = _openapi_with_body_schemas(app, state)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """App factory for ASGI servers (``uvicorn --factory api.main:app_from_env``)."""
    return create_app(get_settings())


def _add_middleware(app: FastAPI, state: AppState) -> None:
    settings = state.settings
    origins = cors_origins(settings)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.api_max_body_bytes,
        max_upload_bytes=settings.api_max_upload_bytes,
    )
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)


def _lifespan(state: AppState, profiles: list[str]) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = state.settings
        for profile in profiles:
            state.pipelines[profile] = await run_in_threadpool(_load, profile, settings)
        state.jobs = await run_in_threadpool(JobStore.open, settings)
        for profile, pipeline in state.pipelines.items():
            state.batchers[profile] = MicroBatcher(
                pipeline,
                max_items=settings.api_batch_max_items,
                max_wait_ms=settings.api_batch_wait_ms,
                metrics=state.metrics,
            )
            state.batchers[profile].start()
        state.runner = JobRunner(
            state.jobs, state.pipelines, settings=settings, metrics=state.metrics
        )
        state.runner.start()
        logger.info("ready: profiles %s", ", ".join(state.pipelines))
        try:
            yield
        finally:
            await _shutdown(state)

    return lifespan


def _load(profile: str, settings: Settings) -> Pipeline:
    started = time.perf_counter()
    pipeline = load(profile, settings=settings)
    logger.info(
        "loaded profile %s (%s) in %.2fs",
        profile,
        " -> ".join(pipeline.names),
        time.perf_counter() - started,
    )
    return pipeline


async def _shutdown(state: AppState) -> None:
    for batcher in state.batchers.values():
        await batcher.stop()
    if state.runner is not None:
        await run_in_threadpool(state.runner.stop)
    if state.jobs is not None:
        state.jobs.close()
    state.batchers.clear()
    state.pipelines.clear()
    state.runner = None
    state.jobs = None


def _openapi_with_body_schemas(app: FastAPI, state: AppState) -> Callable[[], dict[str, Any]]:
    """Publish models FastAPI cannot collect itself.

    ``POST /v1/jobs`` parses its body itself (JSON or multipart), and ``Doc`` holds a
    never-serialised numpy field that FastAPI's schema walk chokes on, so the job request
    and the analyze response are rendered by pydantic and added to the components.
    """
    default_openapi = app.openapi
    extra: tuple[tuple[str, type[BaseModel], JsonSchemaMode], ...] = (
        ("JobRequest", state.schemas.job, "validation"),
        ("AnalyzeResponse", AnalyzeResponse, "serialization"),
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = default_openapi()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, model, mode in extra:
            schema = model.model_json_schema(mode=mode, ref_template=REF_TEMPLATE)
            for definition_name, definition in schema.pop("$defs", {}).items():
                components.setdefault(definition_name, definition)
            components[name] = schema
        return document

    return openapi
