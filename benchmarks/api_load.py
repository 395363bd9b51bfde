"""Load test of the HTTP API: a real uvicorn server on 127.0.0.1 and an httpx async client.

Measures p50/p95/p99 latency and throughput at 1, 10 and 50 concurrent clients, for single
short texts and batches of 32, checks that no request failed, and samples the server's RSS.
Every scenario is bounded in time and in request count; only loopback is ever contacted.

Usage: python benchmarks/api_load.py --profile basic [--seconds 10] [--max-requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"
TEXTS = (
    "Consegna puntuale, ma il servizio clienti non risponde.",
    "The parcel arrived broken and nobody answered my emails.",
    "Muy buena atención, volveré a comprar.",
    "Lieferung war schnell, Preis etwas hoch.",
)


@dataclass
class Result:
    """Latencies (seconds) and failures of one scenario."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _start_server(profile: str, port: int, key: str, jobs_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CX_NLP_API_KEYS": key,
        "CX_NLP_API_PROFILES": profile,
        "CX_NLP_API_RATE_LIMIT_PER_SECOND": "1000000",
        "CX_NLP_API_RATE_LIMIT_BURST": "1000000",
        "CX_NLP_JOBS_DIR": jobs_dir,
        "CX_NLP_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-c", "from cx_nlp.cli import run; run()", "serve"]
    command += ["--host", HOST, "--port", str(port)]
    return subprocess.Popen(command, env=env)


def _wait_ready(base_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {base_url} not ready after {timeout}s")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _body(batch: int, counter: int) -> dict[str, object]:
    return {
        "items": [
            {"id": f"{counter}-{n}", "text": TEXTS[(counter + n) % len(TEXTS)]}
            for n in range(batch)
        ]
    }


async def _client(
    client: httpx.AsyncClient, batch: int, deadline: float, budget: list[int], result: Result
) -> None:
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        try:
            response = await client.post("/v1/analyze", json=_body(batch, budget[0]))
            ok = response.status_code == 200 and len(response.json()["records"]) == batch
            reason = str(response.status_code)
        except httpx.HTTPError as exc:
            ok, reason = False, type(exc).__name__
        result.latencies.append(time.perf_counter() - started)
        if not ok:
            result.errors += 1
            result.reasons[reason] = result.reasons.get(reason, 0) + 1


async def _scenario(
    base_url: str, key: str, *, clients: int, batch: int, seconds: float, max_requests: int
) -> Result:
    result = Result()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:
        await client.post("/v1/analyze", json=_body(batch, 0))  # warm-up
        started = time.monotonic()
        budget = [max_requests]
        workers = [
            _client(client, batch, started + seconds, budget, result) for _ in range(clients)
        ]
        await asyncio.gather(*workers)
        result.seconds = time.monotonic() - started
    return result


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def _row(clients: int, batch: int, result: Result, rss: float) -> dict[str, object]:
    count = len(result.latencies)
    return {
        "clients": clients,
        "batch": batch,
        "requests": count,
        "errors": result.errors,
        "error_reasons": result.reasons,
        "p50_ms": round(_quantile(result.latencies, 50), 1),
        "p95_ms": round(_quantile(result.latencies, 95), 1),
        "p99_ms": round(_quantile(result.latencies, 99), 1),
        "req_per_s": round(count / result.seconds, 1),
        "items_per_s": round(count * batch / result.seconds, 1),
        "rss_mb": round(rss, 1),
    }


def main() -> int:
    """Run every scenario and print a table (and JSON with --json); exit 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="basic", help="Profile to serve (basic, fast, ...).")
    parser.add_argument("--seconds", type=float, default=10.0, help="Per scenario (max 120).")
    parser.add_argument("--max-requests", type=int, default=3000, help="Per scenario.")
    parser.add_argument("--clients", default="1,10,50", help="Concurrency levels.")
    parser.add_argument("--batches", default="1,32", help="Items per request.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    seconds = min(args.seconds, 120.0)
    port, key = _free_port(), secrets.token_urlsafe(24)
    base_url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="cx-nlp-bench-") as jobs_dir:
        server = _start_server(args.profile, port, key, jobs_dir)
        try:
            _wait_ready(base_url, timeout=300)
            rows = []
            print(f"profile={args.profile} idle rss={_rss_mb(server.pid):.1f} MB")
            for batch in (int(b) for b in args.batches.split(",")):
                for clients in (int(c) for c in args.clients.split(",")):
                    result = asyncio.run(
                        _scenario(base_url, key, clients=clients, batch=batch,
                                  seconds=seconds, max_requests=args.max_requests)
                    )  # fmt: skip
                    rows.append(_row(clients, batch, result, _rss_mb(server.pid)))
                    print(json.dumps(rows[-1]))
        finally:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
