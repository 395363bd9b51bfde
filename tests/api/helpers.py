"""Builders shared by the API tests (fixtures stay in tests/conftest.py and the test modules)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr

from cx_nlp.config import Settings

KEY = "test-key-0123456789"
OTHER_KEY = "other-key-0123456789"
REVOKED_KEY = "revoked-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


def api_settings(test_settings: Settings, **overrides: Any) -> Settings:
    """``test_settings`` serving the fake profile with two keys and one revoked key."""
    values: dict[str, Any] = {
        "api_profiles": "fake",
        "api_keys": SecretStr(f"{KEY},{OTHER_KEY}"),
        "api_revoked_keys": SecretStr(REVOKED_KEY),
        "jobs_dir": test_settings.configs_dir.parent / "jobs",
        "jobs_poll_seconds": 0.05,
        "api_batch_wait_ms": 1.0,
        **overrides,
    }
    return test_settings.model_copy(update=values)


def items(*texts: str) -> dict[str, Any]:
    """An analyze request body with ids ``t1``, ``t2``, ..."""
    return {"items": [{"id": f"t{n}", "text": text} for n, text in enumerate(texts, 1)]}


def wait_for_job(client: TestClient, job_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """Poll a job until it succeeds or fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=AUTH).json()
        if status["state"] in ("succeeded", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s: {status}")
