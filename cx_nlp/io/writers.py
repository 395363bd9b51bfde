"""Streaming writers for scored records: JSONL (the output contract), CSV and Parquet (flat).

``open_output`` gives the resumable writers of batch scoring: JSONL and CSV append to the
output and report its byte size at each checkpoint (a resumed run truncates the output
there); Parquet writes one part file per chunk in ``<output>.parts/`` and merges them into
the output when the run finishes.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterable
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
    "channel",
    "created_at",
    "rating",
    "recommend_score",
    "effort_score",
)
_FLOAT_COLUMNS = frozenset(
    {"language_confidence", "sentiment_score", "topic_probability", "rating", "recommend_score"}
    | {"effort_score"}
    | {f"sentiment_p_{label.value}" for label in SentimentLabel}
)
SEGMENT_PREFIX = "segment_"


class RecordWriter(Protocol):
    """Writes docs to one output file, chunk by chunk."""

    def write(self, docs: list[Doc]) -> None: ...

    def close(self) -> None: ...


def contract_record(doc: Doc) -> dict[str, Any]:
    """The JSON-ready output record of ``doc`` (the documented output contract)."""
    return doc.model_dump(mode="json", include=set(OUTPUT_FIELDS))


def flat_columns(segments: Iterable[str] = ()) -> tuple[str, ...]:
    """The flat columns: ``FLAT_COLUMNS``, then ``segment_<name>`` per segment column, or one
    ``segments`` column (JSON) when the segment names are not known up front."""
    names = tuple(f"{SEGMENT_PREFIX}{name}" for name in segments)
    return (*FLAT_COLUMNS, *(names or ("segments",)))


def flat_record(doc: Doc, segments: tuple[str, ...] = ()) -> dict[str, Any]:
    """One flat row per doc for CSV and Parquet; nested parts are JSON strings."""
    return flat_from_record(contract_record(doc), segments)


def flat_from_record(record: dict[str, Any], segments: tuple[str, ...] = ()) -> dict[str, Any]:
    """The flat row of a contract record (see :func:`flat_columns` for ``segments``)."""
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
        "channel": record["channel"],
        "created_at": record["created_at"],
        "rating": record["rating"],
        "recommend_score": record["recommend_score"],
        "effort_score": record["effort_score"],
        **_flat_segments(record["segments"], segments),
    }


def _flat_segments(values: dict[str, str], segments: tuple[str, ...]) -> dict[str, Any]:
    if not segments:
        return {"segments": _json_or_none(values)}
    return {f"{SEGMENT_PREFIX}{name}": values.get(name) for name in segments}


def _json_or_none(value: Any) -> str | None:
    return json.dumps(value, ensure_ascii=False) if value else None


class JsonlWriter:
    """One contract record per line."""

    def __init__(self, path: Path, *, append: bool = False) -> None:
        self._handle = path.open("a" if append else "w", encoding="utf-8")

    def write(self, docs: list[Doc]) -> None:
        self.write_records([contract_record(doc) for doc in docs])

    def write_records(self, records: list[dict[str, Any]]) -> None:
        """Write contract records (as :func:`contract_record` makes them)."""
        self._handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        self._handle.flush()

    def checkpoint(self) -> int:
        """Flush to disk; the output's size in bytes."""
        return _sync(self._handle)

    def finish(self) -> None:
        """Close a complete output."""
        self._handle.close()

    def close(self) -> None:
        self._handle.close()


class CsvWriter:
    """Flat rows with a header, RFC-4180 quoting."""

    def __init__(self, path: Path, *, segments: tuple[str, ...] = (), append: bool = False) -> None:
        self._segments = segments
        self._handle = path.open("a" if append else "w", encoding="utf-8", newline="")
        self._writer = csv.DictWriter(self._handle, fieldnames=flat_columns(segments))
        if not append:
            self._writer.writeheader()

    def write(self, docs: list[Doc]) -> None:
        self.write_records([contract_record(doc) for doc in docs])

    def write_records(self, records: list[dict[str, Any]]) -> None:
        """Write contract records as flat rows."""
        self._writer.writerows(flat_from_record(record, self._segments) for record in records)
        self._handle.flush()

    def checkpoint(self) -> int:
        """Flush to disk; the output's size in bytes."""
        return _sync(self._handle)

    def finish(self) -> None:
        """Close a complete output."""
        self._handle.close()

    def close(self) -> None:
        self._handle.close()


def _sync(handle: Any) -> int:
    handle.flush()
    os.fsync(handle.fileno())
    return int(handle.tell())


def parquet_schema(segments: tuple[str, ...] = ()) -> Any:
    """The Arrow schema of flat rows."""
    import pyarrow as pa

    def arrow_type(name: str) -> Any:
        if name in _FLOAT_COLUMNS:
            return pa.float64()
        return pa.int64() if name == "topic_id" else pa.string()

    return pa.schema([pa.field(name, arrow_type(name)) for name in flat_columns(segments)])


