"""The labelled-text record, seeded splits and the reader for user-supplied files."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cx_nlp.errors import FileInputError

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
TRAIN = "train"
VAL = "val"
NO_LABEL = "none"  # a multi-label row that asserts none of the labels


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


def split_labels(value: str) -> tuple[str, ...]:
    """Label values from one cell: ``"joy|trust"`` -> ``("joy", "trust")``; ``"none"`` -> ``()``."""
    parts = value.replace("|", ",").replace(";", ",").split(",")
    labels = tuple(part.strip().lower() for part in parts if part.strip())
    return () if labels == (NO_LABEL,) else labels


def _rows_from_file(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path).to_pylist())
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ","))


@dataclass(frozen=True)
class LabelledFile:
    """The labelled rows of a file, and how many rows were skipped for an empty label."""

    rows: list[LabelledText]
    unlabelled: int


def read_labelled_table(path: Path, *, split: str = TRAIN) -> LabelledFile:
    """Read a CSV/TSV/JSONL/Parquet file with columns ``text``, ``label``, optional ``language``.

    ``label`` holds one label, or several separated by ``,``/``|``/``;`` (emotion; ``none``
    for "no emotion"). Rows whose ``label`` is empty (not labelled yet, e.g. in the CSV
    ``cx-nlp sample-for-labelling`` exports) are skipped and counted. Other columns
    (``id``, ``predicted_label``, ``confidence``, ...) are ignored.

    Raises:
        FileInputError: The file is missing, unreadable or lacks a required column.
    """
    try:
        rows = _rows_from_file(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error, ValueError) as exc:
        raise FileInputError(f"Cannot read labelled file {str(path)!r}: {exc}") from exc
    out = []
    unlabelled = 0
    for number, row in enumerate(rows, start=1):
        if "text" not in row or "label" not in row:
            raise FileInputError(
                f"Row {number} of {str(path)!r} lacks a 'text' or 'label' column; "
                "labelled files need columns text,label[,language]."
            )
        if not str(row["label"] or "").strip():
            unlabelled += 1
            continue
        language = str(row.get("language") or "und")
        labels = split_labels(str(row["label"]))
        out.append(LabelledText(str(row["text"]), labels, language, path.stem, split))
    return LabelledFile(out, unlabelled)


def read_labelled_file(path: Path, *, split: str = TRAIN) -> list[LabelledText]:
    """The labelled rows of ``path`` (see :func:`read_labelled_table`); logs skipped rows.

    Raises:
        FileInputError: The file is missing, unreadable or lacks a required column.
    """
    table = read_labelled_table(path, split=split)
    if table.unlabelled:
        logger.warning("%s: skipped %d rows with an empty label", path.name, table.unlabelled)
    return table.rows


def check_labels(items: list[LabelledText], allowed: set[str], *, source: str) -> None:
    """Raise ``FileInputError`` naming the first label outside ``allowed``."""
    for item in items:
        unknown = set(item.labels) - allowed
        if unknown:
            raise FileInputError(
                f"{source}: label(s) {sorted(unknown)} are not in {sorted(allowed)}; "
                "relabel the file with the schema's label values."
            )
