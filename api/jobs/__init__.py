"""Asynchronous scoring jobs: SQL-backed records and a threaded runner."""

from api.jobs.runner import JobRunner
from api.jobs.store import JobStore

__all__ = ["JobRunner", "JobStore"]
