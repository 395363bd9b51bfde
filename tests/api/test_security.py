"""API keys (401/403), body size (413), rate limits (429), CORS, and no text in logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api import create_app
from api.security import RateLimiter, digest
from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError
from tests.api.helpers import AUTH, KEY, OTHER_KEY, REVOKED_KEY, api_settings, items

SECRET_TEXT = "Il mio numero segreto pessimo 4242"


@pytest.fixture
def client(test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(test_settings))) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"X-API-Key": "nope"}, {"Authorization": KEY}],
)
@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/analyze"), ("GET", "/v1/models")])
def test_api_rejects_missing_or_unknown_key_with_401(
    client: TestClient, headers: dict[str, str], method: str, path: str
) -> None:
    response = client.request(method, path, json=items("ok"), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {REVOKED_KEY}"}, {"X-API-Key": REVOKED_KEY}]
)
def test_api_rejects_revoked_key_with_403(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/v1/analyze", json=items("ok"), headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("headers", [{"Authorization": f"Bearer {KEY}"}, {"X-API-Key": OTHER_KEY}])
def test_api_accepts_bearer_and_x_api_key(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/v1/analyze", json=items("ok"), headers=headers).status_code == 200


def test_api_accepts_keys_file_with_digests(test_settings: Settings) -> None:
    keys_file = test_settings.configs_dir.parent / "keys.txt"
    keys_file.write_text(f"# team A\nsha256:{digest('from-file')}\nplain-key\n")
    settings = api_settings(test_settings, api_keys=SecretStr(""), api_keys_file=keys_file)
    with TestClient(create_app(settings)) as client:
        for key in ("from-file", "plain-key"):
            response = client.get("/v1/models", headers={"X-API-Key": key})
            assert response.status_code == 200


def test_app_refuses_to_start_without_keys(test_settings: Settings) -> None:
    with pytest.raises(ConfigError, match="ALLOW_ANONYMOUS"):
        create_app(api_settings(test_settings, api_keys=SecretStr("")))


def test_app_serves_anonymously_when_allowed(test_settings: Settings) -> None:
    settings = api_settings(test_settings, api_keys=SecretStr(""), allow_anonymous=True)
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/analyze", json=items("ok")).status_code == 200


def test_metrics_need_a_key_unless_public(test_settings: Settings) -> None:
    with TestClient(create_app(api_settings(test_settings))) as client:
        assert client.get("/metrics").status_code == 401
    settings = api_settings(test_settings, api_metrics_public=True)
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 200


def test_api_rejects_oversized_body_with_413(test_settings: Settings) -> None:
    settings = api_settings(test_settings, api_max_body_bytes=2048)
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/analyze", json=items("x" * 3000), headers=AUTH)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_api_rejects_oversized_chunked_body_with_413(test_settings: Settings) -> None:
    settings = api_settings(test_settings, api_max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:
        yield b'{"items": [{"id": "c1", "text": "'
        yield b"x" * 4000
        yield b'"}]}'

    headers = {**AUTH, "Content-Type": "application/json"}
    with TestClient(create_app(settings)) as client:
        response = client.post("/v1/analyze", content=chunks(), headers=headers)
    assert response.status_code == 413


def test_api_rate_limits_per_key_with_retry_after(test_settings: Settings) -> None:
    settings = api_settings(test_settings, api_rate_limit_per_second=0.1, api_rate_limit_burst=2)
    with TestClient(create_app(settings)) as client:
        codes = [client.get("/v1/models", headers=AUTH).status_code for _ in range(3)]
        other = client.get("/v1/models", headers={"X-API-Key": OTHER_KEY})
        limited = client.get("/v1/models", headers=AUTH)
    assert codes == [200, 200, 429]
    assert other.status_code == 200
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1


def test_rate_limiter_refills_over_time() -> None:
    limiter = RateLimiter(rate=2.0, burst=1)
    limiter.acquire("k", now=0.0)
    limiter.acquire("k", now=0.5)
    with pytest.raises(Exception, match="Rate limit"):
        limiter.acquire("k", now=0.6)


def test_cors_is_closed_by_default(client: TestClient) -> None:
    headers = {"Origin": "https://crm.example", "Access-Control-Request-Method": "POST"}
    response = client.options("/v1/analyze", headers=headers)
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_configured_origin(test_settings: Settings) -> None:
    settings = api_settings(test_settings, api_cors_origins="https://crm.example")
    headers = {"Origin": "https://crm.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(settings)) as client:
        response = client.options("/v1/analyze", headers=headers)
    assert response.headers["access-control-allow-origin"] == "https://crm.example"


def test_feedback_text_is_not_logged_above_debug(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        client.post("/v1/analyze", json=items(SECRET_TEXT), headers=AUTH)
        client.post("/v1/analyze", json=items(SECRET_TEXT, " "), headers=AUTH)
        client.post("/v1/jobs", json=items(SECRET_TEXT), headers=AUTH)
    assert "4242" not in caplog.text
    assert KEY not in caplog.text
