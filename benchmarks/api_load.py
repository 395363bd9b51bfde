"""Load test of the HTTP API: a real uvicorn server on 127.0.0.1 and an httpx async client.

Measures p50/p95/p99 latency and throughput at 1, 10 and 50 concurrent clients, for single
short texts and batches of 32, checks that no request failed, and samples the server's RSS.
Every scenario is bounded in time and in request count; only loopback is ever contacted.

Server layouts (``--layouts``, ``WORKERSxTHREADS``: uvicorn worker processes x encoder BLAS
threads each) are compared in the same run; ``--soak SECONDS`` adds a run of 10 clients mixing
single texts and batches that samples the server's resident memory every 5 seconds.

Usage: python benchmarks/api_load.py --profile fast [--layouts 1x2,2x1] [--seconds 10]
       [--max-requests 3000] [--soak 300]
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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
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


def _start_server(
    profile: str, port: int, key: str, jobs_dir: str, layout: tuple[int, int]
) -> subprocess.Popen[bytes]:
    workers, threads = layout
    env = {
        **os.environ,
        "CX_NLP_API_KEYS": key,
        "CX_NLP_API_PROFILES": profile,
        "CX_NLP_API_RATE_LIMIT_PER_SECOND": "1000000",
        "CX_NLP_API_RATE_LIMIT_BURST": "1000000",
        "CX_NLP_JOBS_DIR": jobs_dir,
        "CX_NLP_LOG_LEVEL": "WARNING",
        "CX_NLP_NUM_THREADS": str(threads),
    }
    command = [sys.executable, "-c", "from cx_nlp.cli import run; run()", "serve"]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
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
    """Resident memory of ``pid`` and its children (uvicorn workers), in MiB."""
    total = 0.0
    for process in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{process}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except FileNotFoundError:
            continue
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *_children(child)]
    return found


def _body(batch: int, counter: int) -> dict[str, object]:
    return {
        "items": [
            {"id": f"{counter}-{n}", "text": TEXTS[(counter + n) % len(TEXTS)]}
            for n in range(batch)
        ]
    }


async def _client(
    post: Poster, batch: int, deadline: float, budget: list[int], result: Result
) -> None:
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        try:
            status, records = await post(_body(batch, budget[0]))
            ok, reason = status == 200 and records == batch, str(status)
        except (httpx.HTTPError, aiohttp.ClientError, TimeoutError) as exc:
            ok, reason = False, type(exc).__name__
        result.latencies.append(time.perf_counter() - started)
        if not ok:
            result.errors += 1
            result.reasons[reason] = result.reasons.get(reason, 0) + 1


Poster = Callable[[dict[str, object]], Awaitable[tuple[int, int]]]


@asynccontextmanager
async def _httpx_poster(base_url: str, key: str, clients: int) -> AsyncIterator[Poster]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=60
    ) as client:

        async def post(body: dict[str, object]) -> tuple[int, int]:
            response = await client.post("/v1/analyze", json=body)
            records = len(response.json()["records"]) if response.status_code == 200 else 0
            return response.status_code, records

        yield post


@asynccontextmanager
async def _aiohttp_poster(base_url: str, key: str, clients: int) -> AsyncIterator[Poster]:
    connector = aiohttp.TCPConnector(limit=clients)
    headers = {"Authorization": f"Bearer {key}"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        base_url=base_url, headers=headers, connector=connector, timeout=timeout
    ) as session:

        async def post(body: dict[str, object]) -> tuple[int, int]:
            async with session.post("/v1/analyze", json=body) as response:
                if response.status != 200:
                    return response.status, 0
                payload = await response.json()
                return response.status, len(payload["records"])

        yield post


POSTERS = {"aiohttp": _aiohttp_poster, "httpx": _httpx_poster}


async def _scenario(
    base_url: str,
    key: str,
    *,
    clients: int,
    batch: int,
    seconds: float,
    max_requests: int,
    result: Result | None = None,
    client: str = "aiohttp",
) -> Result:
    result = result if result is not None else Result()
    async with POSTERS[client](base_url, key, clients) as post:
        await post(_body(batch, 0))  # warm-up
        started = time.monotonic()
        budget = [max_requests]
        workers = [_client(post, batch, started + seconds, budget, result) for _ in range(clients)]
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


def _wait_all_workers(pid: int, seconds: float = 120.0) -> None:
    """Wait until the server's memory stops growing: every worker has loaded its models."""
    deadline, last = time.monotonic() + seconds, -1.0
    while time.monotonic() < deadline:
        time.sleep(3)
        now = _rss_mb(pid)
        if abs(now - last) < 5:
            return
        last = now


