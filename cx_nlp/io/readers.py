"""Streaming readers for feedback files: CSV, TSV, JSONL, Parquet and XLSX.

Every reader yields chunks of ``(row_number, record)`` pairs, row numbers 1-based over
data rows. A record is a ``dict`` of column -> value, or an ``InputError`` when the row
itself could not be read (a broken JSON line); such rows are reported, never dropped.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from cx_nlp.errors import FileInputError, InputError

Record = dict[str, Any] | InputError
Chunk = list[tuple[int, Record]]

READERS_BY_SUFFIX = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long reviews are legitimate rows


def input_format(path: Path) -> str:
    """The reader name for ``path``'s extension; unknown extensions are a ``FileInputError``."""
    try:
        return READERS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(READERS_BY_SUFFIX))
        raise FileInputError(
            f"Cannot read '{path.name}': unknown extension '{path.suffix}'; use one of {known}."
        ) from None


def read_chunks(path: Path, *, chunk_size: int) -> Iterator[Chunk]:
    """Yield the rows of ``path`` in chunks of at most ``chunk_size``."""
    if not path.is_file():
        raise FileInputError(f"Input file '{path}' does not exist or is not a file.")
    rows = _ROW_READERS[input_format(path)](path)
    numbered = enumerate(rows, start=1)
    while chunk := list(islice(numbered, chunk_size)):
        yield chunk


def read_columns(path: Path) -> list[str]:
    """Column names of ``path``: the header, or the keys of the first JSON record."""
    for chunk in read_chunks(path, chunk_size=1):
        record = chunk[0][1]
        if isinstance(record, dict):
            return list(record)
    return []


def _read_delimited(path: Path, delimiter: str) -> Iterator[Record]:
    # surrogateescape keeps undecodable bytes as lone surrogates, so that one bad row
    # becomes one rejected row (invalid_encoding) instead of a failed file.
    with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        _check_header(path, header)
        for values in reader:
            if not values:
                continue  # a blank line is not a row in CSV
            if len(values) != len(header):
                yield InputError(
                    f"Line {reader.line_num} of '{path.name}' has {len(values)} fields, "
                    f"the header has {len(header)}; check quoting and delimiters."
                )
                continue
            yield dict(zip(header, values, strict=True))


def _check_header(path: Path, header: list[str]) -> None:
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileInputError(f"'{path.name}' repeats the column(s) {', '.join(duplicates)}.")


def _read_csv(path: Path) -> Iterator[Record]:
    return _read_delimited(path, ",")


def _read_tsv(path: Path) -> Iterator[Record]:
    return _read_delimited(path, "\t")


def _read_jsonl(path: Path) -> Iterator[Record]:
    with path.open("rb") as handle:
        for line_number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw.decode("utf-8", errors="surrogateescape"))
            except json.JSONDecodeError as exc:
                yield InputError(f"Line {line_number} of '{path.name}' is not valid JSON: {exc}.")
                continue
            if not isinstance(value, dict):
                yield InputError(
                    f"Line {line_number} of '{path.name}' is a JSON {type(value).__name__}, "
                    "not an object with named fields."
                )
                continue
            yield value


def _read_parquet(path: Path) -> Iterator[Record]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileInputError(f"'{path.name}' is not a readable Parquet file: {exc}.") from exc
    for batch in parquet.iter_batches(batch_size=4096):
        yield from batch.to_pylist()


def _read_xlsx(path: Path) -> Iterator[Record]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError) as exc:
        raise FileInputError(f"'{path.name}' is not a readable XLSX file: {exc}.") from exc
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [str(name) if name is not None else "" for name in next(rows, ())]
        _check_header(path, header)
        for values in rows:
            if all(value is None for value in values):
                continue
            yield dict(zip(header, values, strict=False))
    finally:
        workbook.close()


_ROW_READERS = {
    "csv": _read_csv,
    "tsv": _read_tsv,
    "jsonl": _read_jsonl,
    "parquet": _read_parquet,
    "xlsx": _read_xlsx,
}
