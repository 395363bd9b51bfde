"""A real uvicorn server on loopback, and the job store on a real PostgreSQL server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from api import create_app
from api.jobs.store import JobStore
from cx_nlp.config import Settings
from cx_nlp.scoring import ColumnMapping, ScoreSummary
from tests.api.helpers import AUTH, api_settings, items

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture
def live_url(test_settings: Settings) -> Iterator[str]:
    """Base URL of a uvicorn server on a free loopback port, stopped after the test."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(api_settings(test_settings)), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.mark.slow
def test_live_server_analyzes_concurrent_requests(live_url: str) -> None:
    with httpx.Client(base_url=live_url, headers=AUTH, timeout=10) as client:
        assert client.get("/ready").json() == {"status": "ready"}
        with ThreadPoolExecutor(8) as pool:
            bodies = [items(f"Ottimo {n}", "pessimo") for n in range(40)]
            responses = list(pool.map(lambda body: client.post("/v1/analyze", json=body), bodies))
        assert {r.status_code for r in responses} == {200}
        assert [r.json()["records"][0]["text"] for r in responses[:2]] == ["Ottimo 0", "Ottimo 1"]
        assert client.post("/v1/analyze", json=items("  ")).status_code == 422
    assert httpx.get(f"{live_url}/v1/models", headers={"X-API-Key": "wrong"}).status_code == 401


def _pg_server(root: Path) -> Iterator[str]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql)")
    if shutil.which("runuser") is None:
        pytest.skip("runuser is missing; cannot run PostgreSQL as a non-root user")
    data, sockets = root / "pgdata", root / "pgsock"
    sockets.mkdir()
    shutil.chown(root, "postgres")
    shutil.chown(sockets, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    as_postgres = ["runuser", "-u", "postgres", "--"]
    try:
        subprocess.run([*as_postgres, PG_BIN / "initdb", "-D", data, "--auth=trust", "-U",
                        "postgres"], check=True, capture_output=True, timeout=60)  # fmt: skip
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1"
        subprocess.run([*as_postgres, PG_BIN / "pg_ctl", "-D", data, "-o", options, "-w",
                        "-l", root / "pg.log", "start"], check=True, capture_output=True,
                       timeout=60)  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, KeyError, OSError) as exc:
        pytest.skip(f"PostgreSQL could not be started: {exc}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, PG_BIN / "pg_ctl", "-D", data, "-m", "fast", "stop"],
                       check=False, capture_output=True, timeout=60)  # fmt: skip


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free loopback port (skips if unavailable)."""
    # Not under pytest's tmp dir: that one is private to root, and PostgreSQL refuses root.
    root = Path(tempfile.mkdtemp(prefix="cx-nlp-pg-"))
    try:
        yield from _pg_server(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_job_store_on_postgresql_claims_once_and_recovers(
    test_settings: Settings, postgres_url: str
) -> None:
    settings = api_settings(test_settings, jobs_database_url=SecretStr(postgres_url))
    store = JobStore.open(settings)
    try:
        assert store.engine.dialect.name == "postgresql"
        store.create(
            "j1", owner="o", profile="fake", input_name="in.jsonl", columns=ColumnMapping()
        )
        assert store.claim_next("w1") is not None
        assert store.claim_next("w2") is None
        assert store.progress("j1", "w1", read=1)
        assert not store.progress("j1", "w2", read=1)
        assert store.recover(worker="w2", stale_seconds=0, mode="resume") == ["j1"]
        claimed = store.claim_next("w2")
        assert claimed is not None
        assert claimed.attempts == 2
        assert store.finish("j1", "w2", ScoreSummary(read=3, scored=2, rejected=1))
        status = store.get("j1")
        assert status is not None
        assert status.status().state == "succeeded"
    finally:
        store.close()


@pytest.mark.slow
def test_api_jobs_on_postgresql(test_settings: Settings, postgres_url: str) -> None:
    from fastapi.testclient import TestClient

    from tests.api.helpers import wait_for_job

    settings = api_settings(test_settings, jobs_database_url=SecretStr(postgres_url))
    with TestClient(create_app(settings)) as client:
        job_id = client.post("/v1/jobs", json=items("Ottimo", "pessimo"), headers=AUTH).json()["id"]
        status = wait_for_job(client, job_id)
    assert (status["state"], status["scored"]) == ("succeeded", 2)


@pytest.mark.slow
def test_serve_with_two_workers_keeps_both_alive(tmp_path: Path) -> None:
    """`cx-nlp serve --workers 2 --profile fast`: workers load the models without being
    killed by uvicorn's start-up health check (5 s by default, shorter than model loading)."""
    import os
    import sys

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "CX_NLP_API_KEYS": "k" * 24, "CX_NLP_JOBS_DIR": str(tmp_path / "jobs")}
    command = [sys.executable, "-c", "from cx_nlp.cli import run; run()", "serve"]
    command += ["--port", str(port), "--workers", "2", "--profile", "fast"]
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 240
            while True:
                assert time.monotonic() < deadline, log.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(1)
            time.sleep(10)  # the second worker finishes loading meanwhile
            headers = {"Authorization": "Bearer " + "k" * 24}
            for _ in range(10):
                response = httpx.post(
                    f"http://127.0.0.1:{port}/v1/analyze", json=items("Ottimo servizio"),
                    headers=headers, timeout=30,
                )  # fmt: skip
                assert response.status_code == 200
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                pytest.fail("the server did not stop within 60 s of SIGTERM:\n" + log.read_text())
    text = log.read_text()
    assert "died" not in text, text
    assert text.count("Application startup complete") == 2, text
