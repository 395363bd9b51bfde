"""The labelled-text record, seeded splits and the reader for user-supplied files."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cx_nlp.errors import FileInputError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
TRAIN = "train"
VAL = "val"


@dataclass(frozen=True)
class LabelledText:
    """One training or validation example.

    Attributes:
        text: The raw text.
        labels: Label values from the schema enums (one for sentiment, any number for
            emotion; empty means "none of the labels").
        language: ISO 639-1 code, or ``"und"``.
        source: Dataset name, e.g. ``"umsab"``.
        split: ``"train"`` or ``"val"``.
    """

    text: str
    labels: tuple[str, ...]
    language: str
    source: str
    split: str


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace to single spaces and strip the ends."""
    return " ".join(text.split())


def seeded_split(text: str, *, seed: int, val_percent: int = 15) -> str:
    """Assign ``text`` to train or val by a seeded hash, so duplicates share a side."""
    digest = hashlib.md5(f"{seed}:{normalise_space(text)}".encode()).hexdigest()
    return VAL if int(digest, 16) % 100 < val_percent else TRAIN


def read_lines(path: Path) -> list[str]:
    """Read a text file that may lack a trailing newline and may use CRLF."""
    return path.read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n").split("\n")


def _split_labels(value: str) -> tuple[str, ...]:
    parts = value.replace("|", ",").replace(";", ",").split(",")
    return tuple(part.strip().lower() for part in parts if part.strip())


def _rows_from_file(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_labelled_file(path: Path, *, split: str = TRAIN) -> list[LabelledText]:
    """Read a CSV or JSONL file with columns ``text``, ``label`` and optional ``language``.

    ``label`` holds one label, or several separated by ``,``/``|``/``;`` (emotion).

    Raises:
        FileInputError: The file is missing, unreadable or lacks a required column.
    """
    try:
        rows = _rows_from_file(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise FileInputError(f"Cannot read labelled file {str(path)!r}: {exc}") from exc
    out = []
    for number, row in enumerate(rows, start=1):
        if "text" not in row or "label" not in row:
            raise FileInputError(
                f"Row {number} of {str(path)!r} lacks a 'text' or 'label' column; "
                "labelled files need columns text,label[,language]."
            )
        language = str(row.get("language") or "und")
        labels = _split_labels(str(row["label"]))
        out.append(LabelledText(str(row["text"]), labels, language, path.stem, split))
    return out


def check_labels(items: list[LabelledText], allowed: set[str], *, source: str) -> None:
    """Raise ``FileInputError`` naming the first label outside ``allowed``."""
    for item in items:
        unknown = set(item.labels) - allowed
        if unknown:
            raise FileInputError(
                f"{source}: label(s) {sorted(unknown)} are not in {sorted(allowed)}; "
                "relabel the file with the schema's label values."
            )
