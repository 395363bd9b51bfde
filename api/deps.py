"""Annotated dependencies: the loaded pipelines, settings, batchers, jobs and the caller."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from api.batching import MicroBatcher
from api.metrics import ApiMetrics
from api.schemas import ApiSchemas
from api.security import KeyStore, RateLimiter
from cx_nlp.config import Settings
from cx_nlp.pipeline import Pipeline

if TYPE_CHECKING:
    from api.jobs.runner import JobRunner
    from api.jobs.store import JobStore


@dataclass
class AppState:
    """Everything the lifespan builds, kept on ``app.state.cx``."""

    settings: Settings
    schemas: ApiSchemas
    metrics: ApiMetrics
    keys: KeyStore
    limiter: RateLimiter
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    batchers: dict[str, MicroBatcher] = field(default_factory=dict)
    jobs: JobStore | None = None
    runner: JobRunner | None = None
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def default_profile(self) -> str:
        """The profile used when a request names none."""
        return next(iter(self.pipelines))

    @property
    def ready(self) -> bool:
        """Models loaded and the job store open."""
        return bool(self.pipelines) and self.jobs is not None


async def get_state(request: Request) -> AppState:
    """The app's state."""
    state: AppState = request.app.state.cx
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    """The app's settings (not the process-wide ones: tests inject their own)."""
    return state.settings


async def get_ready_state(state: StateDep) -> AppState:
    """The state, once the models are loaded; 503 before."""
    if not state.ready:
        raise HTTPException(503, "Models are still loading; retry shortly.")
    return state


ReadyStateDep = Annotated[AppState, Depends(get_ready_state)]


async def get_pipeline(state: ReadyStateDep) -> Pipeline:
    """The default profile's pipeline."""
    return state.pipelines[state.default_profile]


async def get_pipelines(state: ReadyStateDep) -> dict[str, Pipeline]:
    """Every loaded pipeline by profile, the default first."""
    return state.pipelines


async def get_job_store(state: ReadyStateDep) -> JobStore:
    """The job store."""
    if state.jobs is None:  # pragma: no cover - excluded by get_ready_state
        raise HTTPException(503, "The job store is not open.")
    return state.jobs


SettingsDep = Annotated[Settings, Depends(get_settings)]
PipelineDep = Annotated[Pipeline, Depends(get_pipeline)]
PipelinesDep = Annotated[dict[str, Pipeline], Depends(get_pipelines)]
JobStoreDep = Annotated["JobStore", Depends(get_job_store)]

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key")


async def require_caller(
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key_header)],
) -> str:
    """Authenticate the request and take a rate-limit token; returns the caller's id.

    Raises:
        HTTPException: 401 (no or unknown key), 403 (revoked key), 429 (rate limited).
    """
    key = bearer.credentials if bearer is not None else api_key
    caller = state.keys.check(key)
    state.limiter.acquire(caller)
    return caller


CallerDep = Annotated[str, Depends(require_caller)]


async def require_admin(
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key_header)],
) -> str:
    """Like :func:`require_caller`, for a key listed in ``CX_NLP_API_ADMIN_KEYS``.

    Raises:
        HTTPException: 401, 403 (revoked, or not an admin key), 429.
    """
    key = bearer.credentials if bearer is not None else api_key
    caller = state.keys.check_admin(key)
    state.limiter.acquire(caller)
    return caller


AdminDep = Annotated[str, Depends(require_admin)]
