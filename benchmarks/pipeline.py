"""Throughput, latency and peak memory of a pipeline profile, with each analyzer's share.

The texts of ``data_samples/feedback.csv`` are repeated up to ``--rows``. Three measurements:

1. the whole pipeline over batches of ``--batch-size`` (throughput, per-batch latency);
2. the same batches with the analyzers run one by one, timed separately (each stage's share;
   ``prepare`` alone is the baseline: the cheapest possible pipeline);
3. ``--single`` calls with one text each (per-text latency, as the API sees it).

Run: ``.venv/bin/python benchmarks/pipeline.py --profile basic --rows 20000``.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cx_nlp
from cx_nlp.config import PROJECT_ROOT
from cx_nlp.pipeline import Pipeline

SAMPLES = PROJECT_ROOT / "data_samples" / "feedback.csv"


def read_items(path: Path, rows: int) -> list[dict[str, str]]:
    """The CSV's texts repeated up to ``rows`` items, each with a unique id."""
    with path.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle) if row["text"].strip()]
    return [{"id": f"R{i}", "text": texts[i % len(texts)]} for i in range(rows)]


def batches(items: list[dict[str, str]], size: int) -> list[list[dict[str, str]]]:
    """Consecutive slices of ``size`` items."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def percentiles(seconds: list[float]) -> str:
    """p50/p95/p99 in milliseconds."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive") if len(seconds) > 1 else []
    p50, p95, p99 = (cuts[49], cuts[94], cuts[98]) if cuts else (seconds[0],) * 3
    return f"p50 {p50 * 1e3:8.2f} ms  p95 {p95 * 1e3:8.2f} ms  p99 {p99 * 1e3:8.2f} ms"


def time_pipeline(pipeline: Pipeline, chunks: list[list[dict[str, str]]]) -> list[float]:
    """Seconds per batch for the whole pipeline."""
    seconds = []
    for chunk in chunks:
        started = time.perf_counter()
        pipeline.analyze(chunk)
        seconds.append(time.perf_counter() - started)
    return seconds


def time_stages(pipeline: Pipeline, chunks: list[list[dict[str, str]]]) -> dict[str, float]:
    """Total seconds per stage: input validation, then each analyzer run on its own."""
    validate = Pipeline([], settings=pipeline.settings)
    totals: dict[str, float] = defaultdict(float)
    for chunk in chunks:
        started = time.perf_counter()
        docs = validate.analyze(chunk)
        totals["(validate input)"] += time.perf_counter() - started
        for analyzer in pipeline.analyzers:
            started = time.perf_counter()
            docs = analyzer(docs)
            totals[analyzer.name] += time.perf_counter() - started
    return totals


def time_single(pipeline: Pipeline, items: list[dict[str, str]], count: int) -> list[float]:
    """Seconds per call for ``count`` calls with one text each."""
    seconds = []
    for item in items[:count]:
        started = time.perf_counter()
        pipeline.analyze([item])
        seconds.append(time.perf_counter() - started)
    return seconds


def report_stages(totals: dict[str, float], rows: int) -> None:
    """Print each stage's throughput and share of the summed time."""
    overall = sum(totals.values())
    print(f"\nstages run one by one (sum {rows / overall:,.0f} texts/s):")
    for name, seconds in totals.items():
        share = seconds / overall
        print(f"  {name:<18} {seconds:7.2f} s  {share:6.1%}  {rows / seconds:10,.0f} texts/s")


def run(args: argparse.Namespace) -> None:
    """Load the profile, run the three measurements and print them."""
    started = time.perf_counter()
    pipeline = cx_nlp.load(args.profile)
    loaded = time.perf_counter() - started
    print(f"profile {args.profile}: {' -> '.join(pipeline.names)} (load {loaded:.1f}s)")
    print(f"cpus {os.cpu_count()}, rows {args.rows}, batch size {args.batch_size}")
    items = read_items(args.csv, args.rows)
    chunks = batches(items, args.batch_size)
    pipeline.analyze(chunks[0])  # warm-up: lazy spaCy pipelines, first-call costs
    seconds = time_pipeline(pipeline, chunks)
    print(f"\npipeline: {args.rows / sum(seconds):,.0f} texts/s ({sum(seconds):.2f}s)")
    print(f"  per batch  {percentiles(seconds)}")
    single = time_single(pipeline, items, args.single)
    print(f"  per text   {percentiles(single)}  ({len(single)} calls of one text)")
    report_stages(time_stages(pipeline, chunks), args.rows)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak_mib:,.0f} MiB")


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", default="basic", help="profile name or TOML path")
    parser.add_argument("--rows", type=int, default=20_000, help="texts, by repeating the CSV")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--single", type=int, default=500, help="single-text calls to time")
    parser.add_argument("--csv", type=Path, default=SAMPLES, help="CSV with a 'text' column")
    args: Any = parser.parse_args()
    run(args)


if __name__ == "__main__":
    main()
