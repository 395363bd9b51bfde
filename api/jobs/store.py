"""Job records in SQL (SQLite by default, PostgreSQL when a URL is given), via SQLAlchemy.

State changes are single guarded ``UPDATE``s (``WHERE state = ... AND worker = ...``), so
several server processes can share one database: a job is claimed by exactly one worker,
and a worker that lost its job (deleted, or recovered after it went silent) notices.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import DateTime, Integer, String, Text, create_engine, delete, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from api.schemas import JobState, JobStatus
from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError
from cx_nlp.scoring import ColumnMapping, ScoreSummary

logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    """Naive UTC now (SQLite keeps no time zone; every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


class _Base(DeclarativeBase):
    pass


class JobRow(_Base):
    """One scoring job."""

    __tablename__ = "cx_nlp_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    profile: Mapped[str] = mapped_column(String(128))
    input_name: Mapped[str] = mapped_column(String(64))
    columns: Mapped[str] = mapped_column(Text)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    read: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    worker: Mapped[str | None] = mapped_column(String(32), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    def mapping(self) -> ColumnMapping:
        """The input columns of this job."""
        return ColumnMapping.model_validate(json.loads(self.columns))

    def status(self) -> JobStatus:
        """The public view of this job."""
        done = self.state == JobState.SUCCEEDED
        progress = 1.0 if done else (min(1.0, self.read / self.total) if self.total else None)
        return JobStatus(
            id=self.id, state=JobState(self.state), profile=self.profile, total=self.total,
            read=self.read, scored=self.scored, rejected=self.rejected, progress=progress,
            attempts=self.attempts, error=self.error,
            created_at=self.created_at.replace(tzinfo=UTC),
            updated_at=self.updated_at.replace(tzinfo=UTC),
        )  # fmt: skip


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL: the configured one (``postgresql://`` uses psycopg 3) or SQLite."""
    if settings.jobs_database_url is not None:
        url = settings.jobs_database_url.get_secret_value()
        return (
            "postgresql+psycopg://" + url.removeprefix("postgresql://")
            if url.startswith("postgresql://")
            else url
        )
    return f"sqlite:///{settings.jobs_dir / 'jobs.sqlite'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the scoring writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _create_tables(engine: Engine, attempts: int = 3) -> None:
    """Create the table if missing. Server workers starting together race to create it: the
    loser's ``CREATE TABLE`` fails with "already exists", and a second look finds the table."""
    for attempt in range(1, attempts + 1):
        try:
            _Base.metadata.create_all(engine)
            return
        except OperationalError:
            if attempt == attempts:
                raise


class JobStore:
    """Creates, claims, updates and deletes job records."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, settings: Settings) -> JobStore:
        """Connect and create the table if needed; an unreachable database is a ``ConfigError``."""
        settings.jobs_dir.mkdir(parents=True, exist_ok=True)
        url = database_url(settings)
        engine = create_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            _create_tables(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise ConfigError(
                f"Job database {engine.url.render_as_string(hide_password=True)} is not usable: "
                f"{exc.__class__.__name__}; check CX_NLP_JOBS_DATABASE_URL."
            ) from exc
        return cls(engine)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def create(
        self, job_id: str, *, owner: str, profile: str, input_name: str, columns: ColumnMapping
    ) -> JobStatus:
        """Record a new queued job."""
        now = utcnow()
        row = JobRow(
            id=job_id, owner=owner, state=JobState.QUEUED.value, profile=profile,
            input_name=input_name, columns=columns.model_dump_json(), read=0, scored=0,
            rejected=0, attempts=0, created_at=now, updated_at=now,
        )  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return row.status()

    def get(self, job_id: str, *, owner: str | None = None) -> JobRow | None:
        """The job, if it exists (and belongs to ``owner`` when given)."""
        with Session(self.engine) as session:
            row = session.get(JobRow, job_id)
            if row is None or (owner is not None and row.owner != owner):
                return None
            session.expunge(row)
            return row

    def delete(self, job_id: str) -> None:
        """Forget the job; a worker running it stops at its next chunk."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(JobRow).where(JobRow.id == job_id))

    def claim_next(self, worker: str) -> JobRow | None:
        """Take the oldest queued job for ``worker``, or None when there is none."""
        with Session(self.engine) as session:
            candidates = session.scalars(
                select(JobRow.id)
                .where(JobRow.state == JobState.QUEUED.value)
                .order_by(JobRow.created_at)
                .limit(5)
            ).all()
        for job_id in candidates:
            claimed = self._update(
                job_id, {"state": JobState.QUEUED.value}, state=JobState.RUNNING.value,
                worker=worker, heartbeat_at=utcnow(), attempts=JobRow.attempts + 1,
                read=0, scored=0, rejected=0, error=None,
            )  # fmt: skip
            if claimed:
                return self.get(job_id)
        return None

    def progress(self, job_id: str, by: str, **values: Any) -> bool:
        """Update a running job's counts; False when worker ``by`` no longer owns it."""
        running = {"state": JobState.RUNNING.value, "worker": by}
        return self._update(job_id, running, heartbeat_at=utcnow(), **values)

    def finish(self, job_id: str, worker: str, summary: ScoreSummary) -> bool:
        """Mark a job succeeded with its final counts."""
        return self.progress(
            job_id, worker, state=JobState.SUCCEEDED.value, read=summary.read,
            scored=summary.scored, rejected=summary.rejected, total=summary.read, worker=None,
        )  # fmt: skip

    def fail(self, job_id: str, worker: str, message: str) -> bool:
        """Mark a job failed with a message for the client."""
        return self.progress(
            job_id, worker, state=JobState.FAILED.value, error=message, worker=None
        )

    def release(self, job_id: str, worker: str) -> bool:
        """Put a job back in the queue (its worker is shutting down)."""
        return self.progress(job_id, worker, state=JobState.QUEUED.value, worker=None, read=0)

    def heartbeat(self, worker: str) -> None:
        """Tell other processes that ``worker``'s running jobs are alive."""
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(JobRow)
                .where(JobRow.worker == worker, JobRow.state == JobState.RUNNING.value)
                .values(heartbeat_at=utcnow())
            )

    def recover(
        self, *, worker: str, stale_seconds: float, mode: Literal["resume", "fail"]
    ) -> list[str]:
        """Resume (re-queue) or fail running jobs of other workers that went silent."""
        cutoff = utcnow() - timedelta(seconds=stale_seconds)
        with Session(self.engine) as session:
            stale = session.scalars(
                select(JobRow.id).where(
                    JobRow.state == JobState.RUNNING.value,
                    JobRow.worker != worker,
                    JobRow.heartbeat_at <= cutoff,
                )
            ).all()
        recovered = []
        for job_id in stale:
            if mode == "resume":
                values: dict[str, Any] = {"state": JobState.QUEUED.value, "read": 0}
            else:
                message = "Interrupted by a server restart; submit the job again."
                values = {"state": JobState.FAILED.value, "error": message}
            running = {"state": JobState.RUNNING.value}
            if self._update(job_id, running, worker=None, **values):
                recovered.append(job_id)
        if recovered:
            logger.warning("recovered %d interrupted job(s) (%s)", len(recovered), mode)
        return recovered

    def _update(self, job_id: str, where: dict[str, Any], **values: Any) -> bool:
        conditions = [JobRow.id == job_id, *(getattr(JobRow, k) == v for k, v in where.items())]
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(JobRow).where(*conditions).values(updated_at=utcnow(), **values)
            )
            return bool(getattr(result, "rowcount", 0) == 1)


def job_dir(settings: Settings, job_id: str) -> Path:
    """Where a job's input and result files live."""
    return settings.jobs_dir / job_id
