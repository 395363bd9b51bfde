"""``kill -9`` in the middle of ``cx-nlp score``, then ``--resume``: the same output as a run
that was never interrupted, and no worker process outlives its parent."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLES_DIR

CLI = str(Path(sys.executable).parent / "cx-nlp")


def _source(path: Path, rows: int) -> Path:
    with (SAMPLES_DIR / "feedback.csv").open(encoding="utf-8", newline="") as handle:
        samples = list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(samples[0]))
        writer.writeheader()
        for number in range(rows):
            row = dict(samples[number % len(samples)])
            row["id"] = f"K{number}"
            row["text"] = f"{row['text']} (#{number})"
            writer.writerow(row)
    return path


def _command(source: Path, output: Path, profile: str) -> list[str]:
    return [
        CLI, "score", str(source), "-o", str(output), "--id-column", "id", "--language-column",
        "language", "--segment-column", "store", "--profile", profile, "--batch-size", "100",
        "--workers", "2", "--resume",
    ]  # fmt: skip


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except FileNotFoundError:
        return 0


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("profile", "rows"), [("basic", 6000), ("fast", 2000)])
def test_score_resumes_after_kill_9_with_identical_output(
    tmp_path: Path, profile: str, rows: int
) -> None:
    source = _source(tmp_path / "in.csv", rows)
    whole = tmp_path / "whole.jsonl"
    done = subprocess.run(_command(source, whole, profile), capture_output=True, check=False)
    assert done.returncode in (0, 3), done.stderr.decode()

    output = tmp_path / "out.jsonl"
    # a random point: once the output holds a random number of rows (chunks of 100), so
    # the kill lands mid-run however fast the machine is
    kill_after = random.randint(100, int(rows * 0.7))
    process = subprocess.Popen(_command(source, output, profile), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while _lines(output) < kill_after and process.poll() is None:
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.01)
    checkpoint = output.with_name("out.jsonl.checkpoint.json")
    workers = _children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, f"finished before the kill ({kill_after=})"
    assert output.stat().st_size < whole.stat().st_size

    time.sleep(2)  # workers notice their parent is gone within PARENT_CHECK_SECONDS
    assert [pid for pid in workers if _alive(pid)] == [], "workers outlived the killed parent"
    resumed = subprocess.run(_command(source, output, profile), capture_output=True, check=False)
    assert resumed.returncode in (0, 3), resumed.stderr.decode()
    assert b"resumed after row" in resumed.stderr
    assert output.read_bytes() == whole.read_bytes(), f"differs after a kill at row {kill_after}"
    assert not checkpoint.exists()
    assert os.path.exists(output.with_name("out.jsonl.summary.json"))
