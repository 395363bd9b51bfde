"""Reload the served pipelines from the current profiles and model folders, without a restart.

Every profile is rebuilt in a worker thread and must score a smoke batch; only when all of
them have, the new pipelines replace the old ones (in ``AppState.pipelines``, which the job
runner reads, and in each profile's micro-batcher). Until then, and if anything fails, the
previous pipelines keep serving. A model reference such as ``sentiment-usem3@latest`` in a
profile therefore picks up a newly written ``-v<N+1>`` folder on reload.
"""

from __future__ import annotations

import logging
import time

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.deps import AppState
from api.schemas import LoadedModelInfo, ModelInfo, ReloadResponse
from cx_nlp.catalog import loaded_models
from cx_nlp.config import Settings
from cx_nlp.errors import AnalyzerError, CxNlpError
from cx_nlp.pipeline import Pipeline, load

logger = logging.getLogger(__name__)

SMOKE_TEXTS: tuple[str, ...] = (
    "Consegna puntuale, ma il servizio clienti non risponde mai.",
    "Great staff, the delivery was late though.",
)


def profile_infos(pipelines: dict[str, Pipeline]) -> list[ModelInfo]:
    """What each loaded profile runs, the default first."""
    return [
        ModelInfo(
            profile=name,
            analyzers=pipeline.names,
            default=position == 0,
            models=[LoadedModelInfo(**vars(model)) for model in loaded_models(pipeline)],
        )
        for position, (name, pipeline) in enumerate(pipelines.items())
    ]


def load_checked(profile: str, settings: Settings) -> Pipeline:
    """Build ``profile`` and score :data:`SMOKE_TEXTS` with it.

    Raises:
        ConfigError, ModelLoadError: the profile or a model cannot be loaded.
        AnalyzerError: the smoke batch failed or came back with errors.
    """
    pipeline = load(profile, settings=settings)
    docs = pipeline.analyze(list(SMOKE_TEXTS), on_invalid="record")
    failed = [doc.error.message for doc in docs if doc.error is not None]
    if failed:
        raise AnalyzerError(f"Profile '{profile}' failed its smoke test: {failed[0]}")
    return pipeline


async def reload_pipelines(state: AppState) -> ReloadResponse:
    """Rebuild every served profile, then swap all of them at once.

    Raises:
        HTTPException: 409 while another reload runs.
        CxNlpError: a profile failed to load or to score (nothing was swapped).
    """
    if state.reload_lock.locked():
        raise HTTPException(409, "A reload is already running; retry when it has finished.")
    async with state.reload_lock:
        started = time.perf_counter()
        fresh: dict[str, Pipeline] = {}
        for profile in state.pipelines:
            try:
                fresh[profile] = await run_in_threadpool(load_checked, profile, state.settings)
            except CxNlpError as exc:
                logger.warning("reload failed on profile %s: %s", profile, exc.message)
                raise type(exc)(
                    f"Reload failed; the previous models keep serving. {exc.message}"
                ) from exc
        for profile, pipeline in fresh.items():
            state.pipelines[profile] = pipeline
            state.batchers[profile].pipeline = pipeline
        seconds = round(time.perf_counter() - started, 3)
        logger.info("reloaded profiles %s in %.2fs", ", ".join(fresh), seconds)
    return ReloadResponse(profiles=profile_infos(state.pipelines), seconds=seconds)