class ParquetWriter:
    """Flat rows, one row group per chunk."""

    def __init__(self, path: Path, *, segments: tuple[str, ...] = ()) -> None:
        import pyarrow.parquet as pq

        self._segments = segments
        self._schema = parquet_schema(segments)
        self._writer = pq.ParquetWriter(path, self._schema)

    def write(self, docs: list[Doc]) -> None:
        self.write_records([contract_record(doc) for doc in docs])

    def write_records(self, records: list[dict[str, Any]]) -> None:
        """Write contract records as one row group."""
        import pyarrow as pa

        if records:
            rows = [flat_from_record(record, self._segments) for record in records]
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self._schema))

    def close(self) -> None:
        self._writer.close()


class ParquetPartsWriter:
    """Resumable Parquet: one part file per chunk, merged into the output by :meth:`finish`."""

    def __init__(self, path: Path, *, segments: tuple[str, ...] = (), parts: int = 0) -> None:
        self._path = path
        self._segments = segments
        self._schema = parquet_schema(segments)
        self.folder = path.with_name(path.name + ".parts")
        self._parts = parts
        if parts == 0 and self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob("part-*.parquet"):
            if int(stale.stem.removeprefix("part-")) >= parts:
                stale.unlink()  # written after the last checkpoint

    def write_records(self, records: list[dict[str, Any]]) -> None:
        """Write contract records as the next part file."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = [flat_from_record(record, self._segments) for record in records]
        pq.write_table(pa.Table.from_pylist(rows, schema=self._schema), self._part(self._parts))
        self._parts += 1

    def checkpoint(self) -> int:
        """The number of complete part files."""
        return self._parts

    def finish(self) -> None:
        """Merge the parts, in order, into the output (one row group each)."""
        import pyarrow.parquet as pq

        partial = self._path.with_name(self._path.name + ".partial")
        with pq.ParquetWriter(partial, self._schema) as writer:
            for index in range(self._parts):
                writer.write_table(pq.read_table(self._part(index), schema=self._schema))
        partial.replace(self._path)
        shutil.rmtree(self.folder)

    def close(self) -> None:
        """Nothing is open between parts."""

    def _part(self, index: int) -> Path:
        return self.folder / f"part-{index:06d}.parquet"


class OutputWriter(Protocol):
    """A resumable writer of contract records (see :func:`open_output`)."""

    def write_records(self, records: list[dict[str, Any]]) -> None: ...

    def checkpoint(self) -> int: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


def open_output(
    path: Path, *, segments: tuple[str, ...] = (), resume_at: int | None = None
) -> OutputWriter:
    """A resumable writer chosen by ``path``'s extension.

    Args:
        path: The output file.
        segments: Segment column names (flat formats get one column each).
        resume_at: A position returned by ``checkpoint()`` of an earlier, interrupted
            run: what was written after it is discarded and writing continues there.

    Raises:
        FileInputError: unknown extension, or an output shorter than the checkpoint.
    """
    suffix = path.suffix.lower()
    _writer_class(path)  # checks the extension
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        return ParquetPartsWriter(path, segments=segments, parts=resume_at or 0)
    append = resume_at is not None
    if resume_at is not None:
        truncate_to(path, resume_at)
    if suffix == ".csv":
        return CsvWriter(path, segments=segments, append=append)
    return JsonlWriter(path, append=append)


def truncate_to(path: Path, size: int) -> None:
    """Cut ``path`` back to ``size`` bytes (a checkpoint); missing or shorter is an error.

    Raises:
        FileInputError: the file is missing or shorter than ``size``.
    """
    actual = path.stat().st_size if path.is_file() else -1
    if actual < size:
        raise FileInputError(
            f"Cannot resume: '{path.name}' has {max(actual, 0)} bytes, the checkpoint recorded "
            f"{size}; it was changed after the interruption. Run again without --resume."
        )
    os.truncate(path, size)


WRITERS_BY_SUFFIX: dict[str, type[JsonlWriter] | type[CsvWriter] | type[ParquetWriter]] = {
    ".jsonl": JsonlWriter,
    ".ndjson": JsonlWriter,
    ".csv": CsvWriter,
    ".parquet": ParquetWriter,
}


def open_writer(path: Path) -> RecordWriter:
    """A writer chosen by ``path``'s extension; unknown extensions are a ``FileInputError``."""
    writer_class = _writer_class(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer: RecordWriter = writer_class(path)
    return writer


def _writer_class(path: Path) -> type[JsonlWriter] | type[CsvWriter] | type[ParquetWriter]:
    try:
        return WRITERS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(WRITERS_BY_SUFFIX))
        raise FileInputError(
            f"Cannot write '{path.name}': unknown extension '{path.suffix}'; use one of {known}."
        ) from None
