"""POST /v1/analyze and /v1/aggregate, GET /v1/models, /health, /ready on the fake profile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api import create_app
from cx_nlp.config import Settings
from cx_nlp.schema import OUTPUT_FIELDS
from tests.api.helpers import AUTH, api_settings, items


@pytest.fixture
def client(test_settings: Settings) -> Iterator[TestClient]:
    settings = api_settings(test_settings, api_max_items=5, api_max_text_chars=200)
    with TestClient(create_app(settings)) as client:
        yield client


def _error(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "item_id"}
    return body["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "texts",
    [
        ("Consegna puntuale, ottimo servizio!", "Servizio pessimo."),
        ("The delivery was terrible.", "Great staff", "Muy malo", "Sehr gut"),
        ("配送が早かった", "Доставка отличная", "الخدمة ممتازة", "😡😡"),
    ],
)
def test_analyze_returns_one_contract_record_per_item_in_order(
    client: TestClient, texts: tuple[str, ...]
) -> None:
    response = client.post("/v1/analyze", json=items(*texts), headers=AUTH)
    assert response.status_code == 200, response.text
    records = response.json()["records"]
    assert [r["id"] for r in records] == [f"t{n}" for n in range(1, len(texts) + 1)]
    assert all(set(r) == set(OUTPUT_FIELDS) for r in records)
    assert all(r["sentences"] == [] for r in records)


def test_analyze_scores_negative_keyword_as_negative(client: TestClient) -> None:
    response = client.post("/v1/analyze", json=items("Servizio pessimo", "Ottimo"), headers=AUTH)
    labels = [r["sentiment"]["label"] for r in response.json()["records"]]
    assert labels == ["negative", "positive"]


def test_analyze_includes_sentences_on_request(client: TestClient) -> None:
    body = {**items("Prima frase. Seconda frase pessimo."), "options": {"include_sentences": True}}
    response = client.post("/v1/analyze", json=body, headers=AUTH)
    assert len(response.json()["records"][0]["sentences"]) == 2


def test_analyze_keeps_item_fields(client: TestClient) -> None:
    item = {
        "id": "A-17", "text": "Ottimo", "language": "es", "channel": "chat",
        "created_at": "2024-05-01T10:00:00", "metadata": {"store": 12},
    }  # fmt: skip
    record = client.post("/v1/analyze", json={"items": [item]}, headers=AUTH).json()["records"][0]
    assert record["language"]["code"] == "es"
    assert (record["channel"], record["metadata"]) == ("chat", {"store": 12})


@pytest.mark.parametrize("text", ["", " ", "\n\t  ", "\u3000"])
def test_analyze_rejects_empty_text_naming_the_item(client: TestClient, text: str) -> None:
    body = {"items": [{"id": "ok", "text": "Ottimo"}, {"id": "B-2", "text": text}]}
    response = client.post("/v1/analyze", json=body, headers=AUTH)
    assert response.status_code == 422
    error = _error(response)
    assert error["item_id"] == "B-2"
    assert error["code"] in ("empty_text", "invalid_input")


def test_analyze_rejects_too_many_items(client: TestClient) -> None:
    response = client.post("/v1/analyze", json=items(*["ok"] * 6), headers=AUTH)
    assert response.status_code == 422
    assert _error(response)["code"] == "invalid_input"


def test_analyze_rejects_no_items(client: TestClient) -> None:
    response = client.post("/v1/analyze", json={"items": []}, headers=AUTH)
    assert response.status_code == 422


def test_analyze_rejects_too_long_text_naming_the_item(client: TestClient) -> None:
    response = client.post("/v1/analyze", json=items("ok", "x" * 201), headers=AUTH)
    assert response.status_code == 422
    assert _error(response)["item_id"] == "t2"


@pytest.mark.parametrize(
    "body",
    [
        {"items": [{"id": "u1", "text": "ok", "colour": "red"}]},
        {"items": [{"id": "u1", "text": "ok"}], "extra": 1},
        {"items": [{"id": "u1", "text": "ok"}], "options": {"profil": "fake"}},
    ],
)
def test_analyze_rejects_unknown_fields(client: TestClient, body: dict[str, object]) -> None:
    response = client.post("/v1/analyze", json=body, headers=AUTH)
    assert response.status_code == 422
    assert _error(response)["code"] == "invalid_input"


@pytest.mark.parametrize(
    "body",
    [
        {"items": [{"id": "w1", "text": 42}]},
        {"items": [{"id": 7, "text": "ok"}]},
        {"items": [{"id": "w1", "text": ["ok"]}]},
        {"items": [{"id": "w1", "text": "ok", "channel": "fax"}]},
        {"items": [{"id": "w1", "text": "ok", "created_at": "yesterday"}]},
        {"items": {"id": "w1", "text": "ok"}},
        {"items": [{"id": "w1", "text": "ok"}], "options": {"profile": "nope"}},
        ["not", "an", "object"],
    ],
)
def test_analyze_rejects_wrong_types(client: TestClient, body: object) -> None:
    response = client.post("/v1/analyze", json=body, headers=AUTH)
    assert response.status_code == 422
    _error(response)


def test_analyze_wrong_type_names_the_item(client: TestClient) -> None:
    body = {"items": [{"id": "ok", "text": "ok"}, {"id": "w2", "text": 42}]}
    assert _error(client.post("/v1/analyze", json=body, headers=AUTH))["item_id"] == "w2"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"items": [{"id": "n1", "text": "caf\xe9"}]}',
        b'{"items": [{"id": "n1", "text": "\xff\xfe"}]}',
        b'{"items": [{"id": "n1", "text": ',
        b"\x00\x01\x02",
    ],
)
def test_analyze_rejects_non_utf8_or_broken_bodies(client: TestClient, raw: bytes) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    response = client.post("/v1/analyze", content=raw, headers=headers)
    assert response.status_code in (400, 422)
    assert "Traceback" not in response.text
    _error(response)


def test_analyze_rejects_lone_surrogates_naming_the_item(client: TestClient) -> None:
    raw = b'{"items": [{"id": "s1", "text": "bad \\ud800 text"}]}'
    headers = {**AUTH, "Content-Type": "application/json"}
    response = client.post("/v1/analyze", content=raw, headers=headers)
    assert response.status_code == 422
    error = _error(response)
    assert error["item_id"] == "s1"
    assert error["code"] in ("invalid_encoding", "invalid_input")


def test_aggregate_returns_sentiment_distribution(client: TestClient) -> None:
    body = items("Servizio pessimo", "Ottimo", "Bene", "Molto bene")
    response = client.post("/v1/aggregate", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["items"], summary["scored"], summary["rejected"]) == (4, 4, 0)
    assert summary["sentiment"]["negative"] == {"count": 1, "share": 0.25}
    assert (summary["forces_index"], summary["topics"], summary["emotions"]) == (None, None, None)


def test_models_lists_loaded_profiles(client: TestClient) -> None:
    response = client.get("/v1/models", headers=AUTH)
    assert response.json()["profiles"] == [
        {
            "profile": "fake", "default": True,
            "analyzers": ["prepare", "fake_language", "sentences", "fake_sentiment"],
            "models": [],
        }
    ]  # fmt: skip


def test_models_lists_model_cards_from_manifests(test_settings: Settings, tmp_path: object) -> None:
    models_dir = test_settings.configs_dir.parent / "models"
    (models_dir / "sentiment-xlmr-v1").mkdir(parents=True)
    (models_dir / "sentiment-xlmr-v1" / "manifest.json").write_text('{"name": "sentiment"}')
    (models_dir / "broken-v1").mkdir()
    (models_dir / "broken-v1" / "manifest.json").write_text("{not json")
    with TestClient(create_app(api_settings(test_settings, models_dir=models_dir))) as client:
        cards = client.get("/v1/models", headers=AUTH).json()["model_cards"]
    assert cards[1] == {"directory": "sentiment-xlmr-v1", "name": "sentiment"}
    assert cards[0]["directory"] == "broken-v1"
    assert "error" in cards[0]


@pytest.mark.parametrize(("path", "expected"), [("/health", "ok"), ("/ready", "ready")])
def test_health_and_ready_need_no_key(client: TestClient, path: str, expected: str) -> None:
    response = client.get(path)
    assert (response.status_code, response.json()) == (200, {"status": expected})


def test_ready_is_503_outside_the_lifespan(test_settings: Settings) -> None:
    client = TestClient(create_app(api_settings(test_settings)))  # lifespan not run
    response = client.get("/ready")
    assert (response.status_code, response.json()) == (503, {"status": "not_ready"})
    assert client.post("/v1/analyze", json=items("ok"), headers=AUTH).status_code == 503


def test_start_up_fails_on_unknown_profile(test_settings: Settings) -> None:
    from cx_nlp.errors import ConfigError

    app = create_app(api_settings(test_settings, api_profiles="fake,missing"))
    with pytest.raises(ConfigError, match="missing"), TestClient(app):
        pass


def test_openapi_documents_versioned_paths_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/analyze", "/v1/aggregate", "/v1/jobs", "/v1/models"} <= set(spec["paths"])
    components = spec["components"]["schemas"]
    assert components["AnalyzeRequest"]["examples"]
    assert components["AnalyzeRequest"]["properties"]["items"]["maxItems"] == 5
    assert "AnalyzeResponse" in components
    assert "JobRequest" in components


def test_metrics_count_requests_and_batches(client: TestClient) -> None:
    client.post("/v1/analyze", json=items("ok", "pessimo"), headers=AUTH)
    text = client.get("/metrics", headers=AUTH).text
    assert 'cx_nlp_http_requests_total{method="POST",route="/v1/analyze",status="200"} 1.0' in text
    assert 'cx_nlp_batch_items_sum{profile="fake"} 2.0' in text
    assert "cx_nlp_inference_seconds_count" in text
    assert "cx_nlp_queue_depth" in text
