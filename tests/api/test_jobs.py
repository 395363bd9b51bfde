"""Jobs: submit (JSON or file), follow, fetch results, delete, and survive a restart."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.jobs.store import JobStore, utcnow
from cx_nlp.config import Settings
from tests.api.helpers import AUTH, OTHER_KEY, api_settings, items, wait_for_job


@pytest.fixture
def client(test_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(test_settings))) as client:
        yield client


def _submit(client: TestClient, *texts: str) -> str:
    response = client.post("/v1/jobs", json=items(*texts), headers=AUTH)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_job_lifecycle_with_json_items(client: TestClient) -> None:
    job_id = _submit(client, "Ottimo", "Servizio pessimo", "Bene")
    status = wait_for_job(client, job_id)
    assert (status["state"], status["read"], status["scored"], status["rejected"]) == (
        "succeeded", 3, 3, 0,
    )  # fmt: skip
    assert status["progress"] == 1.0
    result = client.get(f"/v1/jobs/{job_id}/result", headers=AUTH)
    records = [json.loads(line) for line in result.text.splitlines()]
    assert [r["id"] for r in records] == ["t1", "t2", "t3"]
    assert records[1]["sentiment"]["label"] == "negative"


def test_job_keeps_metadata_and_hints(client: TestClient) -> None:
    item = {"id": "m1", "text": "Ottimo", "language": "es", "metadata": {"store": "12"}}
    job_id = client.post("/v1/jobs", json={"items": [item]}, headers=AUTH).json()["id"]
    wait_for_job(client, job_id)
    record = json.loads(client.get(f"/v1/jobs/{job_id}/result", headers=AUTH).text)
    assert (record["language"]["code"], record["metadata"]) == ("es", {"store": "12"})


def test_job_result_as_csv(client: TestClient) -> None:
    job_id = _submit(client, "Ottimo", "Servizio pessimo")
    wait_for_job(client, job_id)
    response = client.get(f"/v1/jobs/{job_id}/result?format=csv", headers=AUTH)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["id"], r["sentiment_label"]) for r in rows] == [
        ("t1", "positive"), ("t2", "negative"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("feedback.csv", b"id,text,store\nr1,Ottimo,7\nr2,,8\nr3,Servizio pessimo,9\n"),
        (
            "feedback.jsonl",
            b'{"id": "r1", "text": "Ottimo"}\n{"id": "r2", "text": ""}\n'
            b'{"id": "r3", "text": "Servizio pessimo"}\n',
        ),
    ],
)
def test_job_scores_uploaded_file_and_counts_rejected_rows(
    client: TestClient, filename: str, content: bytes
) -> None:
    response = client.post(
        "/v1/jobs", files={"file": (filename, content)}, data={"id_column": "id"}, headers=AUTH
    )
    assert response.status_code == 202, response.text
    status = wait_for_job(client, response.json()["id"])
    assert (status["read"], status["scored"], status["rejected"]) == (3, 2, 1)


def test_job_upload_rejects_missing_column(client: TestClient) -> None:
    files = {"file": ("f.csv", b"body\nOttimo\n")}
    response = client.post("/v1/jobs", files=files, headers=AUTH)
    assert response.status_code == 422
    assert "available columns: body" in response.json()["error"]["message"]


def test_job_upload_rejects_unknown_extension(client: TestClient) -> None:
    response = client.post("/v1/jobs", files={"file": ("f.doc", b"x")}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_file"


def test_job_rejects_other_content_types(client: TestClient) -> None:
    response = client.post(
        "/v1/jobs", content=b"text", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_job_rejects_empty_text_naming_the_item(client: TestClient) -> None:
    response = client.post("/v1/jobs", json=items("ok", "  "), headers=AUTH)
    assert (response.status_code, response.json()["error"]["item_id"]) == (422, "t2")


def test_job_is_invisible_to_other_keys(client: TestClient) -> None:
    job_id = _submit(client, "Ottimo")
    response = client.get(f"/v1/jobs/{job_id}", headers={"X-API-Key": OTHER_KEY})
    assert response.status_code == 404


def test_job_delete_removes_job_and_files(client: TestClient, test_settings: Settings) -> None:
    job_id = _submit(client, "Ottimo")
    wait_for_job(client, job_id)
    assert client.delete(f"/v1/jobs/{job_id}", headers=AUTH).status_code == 204
    assert client.get(f"/v1/jobs/{job_id}", headers=AUTH).status_code == 404
    assert not (test_settings.configs_dir.parent / "jobs" / job_id).exists()


def test_job_result_is_409_until_succeeded(test_settings: Settings) -> None:
    settings = api_settings(test_settings, jobs_poll_seconds=60.0)
    with TestClient(create_app(settings)) as client:
        store = client.app.state.cx.jobs  # type: ignore[attr-defined]
        client.app.state.cx.runner.stop()  # type: ignore[attr-defined]
        job_id = _submit(client, "Ottimo")
        assert store.get(job_id).state == "queued"
        assert client.get(f"/v1/jobs/{job_id}/result", headers=AUTH).status_code == 409


def _crash(store: JobStore, job_id: str) -> None:
    """Leave the job as a dead server would: running, owned by a silent worker."""
    old = utcnow() - timedelta(minutes=10)
    store._update(
        job_id, {}, state="running", worker="dead-worker", heartbeat_at=old, read=1, attempts=1
    )


@pytest.mark.parametrize(("mode", "expected"), [("resume", "succeeded"), ("fail", "failed")])
def test_restart_resumes_or_fails_interrupted_job(
    test_settings: Settings, mode: str, expected: str
) -> None:
    first = TestClient(create_app(api_settings(test_settings)))
    with first:
        first.app.state.cx.runner.stop()  # type: ignore[attr-defined]
        job_id = _submit(first, "Ottimo", "Servizio pessimo")
        _crash(first.app.state.cx.jobs, job_id)  # type: ignore[attr-defined]
    settings = api_settings(test_settings, jobs_on_restart=mode, jobs_stale_seconds=1.0)
    with TestClient(create_app(settings)) as second:
        status = wait_for_job(second, job_id)
    assert status["state"] == expected
    if expected == "succeeded":
        assert (status["scored"], status["attempts"]) == (2, 2)
    else:
        assert "restart" in status["error"]


def test_shutdown_mid_job_requeues_and_next_server_finishes(
    test_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = api_settings(test_settings, jobs_chunk_size=1)
    gate = threading.Event()
    with TestClient(create_app(settings)) as first:
        pipeline = first.app.state.cx.pipelines["fake"]  # type: ignore[attr-defined]
        analyze = pipeline.analyze

        def gated_analyze(*args: Any, **kwargs: Any) -> Any:
            gate.wait(10)
            return analyze(*args, **kwargs)

        monkeypatch.setattr(pipeline, "analyze", gated_analyze)
        job_id = _submit(first, *["Ottimo"] * 5)
        _wait_until(
            lambda: first.get(f"/v1/jobs/{job_id}", headers=AUTH).json()["state"] == "running"
        )
        threading.Timer(0.3, gate.set).start()  # released while the server shuts down
    monkeypatch.undo()
    with TestClient(create_app(settings)) as second:
        status = wait_for_job(second, job_id)
    assert (status["state"], status["scored"], status["attempts"]) == ("succeeded", 5, 2)


def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_job_store_tables_created_by_racing_workers(tmp_path: Path) -> None:
    """Two server workers opening a fresh database at once both start (no "already exists")."""
    from concurrent.futures import ThreadPoolExecutor

    from api.jobs.store import JobStore
    from cx_nlp.config import Settings

    settings = Settings(jobs_dir=tmp_path / "jobs")
    with ThreadPoolExecutor(8) as pool:
        stores = list(pool.map(lambda _: JobStore.open(settings), range(8)))
    for store in stores:
        store.close()
