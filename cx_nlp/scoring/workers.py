"""Scoring chunks in order, in this process or in worker processes.

Worker processes are started with ``spawn`` (no copy of this process's threads or
models); each builds the pipeline once, with one BLAS thread per core it has. Chunks are
dispatched in input order with at most ``2 x workers`` in flight, so memory stays
constant however long the file, and results come back in input order.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cx_nlp.config import AnalyzerSpec, Settings, load_pipeline_config
from cx_nlp.errors import CxNlpError
from cx_nlp.io.encoding import TextEncoding
from cx_nlp.io.readers import Chunk
from cx_nlp.io.writers import contract_record
from cx_nlp.pipeline import Pipeline, build_pipeline
from cx_nlp.registry import get_registration
from cx_nlp.scoring.mapping import ColumnMapping, score_chunk

logger = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 2
PARENT_CHECK_SECONDS = 0.5


@dataclass(frozen=True)
class PipelineSpec:
    """What a worker process needs to build the pipeline: profile, settings, extra analyzers.

    ``modules`` are imported first in the worker: the modules that registered the
    profile's analyzers, so that analyzers registered outside ``cx_nlp`` (plugins, test
    fakes) exist there too.
    """

    profile: str
    settings: Settings
    extra_analyzers: tuple[AnalyzerSpec, ...] = ()
    modules: tuple[str, ...] = field(default=())

    @classmethod
    def resolve(
        cls, profile: str, settings: Settings, extra_analyzers: Iterable[AnalyzerSpec] = ()
    ) -> PipelineSpec:
        """Check the profile and its analyzer names (cheap: no model is loaded).

        Raises:
            ConfigError: the profile is missing or names an unknown analyzer.
        """
        extra = tuple(extra_analyzers)
        config = load_pipeline_config(profile, settings)
        specs = [*config.analyzers, *extra]
        modules = {get_registration(spec.name).factory.__module__ for spec in specs}
        return cls(profile, settings, extra, tuple(sorted(modules)))

    def build(self, *, num_threads: int | None = None) -> Pipeline:
        """Build the pipeline, loading its models."""
        for module in self.modules:
            importlib.import_module(module)
        settings = self.settings
        if num_threads is not None:
            settings = settings.model_copy(update={"num_threads": num_threads})
        config = load_pipeline_config(self.profile, settings)
        config = config.model_copy(update={"analyzers": [*config.analyzers, *self.extra_analyzers]})
        return build_pipeline(config, settings)


@dataclass(frozen=True)
class ChunkJob:
    """One chunk to score, with what is needed to map its rows."""

    rows: Chunk
    columns: ColumnMapping
    encoding: TextEncoding | None = None


def score_job(pipeline: Pipeline, job: ChunkJob) -> list[dict[str, Any]]:
    """Score a chunk into output records, in order."""
    docs = score_chunk(job.rows, pipeline=pipeline, columns=job.columns, encoding=job.encoding)
    return [contract_record(doc) for doc in docs]


Scored = tuple[ChunkJob, list[dict[str, Any]]]


def score_in_process(pipeline: Pipeline, jobs: Iterable[ChunkJob]) -> Iterator[Scored]:
    """Score chunks one after the other in this process; each job with its records."""
    for job in jobs:
        yield job, score_job(pipeline, job)


def score_in_workers(
    spec: PipelineSpec, jobs: Iterable[ChunkJob], *, workers: int
) -> Iterator[Scored]:
    """Score chunks in ``workers`` processes; results in input order, bounded in flight.

    Raises:
        CxNlpError: a worker could not build the pipeline, or a model failed.
    """
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context("spawn")
    pending: deque[tuple[ChunkJob, Future[list[dict[str, Any]]]]] = deque()
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(spec, threads)
    ) as pool:
        try:
            for job in jobs:
                pending.append((job, pool.submit(_score_in_worker, job)))
                if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()


_worker_pipeline: Pipeline | None = None
_worker_error: CxNlpError | None = None


def _init_worker(spec: PipelineSpec, threads: int) -> None:
    global _worker_pipeline, _worker_error
    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which stops us
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    threadpool_limits(threads)
    try:
        _worker_pipeline = spec.build(num_threads=threads)
    except CxNlpError as exc:
        _worker_error = exc  # raised with the first chunk: a failed initializer hides it


def _exit_with_parent(parent: int) -> None:
    """End this worker once its parent is gone (even killed with SIGKILL): the pool's queues
    are shared by the workers, so a worker waiting for a chunk would never see them close."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _score_in_worker(job: ChunkJob) -> list[dict[str, Any]]:
    if _worker_error is not None:
        raise _worker_error
    if _worker_pipeline is None:
        raise CxNlpError("The worker has no pipeline; this is a bug.")
    return score_job(_worker_pipeline, job)
