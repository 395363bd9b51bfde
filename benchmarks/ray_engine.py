"""The Ray engine against the local engine on the same file: rows/s, peak memory, sizing.

Scores one synthetic review CSV (``batch_scoring.write_reviews``: id, text, channel, date,
stars, NPS, product, store, country) with ``cx-nlp score`` in a subprocess, as an analyst
would: the local engine with ``--workers`` 1 and 2, then ``--engine ray`` (a Ray instance
started by the command on this machine) with ``--actors`` 1 and 2. Reports wall time
(Ray start-up and model loading included), the scoring rate from the run's summary, peak
resident memory of the process tree (for Ray: the driver, GCS, raylet and actor
processes, which are all children of the command), and the load average around each run.
Then the sizing note: how many cores, and machines of ``--machine-cores``, score
``--target-rows`` reviews in ``--hours``, from the best measured rate per core.

Run: ``.venv/bin/python benchmarks/ray_engine.py --rows 100000``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_scoring import CLI, run_score, write_reviews

MAPPING = [
    "--id-column", "id", "--channel-column", "channel", "--date-column", "created_at",
    "--rating-column", "rating", "--recommend-column", "nps", "--segment-column", "product",
    "--segment-column", "store", "--segment-column", "country",
]  # fmt: skip


def run(
    source: Path, label: str, engine_args: list[str], *, profile: str, batch_size: int
) -> dict[str, float]:
    """Score ``source`` once with the CLI; wall seconds, summary rows/s, peak tree RSS."""
    output = source.with_name(f"{source.stem}.{label}.jsonl")
    command = [CLI, "score", str(source), "-o", str(output), *MAPPING, "--profile", profile,
               "--batch-size", str(batch_size), *engine_args]  # fmt: skip
    wall, peak = run_score(command, label)
    summary = json.loads(output.with_name(output.name + ".summary.json").read_text())
    return {
        "wall": wall,
        "rows_per_second": summary["rows_per_second"],
        "end_to_end": summary["read"] / wall,
        "peak_mib": peak / 1024,
    }


def sizing(rate_per_core: float, *, rows: int, hours: float, machine_cores: int) -> str:
    """Cores and machines to score ``rows`` in ``hours`` at ``rate_per_core`` rows/s."""
    needed = rows / (hours * 3600)
    cores = math.ceil(needed / rate_per_core)
    machines = math.ceil(cores / machine_cores)
    return (
        f"{rows:,} rows in {hours:g} h = {needed:,.0f} rows/s; at {rate_per_core:,.1f} rows/s "
        f"per core: {cores:,} cores = {machines:,} machines of {machine_cores} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cx-nlp-ray-bench"))
    parser.add_argument("--target-rows", type=int, default=100_000_000)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--machine-cores", type=int, default=16)
    parser.add_argument(
        "--extra-rate", action="append", default=[], metavar="NAME=ROWS_PER_CORE_S",
        help="Another profile's rate per core (e.g. measured elsewhere) to size as well.",
    )  # fmt: skip
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"reviews_{args.rows}.csv"
    if not source.exists():
        write_reviews(source, args.rows, seed=args.seed)
    runs = [
        ("local-w1", 1, ["--workers", "1"]),
        ("local-w2", 2, ["--workers", "2"]),
        ("ray-a1", 1, ["--engine", "ray", "--actors", "1"]),
        ("ray-a2", 2, ["--engine", "ray", "--actors", "2"]),
    ]
    print(f"{args.rows} rows, profile {args.profile}, batch {args.batch_size}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'engine':>9} {'wall s':>8} {'rows/s':>8} {'e2e rows/s':>10} {'peak MiB':>9}  "
          "load avg before/after")  # fmt: skip
    per_core: dict[str, float] = {}
    for label, cores, engine_args in runs:
        before = os.getloadavg()[0]
        result = run(source, label, engine_args, profile=args.profile, batch_size=args.batch_size)
        after = os.getloadavg()[0]
        per_core[label] = result["rows_per_second"] / cores
        print(
            f"{label:>9} {result['wall']:>8.1f} {result['rows_per_second']:>8.1f} "
            f"{result['end_to_end']:>10.1f} {result['peak_mib']:>9.0f}  {before:.1f}/{after:.1f}",
            flush=True,
        )
    print("\nsizing (rows/s of the summary: scoring with models loaded, per core used):")
    rates = {**per_core, **{k: float(v) for k, v in (x.split("=", 1) for x in args.extra_rate)}}
    for label, rate in rates.items():
        note = sizing(
            rate, rows=args.target_rows, hours=args.hours, machine_cores=args.machine_cores
        )
        print(f"  {label}: {note}")


if __name__ == "__main__":
    main()
