"""End-to-end ``cx-nlp score`` on synthetic review files: rows/s and peak memory per size.

Writes CSVs of ``--sizes`` rows (id, text, channel, date, stars, NPS, product, store,
country) and scores each with ``--workers`` 1 and 2, as an analyst would: the CLI in a
subprocess. Reports wall time (model loading included), the scoring rate from the run's
summary, the CPU seconds of the process tree (rows per CPU second does not depend on what
else runs on the machine: on a shared machine compare that), and the peak resident memory
of the whole process tree (parent and workers, sampled every 0.2 s from /proc).

Texts: 70% of rows join 1-3 sentences drawn from the Italian Amazon.it reviews (shared
part, ``../shared/data/amazon_it_reviews_stars``; about 34,500 distinct sentences), 30%
are the multilingual texts of ``data_samples/feedback.csv`` plus a sentence with an order
number. So sentences rarely repeat within a chunk, as in a real export (the encoder
encodes each distinct sentence of a chunk once; repeating 345 texts would flatter it).

Run: ``.venv/bin/python benchmarks/batch_scoring.py --sizes 10000,100000 --workers 1,2``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cx_nlp.config import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "data_samples" / "feedback.csv"
AMAZON = PROJECT_ROOT.parent / "shared" / "data" / "amazon_it_reviews_stars"
CLI = str(Path(sys.executable).parent / "cx-nlp")
FIELDS = ["id", "text", "channel", "created_at", "rating", "nps", "product", "store", "country"]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentence_pool(folder: Path) -> list[str]:
    """Distinct sentences of the Amazon.it reviews (empty when the folder is missing)."""
    sentences: dict[str, None] = {}
    for path in sorted(folder.glob("reviews*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for sentence in SENTENCE_END.split(" ".join(row["comment"].split())):
                    if len(sentence) >= 8:
                        sentences[sentence] = None
    return list(sentences)


def write_reviews(path: Path, rows: int, *, seed: int) -> None:
    """A synthetic export of ``rows`` reviews (see the module docstring)."""
    rng = random.Random(seed)
    with SAMPLES.open(encoding="utf-8", newline="") as handle:
        samples = [row for row in csv.DictReader(handle) if row["text"].strip()]
    pool = sentence_pool(AMAZON)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for number in range(rows):
            sample = rng.choice(samples)
            if pool and rng.random() < 0.7:
                text = " ".join(rng.sample(pool, rng.randint(1, 3)))
            else:
                text = f"{sample['text']} Ordine {rng.randint(10_000, 99_999)}."
            writer.writerow({
                "id": f"R{number:07d}", "text": text, "channel": sample["channel"],
                "created_at": sample["created_at"], "rating": sample["rating"],
                "nps": rng.randint(0, 10), "product": sample["product"],
                "store": sample["store"], "country": sample["country"],
            })  # fmt: skip


def tree_rss_kib(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, in KiB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        pid = int(status.parent.name)
        parents[pid] = int(fields["PPid"])
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def run_score(command: list[str], label: str) -> tuple[float, int]:
    """Run a ``cx-nlp score`` command; wall seconds and peak RSS (KiB) of its process tree.

    stderr goes to a temporary file, not a pipe, so a chatty run (Ray logs) cannot fill the
    pipe and stall; it is shown when the command fails (exit codes 0 and 3 are success).
    """
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stderr=errors, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.2)
        wall = time.perf_counter() - started
        if process.returncode not in (0, 3):
            errors.seek(0)
            raise SystemExit(f"{label} failed: {errors.read()}")
    return wall, peak


def score(source: Path, *, workers: int, profile: str, batch_size: int) -> dict[str, float]:
    """Run the CLI once; wall seconds, scoring rows/s and peak tree RSS."""
    output = source.with_suffix(f".w{workers}.jsonl")
    command = [
        CLI, "score", str(source), "-o", str(output), "--id-column", "id",
        "--channel-column", "channel", "--date-column", "created_at", "--rating-column",
        "rating", "--recommend-column", "nps", "--segment-column", "product",
        "--segment-column", "store", "--segment-column", "country", "--profile", profile,
        "--workers", str(workers), "--batch-size", str(batch_size),
    ]  # fmt: skip
    cpu_before = _children_cpu()
    wall, peak = run_score(command, "cx-nlp score")
    cpu = _children_cpu() - cpu_before
    summary = json.loads(output.with_name(output.name + ".summary.json").read_text())
    return {
        "wall": wall,
        "scoring_seconds": summary["seconds"],
        "rows_per_second": summary["rows_per_second"],
        "end_to_end": summary["read"] / wall,
        "peak_mib": peak / 1024,
        "cpu": cpu,
        "rows_per_cpu_second": summary["read"] / cpu,
    }


def _children_cpu() -> float:
    """User + system CPU seconds of every finished descendant (the CLI reaps its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="Rows per file, comma-separated.")
    parser.add_argument("--workers", default="1,2", help="Worker counts, comma-separated.")
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/cx-nlp-batch-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"profile {args.profile}, batch {args.batch_size}, {os.cpu_count()} cores")
    print(f"{'rows':>9} {'workers':>7} {'wall s':>8} {'scoring s':>9} {'rows/s':>8} "
          f"{'e2e rows/s':>10} {'CPU s':>7} {'rows/CPU s':>10} {'peak MiB':>9}  "
          "load avg before/after")  # fmt: skip
    for size in (int(value) for value in args.sizes.split(",")):
        source = args.dir / f"reviews_{size}.csv"
        if not source.exists():
            write_reviews(source, size, seed=args.seed)
        for workers in (int(value) for value in args.workers.split(",")):
            before = os.getloadavg()[0]
            result = score(source, workers=workers, profile=args.profile,
                           batch_size=args.batch_size)  # fmt: skip
            after = os.getloadavg()[0]
            print(
                f"{size:>9} {workers:>7} {result['wall']:>8.1f} {result['scoring_seconds']:>9.1f} "
                f"{result['rows_per_second']:>8.1f} {result['end_to_end']:>10.1f} "
                f"{result['cpu']:>7.0f} {result['rows_per_cpu_second']:>10.1f} "
                f"{result['peak_mib']:>9.0f}  {before:.1f}/{after:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
