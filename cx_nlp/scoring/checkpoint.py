"""The checkpoint of a batch run, so that ``--resume`` continues after an interruption.

After every chunk the output (and the rejects file) is flushed to disk, then
``<output>.checkpoint.json`` is replaced atomically with the number of rows done, the
output's size (bytes, or Parquet parts), the rejects file's size and the counts so far.
A kill at any moment leaves a checkpoint that matches a prefix of the output; a resumed
run cuts the output back to it, skips the rows done and goes on, so the final output is
the one an uninterrupted run writes. A fingerprint of the input file (path, size,
modification time) and of every option that changes the output guards against resuming
a different run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cx_nlp.errors import FileInputError

VERSION = 1


@dataclass
class Checkpoint:
    """Where an interrupted run had got to."""

    fingerprint: str
    rows: int = 0
    output: int = 0
    rejects: int = 0
    seconds: float = 0.0
    counts: dict[str, Any] | None = None

    def save(self, path: Path) -> None:
        """Replace the checkpoint file atomically."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps({"version": VERSION, **asdict(self)}), encoding="utf-8")
        os.replace(partial, path)


def checkpoint_path(output: Path) -> Path:
    """Where the checkpoint of ``output`` lives."""
    return output.with_name(output.name + ".checkpoint.json")


def fingerprint(input_path: Path, options: dict[str, Any]) -> str:
    """A digest of the input file's identity and of ``options`` (JSON-serialisable)."""
    stat = input_path.stat()
    identity = {
        "input": str(input_path.resolve()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "options": options,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def load_checkpoint(path: Path, expected: str) -> Checkpoint | None:
    """The checkpoint at ``path``, or None when there is none.

    Raises:
        FileInputError: the checkpoint is unreadable or belongs to another input or options.
    """
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        checkpoint = Checkpoint(**{key: value for key, value in data.items() if key != "version"})
    except (json.JSONDecodeError, TypeError) as exc:
        raise FileInputError(
            f"Checkpoint '{path.name}' is unreadable ({exc}); delete it and run without --resume."
        ) from exc
    if checkpoint.fingerprint != expected:
        raise FileInputError(
            f"Checkpoint '{path.name}' was written for another input file or other options "
            "(the input changed, or a column, profile or batch option differs); run the "
            "interrupted command again, or run without --resume to start over."
        )
    return checkpoint
