"""Streaming writers for scored records: JSONL (the output contract), CSV and Parquet (flat)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Protocol

from cx_nlp.errors import FileInputError
from cx_nlp.schema import OUTPUT_FIELDS, Doc, SentimentLabel

FLAT_COLUMNS: tuple[str, ...] = (
    "id",
    "language",
    "language_confidence",
    "sentiment_label",
    "sentiment_score",
    *(f"sentiment_p_{label.value}" for label in SentimentLabel),
    "emotions",
    "forces",
    "journey",
    "topic_id",
    "topic_label",
    "topic_probability",
    "sentences",
    "warnings",
    "error_code",
    "error_message",
    "text",
    "metadata",
)


class RecordWriter(Protocol):
    """Writes docs to one output file, chunk by chunk."""

    def write(self, docs: list[Doc]) -> None: ...

    def close(self) -> None: ...


def contract_record(doc: Doc) -> dict[str, Any]:
    """The JSON-ready output record of ``doc`` (the documented output contract)."""
    return doc.model_dump(mode="json", include=set(OUTPUT_FIELDS))


def flat_record(doc: Doc) -> dict[str, Any]:
    """One flat row per doc for CSV and Parquet; nested parts are JSON strings."""
    record = contract_record(doc)
    sentiment = record["sentiment"] or {}
    probabilities = sentiment.get("probabilities", {})
    topic = record["topic"] or {}
    language = record["language"] or {}
    error = record["error"] or {}
    return {
        "id": record["id"],
        "language": language.get("code"),
        "language_confidence": language.get("confidence"),
        "sentiment_label": sentiment.get("label"),
        "sentiment_score": sentiment.get("score"),
        **{
            f"sentiment_p_{label.value}": probabilities.get(label.value) for label in SentimentLabel
        },
        "emotions": ";".join(record["emotions"]["labels"]) if record["emotions"] else None,
        "forces": _json_or_none(record["forces"]),
        "journey": ";".join(record["journey"]) or None,
        "topic_id": topic.get("id"),
        "topic_label": topic.get("label"),
        "topic_probability": topic.get("probability"),
        "sentences": _json_or_none(record["sentences"]),
        "warnings": ";".join(record["warnings"]) or None,
        "error_code": error.get("code"),
        "error_message": error.get("message"),
        "text": record["text"],
        "metadata": _json_or_none(record["metadata"]),
    }


def _json_or_none(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


class JsonlWriter:
    """One contract record per line."""

    def __init__(self, path: Path, *, append: bool = False) -> None:
        self._handle = path.open("a" if append else "w", encoding="utf-8")

    def write(self, docs: list[Doc]) -> None:
        for doc in docs:
            self._handle.write(json.dumps(contract_record(doc), ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class CsvWriter:
    """Flat rows with a header, RFC-4180 quoting."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.DictWriter(self._handle, fieldnames=FLAT_COLUMNS)
        self._writer.writeheader()

    def write(self, docs: list[Doc]) -> None:
        self._writer.writerows(flat_record(doc) for doc in docs)
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class ParquetWriter:
    """Flat rows, one row group per chunk."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        floats = {"language_confidence", "sentiment_score", "topic_probability"}
        floats |= {f"sentiment_p_{label.value}" for label in SentimentLabel}
        fields = [
            pa.field(
                name,
                pa.float64()
                if name in floats
                else pa.int64()
                if name == "topic_id"
                else pa.string(),
            )
            for name in FLAT_COLUMNS
        ]
        self._schema = pa.schema(fields)
        self._writer = pq.ParquetWriter(path, self._schema)

    def write(self, docs: list[Doc]) -> None:
        import pyarrow as pa

        if docs:
            table = pa.Table.from_pylist([flat_record(doc) for doc in docs], schema=self._schema)
            self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()


WRITERS_BY_SUFFIX: dict[str, type[JsonlWriter] | type[CsvWriter] | type[ParquetWriter]] = {
    ".jsonl": JsonlWriter,
    ".ndjson": JsonlWriter,
    ".csv": CsvWriter,
    ".parquet": ParquetWriter,
}


def open_writer(path: Path) -> RecordWriter:
    """A writer chosen by ``path``'s extension; unknown extensions are a ``FileInputError``."""
    try:
        writer_class = WRITERS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(WRITERS_BY_SUFFIX))
        raise FileInputError(
            f"Cannot write '{path.name}': unknown extension '{path.suffix}'; use one of {known}."
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    writer: RecordWriter = writer_class(path)
    return writer