async def _soak(
    base_url: str, key: str, seconds: float, pid: int, client: str
) -> dict[str, object]:
    """10 clients (8 single texts, 2 batches of 32) for ``seconds``; RSS every 5 s."""
    singles, batches, samples = Result(), Result(), [_rss_mb(pid)]

    async def sample() -> None:
        while True:
            await asyncio.sleep(5)
            samples.append(_rss_mb(pid))

    sampler = asyncio.create_task(sample())
    await asyncio.gather(
        _scenario(base_url, key, clients=8, batch=1, seconds=seconds, max_requests=10**9,
                  result=singles, client=client),
        _scenario(base_url, key, clients=2, batch=32, seconds=seconds, max_requests=10**9,
                  result=batches, client=client),
    )  # fmt: skip
    sampler.cancel()
    third = max(1, len(samples) // 3)
    return {
        "soak_seconds": seconds,
        "requests": len(singles.latencies) + len(batches.latencies),
        "errors": singles.errors + batches.errors,
        "single_p95_ms": round(_quantile(singles.latencies, 95), 1),
        "rss_mb_first_third_mean": round(statistics.mean(samples[:third]), 1),
        "rss_mb_last_third_mean": round(statistics.mean(samples[-third:]), 1),
        "rss_mb_max": round(max(samples), 1),
    }


def _layout(text: str) -> tuple[int, int]:
    workers, _, threads = text.partition("x")
    return int(workers), int(threads or 1)


def main() -> int:
    """Run every scenario per layout and print JSON lines (and --json); exit 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="basic", help="Profile to serve (basic, fast, ...).")
    parser.add_argument("--layouts", default="1x2", help="WORKERSxTHREADS, comma-separated.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Per scenario (max 120).")
    parser.add_argument("--max-requests", type=int, default=3000, help="Per scenario.")
    parser.add_argument("--clients", default="1,10,50", help="Concurrency levels.")
    parser.add_argument("--batches", default="1,32", help="Items per request.")
    parser.add_argument(
        "--client",
        choices=sorted(POSTERS),
        default="aiohttp",
        help="Load generator library (aiohttp needs less CPU per request than httpx).",
    )
    parser.add_argument("--soak", type=float, default=0.0, help="Soak seconds (max 900).")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    seconds = min(args.seconds, 120.0)
    rows: list[dict[str, object]] = []
    for layout in (_layout(text) for text in args.layouts.split(",")):
        rows += _run_layout(args, layout, seconds)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 1 if any(row["errors"] for row in rows) else 0


def _run_layout(
    args: argparse.Namespace, layout: tuple[int, int], seconds: float
) -> list[dict[str, object]]:
    port, key = _free_port(), secrets.token_urlsafe(24)
    base_url = f"http://{HOST}:{port}"
    rows: list[dict[str, object]] = []
    tag = {"layout": f"{layout[0]}x{layout[1]}", "client": args.client}
    with tempfile.TemporaryDirectory(prefix="cx-nlp-bench-") as jobs_dir:
        server = _start_server(args.profile, port, key, jobs_dir, layout)
        try:
            _wait_ready(base_url, timeout=300)
            _wait_all_workers(server.pid)
            print(f"profile={args.profile} layout={tag['layout']} "
                  f"idle rss={_rss_mb(server.pid):.1f} MB", flush=True)  # fmt: skip
            for batch in (int(b) for b in args.batches.split(",")):
                for clients in (int(c) for c in args.clients.split(",")):
                    result = asyncio.run(
                        _scenario(base_url, key, clients=clients, batch=batch,
                                  seconds=seconds, max_requests=args.max_requests,
                                  client=args.client)
                    )  # fmt: skip
                    rows.append(tag | _row(clients, batch, result, _rss_mb(server.pid)))
                    print(json.dumps(rows[-1]), flush=True)
            if args.soak:
                soak = asyncio.run(
                    _soak(base_url, key, min(args.soak, 900.0), server.pid, args.client)
                )
                rows.append(tag | soak)
                print(json.dumps(rows[-1]), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
