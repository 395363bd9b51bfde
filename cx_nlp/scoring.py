"""Batch scoring of a feedback file: read in chunks, analyze, write, count. Never drops a row."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from cx_nlp.errors import FileInputError, InputError, TextTypeError
from cx_nlp.io.readers import Record, read_chunks, read_columns
from cx_nlp.io.writers import open_writer
from cx_nlp.pipeline import Pipeline, error_doc
from cx_nlp.schema import Channel, Doc

logger = logging.getLogger(__name__)


class ColumnMapping(BaseModel):
    """Which input columns feed which ``FeedbackIn`` fields; the rest go to ``metadata``."""

    model_config = ConfigDict(extra="forbid")

    text: str = "text"
    id: str | None = None
    language: str | None = None
    channel: str | None = None
    created_at: str | None = None
    rating: str | None = None

    def mapped(self) -> dict[str, str]:
        """Field name -> column name, for the columns that are set."""
        return {name: column for name, column in self.model_dump().items() if column}


@dataclass
class ScoreSummary:
    """Counts of a scoring run."""

    read: int = 0
    scored: int = 0
    rejected: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, docs: list[Doc]) -> None:
        """Count a written chunk."""
        self.read += len(docs)
        for doc in docs:
            if doc.error is None:
                self.scored += 1
                self.languages[doc.language.code if doc.language else "und"] += 1
            else:
                self.rejected += 1
                self.errors[doc.error.code] += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "read": self.read,
            "scored": self.scored,
            "rejected": self.rejected,
            "languages": dict(self.languages.most_common()),
            "errors": dict(self.errors.most_common()),
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.read / self.seconds, 1) if self.seconds else None,
        }


def score_file(
    input_path: Path,
    output_path: Path,
    *,
    pipeline: Pipeline,
    columns: ColumnMapping,
    chunk_size: int = 1000,
    on_chunk: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score every row of ``input_path`` into ``output_path``, one record per row, in order.

    Raises:
        FileInputError: the file cannot be read or a mapped column is missing.
    """
    check_columns(input_path, columns)
    summary = ScoreSummary()
    started = time.perf_counter()
    with closing(open_writer(output_path)) as writer:
        for chunk in read_chunks(input_path, chunk_size=chunk_size):
            docs = score_chunk(chunk, pipeline=pipeline, columns=columns)
            writer.write(docs)
            summary.add(docs)
            if on_chunk is not None:
                on_chunk(len(docs))
    summary.seconds = time.perf_counter() - started
    logger.info("scored %s: %s", input_path.name, summary.as_dict())
    return summary


def check_columns(input_path: Path, columns: ColumnMapping) -> None:
    """Fail early, naming the available columns, when a mapped column is missing."""
    available = read_columns(input_path)
    if not available:
        return  # an empty file scores to an empty output
    missing = [column for column in columns.mapped().values() if column not in available]
    if missing:
        raise FileInputError(
            f"Column(s) {', '.join(repr(c) for c in missing)} not found in '{input_path.name}'; "
            f"available columns: {', '.join(available)}."
        )


def score_chunk(
    chunk: list[tuple[int, Record]], *, pipeline: Pipeline, columns: ColumnMapping
) -> list[Doc]:
    """Analyze one chunk; unreadable rows and unusable texts become error records in place."""
    items: list[dict[str, Any]] = []
    item_warnings: list[list[str]] = []
    slots: list[Doc | None] = []
    for row_number, record in chunk:
        if isinstance(record, InputError):
            slots.append(error_doc(str(row_number), record))
            continue
        try:
            item, warnings = to_item(record, row_number, columns)
        except InputError as exc:
            metadata = {key: _json_value(value) for key, value in record.items()}
            metadata.pop(columns.text, None)
            slots.append(error_doc(exc.item_id or str(row_number), exc, metadata=metadata))
            continue
        items.append(item)
        item_warnings.append(warnings)
        slots.append(None)
    scored = pipeline.analyze(items, on_invalid="record")
    for doc, warnings in zip(scored, item_warnings, strict=True):
        if warnings:
            doc.warnings = [*warnings, *doc.warnings]
    remaining = iter(scored)
    return [slot if slot is not None else next(remaining) for slot in slots]


def to_item(
    record: dict[str, Any], row_number: int, columns: ColumnMapping
) -> tuple[dict[str, Any], list[str]]:
    """Map one input row onto ``FeedbackIn`` fields; unmapped columns become metadata.

    Returns:
        The item and warning codes for values that could not be parsed (their raw value
        stays in ``metadata`` under the column's name).
    """
    raw_id = record.get(columns.id) if columns.id else None
    item_id = str(raw_id).strip() if raw_id not in (None, "") else str(row_number)
    text = record.get(columns.text)
    if text is not None and not isinstance(text, str):
        raise TextTypeError(
            f"Row {row_number} (id '{item_id}'): column '{columns.text}' holds "
            f"{type(text).__name__} {text!r}, not text.",
            item_id=item_id,
        )
    item: dict[str, Any] = {"id": item_id, "text": text or ""}
    if columns.language and record.get(columns.language):
        item["language"] = str(record[columns.language]).strip().lower()
    warnings: list[str] = []
    unparsed: set[str] = set()
    for name, parse in (("channel", _channel), ("created_at", _date), ("rating", _rating)):
        column = getattr(columns, name)
        value = record.get(column) if column else None
        if value in (None, ""):
            continue
        parsed = parse(value)
        if parsed is None:
            warnings.append(f"invalid_{name}")
            unparsed.add(column)
        else:
            item[name] = parsed
    mapped = set(columns.mapped().values()) - unparsed
    item["metadata"] = {
        key: _json_value(value) for key, value in record.items() if key not in mapped
    }
    return item, warnings


def _channel(value: Any) -> Channel | None:
    try:
        return Channel(str(value).strip().lower())
    except ValueError:
        return None


def _date(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _rating(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value
