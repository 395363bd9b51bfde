"""A job's files: the input (uploaded file or the JSON items as JSONL) and the results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import BinaryIO

from api.jobs.runner import RESULT_NAME
from api.schemas import ItemIn
from cx_nlp.errors import FileInputError
from cx_nlp.io.readers import input_format
from cx_nlp.io.writers import CsvWriter
from cx_nlp.schema import Doc
from cx_nlp.scoring import ColumnMapping, check_columns

JSON_ITEMS_NAME = "input.jsonl"
ITEM_COLUMNS = ColumnMapping(
    text="text", id="id", language="language", channel="channel",
    created_at="created_at", rating="rating", recommend_score="recommend_score",
    effort_score="effort_score",
)  # fmt: skip
CSV_NAME = "result.csv"


def write_items(folder: Path, items: list[ItemIn]) -> str:
    """Write JSON items as the job's JSONL input (metadata keys become columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / JSON_ITEMS_NAME).open("w", encoding="utf-8") as handle:
        for item in items:
            # segments (a mapping) stay in metadata["segments"] when given; TODO(#7): map them
            exclude = {"metadata"} if item.segments else {"metadata", "segments"}
            row = {**item.metadata, **item.model_dump(mode="json", exclude=exclude)}
            handle.write(json.dumps(row) + "\n")  # ASCII: lone surrogates survive as escapes
    return JSON_ITEMS_NAME


def save_upload(folder: Path, filename: str, upload: BinaryIO, columns: ColumnMapping) -> str:
    """Save an uploaded file and check that it is readable with the mapped columns.

    Raises:
        FileInputError: unknown extension, unreadable file or missing column.
    """
    suffix = Path(filename).suffix.lower()
    input_format(Path(f"upload{suffix}"))
    folder.mkdir(parents=True, exist_ok=True)
    name = f"input{suffix}"
    with (folder / name).open("wb") as handle:
        shutil.copyfileobj(upload, handle, length=1 << 20)
    try:
        check_columns(folder / name, columns)
    except FileInputError as exc:
        raise FileInputError(exc.message.replace(f"'{name}'", f"'{filename}'")) from exc
    return name


def result_path(folder: Path, result_format: str) -> Path:
    """The result file in ``result_format`` (``jsonl`` or ``csv``, made once from JSONL)."""
    jsonl = folder / RESULT_NAME
    if result_format == "jsonl":
        return jsonl
    target = folder / CSV_NAME
    if not target.exists():
        partial = folder / f"{CSV_NAME}.partial"
        writer = CsvWriter(partial)
        try:
            with jsonl.open(encoding="utf-8") as handle:
                for line in handle:
                    writer.write([Doc.model_validate_json(line)])
        finally:
            writer.close()
        partial.replace(target)
    return target
