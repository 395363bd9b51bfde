"""Runs queued jobs in worker threads with ``cx_nlp.scoring.score_file``.

A supervisor thread keeps this worker's jobs' heartbeats fresh, recovers jobs whose worker
went silent (another process that died: resumed from the start or failed, per
``jobs_on_restart``) and hands queued jobs to a thread pool. On shutdown, running jobs stop
at their next chunk and go back to the queue, so a restarted server picks them up again.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from api.jobs.store import JobRow, JobStore, job_dir
from api.metrics import ApiMetrics
from api.schemas import JobState
from cx_nlp.config import Settings
from cx_nlp.errors import CxNlpError
from cx_nlp.io.readers import read_chunks
from cx_nlp.pipeline import Pipeline
from cx_nlp.scoring import score_file

logger = logging.getLogger(__name__)

RESULT_NAME = "result.jsonl"
PARTIAL_NAME = "result.partial.jsonl"


class _Stopped(Exception):
    """The job was deleted, taken over, or the server is shutting down."""


class JobRunner:
    """Claims and scores jobs from a ``JobStore``."""

    def __init__(
        self,
        store: JobStore,
        pipelines: dict[str, Pipeline],
        *,
        settings: Settings,
        metrics: ApiMetrics,
    ) -> None:
        self.store = store
        self.pipelines = pipelines
        self.settings = settings
        self.metrics = metrics
        self.worker = uuid.uuid4().hex[:16]
        self._pool = ThreadPoolExecutor(settings.jobs_workers, thread_name_prefix="cx-job")
        self._slots = threading.Semaphore(settings.jobs_workers)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="cx-jobs", daemon=True)

    def start(self) -> None:
        """Start supervising (recovers interrupted jobs first)."""
        self._thread.start()

    def notify(self) -> None:
        """A job was queued: look for work now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop claiming; running jobs return to the queue at their next chunk."""
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _supervise(self) -> None:
        while not self._stop.is_set():
            self.store.heartbeat(self.worker)
            self.store.recover(
                worker=self.worker,
                stale_seconds=self.settings.jobs_stale_seconds,
                mode=self.settings.jobs_on_restart,
            )
            self._claim()
            self._wake.wait(self.settings.jobs_poll_seconds)
            self._wake.clear()

    def _claim(self) -> None:
        while not self._stop.is_set() and self._slots.acquire(blocking=False):
            job = self.store.claim_next(self.worker)
            if job is None:
                self._slots.release()
                return
            self._pool.submit(self._run, job)

    def _run(self, job: JobRow) -> None:
        try:
            self._score(job)
        except _Stopped:
            self._after_stop(job)
        except CxNlpError as exc:
            self._fail(job, exc.message)
        except Exception:  # a worker thread must not die with its job left "running"
            logger.exception("job %s failed unexpectedly", job.id)
            self._fail(job, "Internal error while scoring; the server log has details.")
        finally:
            self._slots.release()

    def _score(self, job: JobRow) -> None:
        pipeline = self.pipelines.get(job.profile)
        if pipeline is None:
            raise CxNlpError(f"Profile '{job.profile}' is not loaded on this server.")
        folder = job_dir(self.settings, job.id)
        source = folder / job.input_name
        self.store.progress(job.id, self.worker, total=_count_rows(source))
        read = 0

        def on_chunk(rows: int) -> None:
            nonlocal read
            read += rows
            if self._stop.is_set() or not self.store.progress(job.id, self.worker, read=read):
                raise _Stopped

        logger.info("job %s started (profile %s, attempt %d)", job.id, job.profile, job.attempts)
        summary = score_file(
            source, folder / PARTIAL_NAME, pipeline=pipeline, columns=job.mapping(),
            chunk_size=self.settings.jobs_chunk_size, on_chunk=on_chunk,
        )  # fmt: skip
        (folder / PARTIAL_NAME).replace(folder / RESULT_NAME)
        if self.store.finish(job.id, self.worker, summary):
            self.metrics.jobs.labels(JobState.SUCCEEDED.value).inc()
            logger.info("job %s succeeded: %s", job.id, summary.as_dict())

    def _after_stop(self, job: JobRow) -> None:
        if self._stop.is_set() and self.store.release(job.id, self.worker):
            logger.info("job %s returned to the queue (shutdown)", job.id)
        elif self.store.get(job.id) is None:
            shutil.rmtree(job_dir(self.settings, job.id), ignore_errors=True)
            logger.info("job %s deleted while running", job.id)

    def _fail(self, job: JobRow, message: str) -> None:
        if self.store.fail(job.id, self.worker, message):
            self.metrics.jobs.labels(JobState.FAILED.value).inc()
            logger.warning("job %s failed: %s", job.id, message)


def _count_rows(path: Path) -> int:
    return sum(len(chunk) for chunk in read_chunks(path, chunk_size=10_000))
