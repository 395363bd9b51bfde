"""From an input row to a ``FeedbackIn`` item: column mapping, value parsing, bad bytes.

A mapped value that cannot be parsed (a rating that is not a number, a recommend score
outside 0-10) does not reject the row: the raw value stays in ``metadata`` under its
column name and the record gets a warning (``invalid_rating``, ``invalid_recommend_score``,
...). Undecodable bytes: see ``cx_nlp.io.encoding``; a recovered field adds the warning
``encoding_recovered``, a non-text field that cannot be recovered is kept with U+FFFD
and ``encoding_replaced``, a text that cannot be recovered rejects the row
(``invalid_encoding``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.errors import EncodingError, InputError, TextTypeError
from cx_nlp.io.encoding import (
    TextEncoding,
    describe_undecodable,
    has_undecodable,
    recover_field,
    replace_undecodable,
)
from cx_nlp.io.readers import Record
from cx_nlp.pipeline import Pipeline, error_doc
from cx_nlp.schema import Channel, Doc

RECOMMEND_RANGE = (0.0, 10.0)


class ColumnMapping(BaseModel):
    """Which input columns feed which ``FeedbackIn`` fields; the rest go to ``metadata``."""

    model_config = ConfigDict(extra="forbid")

    text: str = "text"
    id: str | None = None
    language: str | None = None
    channel: str | None = None
    created_at: str | None = None
    rating: str | None = None
    recommend_score: str | None = None
    effort_score: str | None = None
    segments: tuple[str, ...] = Field(default=(), description="Segment columns, in order.")

    def mapped(self) -> dict[str, str]:
        """Field name -> column name, for the single-column fields that are set."""
        fields = self.model_dump(exclude={"segments"})
        return {name: column for name, column in fields.items() if column}

    def all_columns(self) -> list[str]:
        """Every mapped column, segments included."""
        return [*self.mapped().values(), *self.segments]


def score_chunk(
    chunk: list[tuple[int, Record]],
    *,
    pipeline: Pipeline,
    columns: ColumnMapping,
    encoding: TextEncoding | None = None,
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
            item, warnings = to_item(record, row_number, columns, encoding=encoding)
        except InputError as exc:
            metadata = {str(key): _json_value(value) for key, value in record.items()}
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


def row_id(record: dict[str, Any], row_number: int, columns: ColumnMapping) -> str:
    """The id of a row: its id column, stripped, or the 1-based row number."""
    raw_id = record.get(columns.id) if columns.id else None
    if raw_id in (None, ""):
        return str(row_number)
    return replace_undecodable(str(raw_id).strip()) or str(row_number)


def to_item(
    record: dict[str, Any],
    row_number: int,
    columns: ColumnMapping,
    *,
    encoding: TextEncoding | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Map one input row onto ``FeedbackIn`` fields; unmapped columns become metadata.

    Args:
        record: Column -> value.
        row_number: 1-based data row number (the id when there is no id column).
        columns: The column mapping.
        encoding: The file's text encoding; undecodable bytes are recovered only when it
            was detected (see ``cx_nlp.io.encoding.recover_field``).

    Returns:
        The item and warning codes for values that could not be parsed (their raw value
        stays in ``metadata`` under the column's name) or whose bytes were repaired.

    Raises:
        TextTypeError: the text is not a string.
        EncodingError: the text holds bytes that are not text and cannot be recovered.
    """
    item_id = row_id(record, row_number, columns)
    warnings: list[str] = []
    record = _decoded(record, item_id, row_number, columns, encoding, warnings)
    text = record.get(columns.text)
    if text is not None and not isinstance(text, str):
        raise TextTypeError(
            f"Row {row_number} (id '{item_id}'): column '{columns.text}' holds "
            f"{type(text).__name__} {text!r}, not text.",
            item_id=item_id,
        )
    if text and "\x00" in text:  # no text format has NUL bytes: this is binary data
        raise EncodingError(
            f"Row {row_number} (id '{item_id}'): column '{columns.text}' holds binary data "
            f"(a NUL byte at character {text.index(chr(0))}), not text.",
            item_id=item_id,
        )
    item: dict[str, Any] = {"id": item_id, "text": text or ""}
    if columns.language and record.get(columns.language):
        item["language"] = str(record[columns.language]).strip().lower()
    unparsed: set[str] = set()
    for name, parse in _PARSERS.items():
        column = getattr(columns, name)
        value = record.get(column) if column else None
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        parsed = parse(value)
        if parsed is None:
            warnings.append(f"invalid_{name}")
            unparsed.add(column)
        else:
            item[name] = parsed
    segments = {name: _segment(record.get(name)) for name in columns.segments}
    item["segments"] = {name: value for name, value in segments.items() if value}
    mapped = set(columns.all_columns()) - unparsed
    item["metadata"] = {
        key: _json_value(value) for key, value in record.items() if key not in mapped
    }
    return item, warnings


def _decoded(
    record: dict[str, Any],
    item_id: str,
    row_number: int,
    columns: ColumnMapping,
    encoding: TextEncoding | None,
    warnings: list[str],
) -> dict[str, Any]:
    """``record`` with undecodable bytes recovered or replaced; the text must be recoverable."""
    bad = [
        key for key, value in record.items() if isinstance(value, str) and has_undecodable(value)
    ]
    if not bad:
        return record
    record = dict(record)
    for key in bad:
        value = record[key]
        recovered = recover_field(value, encoding) if encoding else None
        if recovered is not None:
            record[key] = recovered
            _warn(warnings, "encoding_recovered")
        elif key == columns.text:
            where = describe_undecodable(value, encoding) if encoding else "undecodable bytes"
            raise EncodingError(
                f"Row {row_number} (id '{item_id}'): column '{key}' holds bytes that are not "
                f"text ({where}); re-export the file as UTF-8.",
                item_id=item_id,
            )
        else:
            record[key] = replace_undecodable(value)
            _warn(warnings, "encoding_replaced")
    return record


def _warn(warnings: list[str], code: str) -> None:
    if code not in warnings:
        warnings.append(code)


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


def _number(value: Any) -> float | None:
    """A finite number; decimal commas ("4,5") are read as points."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value if isinstance(value, int | float) else str(value).replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _recommend(value: Any) -> float | None:
    number = _number(value)
    low, high = RECOMMEND_RANGE
    return number if number is not None and low <= number <= high else None


def _segment(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX and Parquet hand store numbers over as floats
    return str(_json_value(value)).strip()


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "channel": _channel,
    "created_at": _date,
    "rating": _number,
    "recommend_score": _recommend,
    "effort_score": _number,
}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str) and has_undecodable(value):
        return replace_undecodable(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities are not JSON
    return value
