"""POST /v1/admin/reload: new model versions are served without a restart, atomically."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api import create_app
from cx_nlp.config import Settings
from tests.api.helpers import AUTH, KEY, api_settings, items
from tests.test_artifacts import write_version
from tests.test_catalog import STUB_PROFILE

ADMIN_KEY = "admin-key-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    write_version(root, "sentiment-stub", 1)
    return root


@pytest.fixture
def client(test_settings: Settings, models_dir: Path) -> Iterator[TestClient]:
    (test_settings.configs_dir / "stub.toml").write_text(STUB_PROFILE, encoding="utf-8")
    settings = api_settings(
        test_settings,
        api_profiles="stub",
        models_dir=models_dir,
        api_admin_keys=SecretStr(ADMIN_KEY),
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _served_versions(client: TestClient) -> list[int]:
    profiles = client.get("/v1/models", headers=AUTH).json()["profiles"]
    return [model["version"] for model in profiles[0]["models"]]


def test_models_reports_the_versions_a_profile_runs(client: TestClient) -> None:
    [profile] = client.get("/v1/models", headers=AUTH).json()["profiles"]
    assert profile["models"] == [
        {
            "analyzer": "sentiment", "name": "sentiment-stub-v1", "task": "sentiment",
            "version": 1, "encoder": "stub", "metrics": {},
        }
    ]  # fmt: skip


def test_reload_serves_a_new_model_version(client: TestClient, models_dir: Path) -> None:
    write_version(models_dir, "sentiment-stub", 2)
    assert _served_versions(client) == [1]
    response = client.post("/v1/admin/reload", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["profiles"][0]["models"][0]["version"] == 2
    assert _served_versions(client) == [2]
    analyzed = client.post("/v1/analyze", json=items("Ottimo", "Pessimo"), headers=AUTH)
    assert analyzed.status_code == 200, analyzed.text


def test_failed_reload_keeps_serving_the_previous_models(
    client: TestClient, models_dir: Path
) -> None:
    broken = write_version(models_dir, "sentiment-stub", 2)
    (broken / "head.safetensors").write_bytes(b"not weights")
    response = client.post("/v1/admin/reload", headers=ADMIN)
    assert response.status_code == 503
    assert "previous models keep serving" in response.json()["error"]["message"]
    assert _served_versions(client) == [1]
    assert client.post("/v1/analyze", json=items("Ottimo"), headers=AUTH).status_code == 200


@pytest.mark.parametrize(("key", "status"), [(KEY, 403), (None, 401), ("wrong", 401)])
def test_reload_needs_an_admin_key(client: TestClient, key: str | None, status: int) -> None:
    headers = {"X-API-Key": key} if key else {}
    assert client.post("/v1/admin/reload", headers=headers).status_code == status


def test_reload_is_disabled_without_admin_keys(test_settings: Settings) -> None:
    with TestClient(create_app(api_settings(test_settings))) as client:
        response = client.post("/v1/admin/reload", headers=AUTH)
    assert response.status_code == 403
    assert "CX_NLP_API_ADMIN_KEYS" in response.json()["error"]["message"]
