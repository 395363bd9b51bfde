"""Streaming readers for feedback files: CSV/TSV (any delimiter), JSONL, Parquet and XLSX.

Every reader yields chunks of ``(row_number, record)`` pairs, row numbers 1-based over
data rows. A record is a ``dict`` of column -> value, or an ``InputError`` when the row
itself could not be read (a broken JSON line, a CSV record with the wrong number of
fields); such rows are reported, never dropped. Text encodings: see ``cx_nlp.io.encoding``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from cx_nlp.errors import FileInputError, InputError
from cx_nlp.io.encoding import AUTO, TextEncoding, TextLines, choose_encoding

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
DELIMITER_CANDIDATES = (",", ";", "\t", "|")
DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
# A field longer than this is a quoting accident (an unclosed quote swallowing the rest of
# the file), not a review: the record is split back into its lines. 1 MB reviews still fit.
MAX_FIELD_CHARS = 16 * 1024 * 1024

csv.field_size_limit(MAX_FIELD_CHARS)


class ReadOptions(BaseModel):
    """How to read an input file; the defaults detect what can be detected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: str | None = None  # CSV/TSV: None sniffs .csv among , ; tab |, .tsv is tab
    encoding: str = AUTO  # CSV/TSV/JSONL: a Python codec name, or auto
    sheet: str | None = None  # XLSX: a sheet name; None is the first sheet


@dataclass
class Source:
    """An open input file: its format, what was detected, and where reading has got to.

    ``position`` and ``total`` are in ``unit``: bytes for text formats, rows otherwise
    (``total`` None when unknown), for progress bars and ETAs.
    """

    path: Path
    format: str
    options: ReadOptions = field(default_factory=ReadOptions)
    text_encoding: TextEncoding | None = None
    delimiter: str | None = None
    unit: str = "rows"
    total: int | None = None
    position: int = 0

    @property
    def encoding(self) -> str | None:
        """The codec text is read with (detected or given); None for Parquet and XLSX."""
        return self.text_encoding.name if self.text_encoding else None

    def columns(self) -> list[str]:
        """Column names: the header, or the keys of the first JSON record."""
        rows = self.rows()
        try:
            first = next(rows, None)
        finally:
            rows.close()  # closes the file
        return list(first) if isinstance(first, dict) else []

    def rows(self) -> Generator[Record, None, None]:
        """Every data row, in order; ``position`` follows."""
        self.position = 0
        return _ROW_READERS[self.format](self)

    def chunks(self, *, chunk_size: int) -> Iterator[Chunk]:
        """The rows in chunks of at most ``chunk_size``."""
        numbered = enumerate(self.rows(), start=1)
        while chunk := list(islice(numbered, chunk_size)):
            yield chunk


def input_format(path: Path) -> str:
    """The reader name for ``path``'s extension; unknown extensions are a ``FileInputError``."""
    try:
        return READERS_BY_SUFFIX[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(READERS_BY_SUFFIX))
        raise FileInputError(
            f"Cannot read '{path.name}': unknown extension '{path.suffix}'; use one of {known}."
        ) from None


def open_source(path: Path, options: ReadOptions | None = None) -> Source:
    """Open ``path`` for reading, detecting its encoding and delimiter where needed.

    Raises:
        FileInputError: the file is missing, has an unknown extension or bad options.
    """
    if not path.is_file():
        raise FileInputError(f"Input file '{path}' does not exist or is not a file.")
    options = options or ReadOptions()
    source = Source(path=path, format=input_format(path), options=options)
    if source.format in ("csv", "tsv", "jsonl"):
        encoding = choose_encoding(path, options.encoding)
        source.text_encoding = encoding
        source.unit, source.total = "bytes", path.stat().st_size
    if source.format in ("csv", "tsv"):
        source.delimiter = _choose_delimiter(path, source.format, options.delimiter, encoding)
    return source


def read_chunks(
    path: Path, *, chunk_size: int, options: ReadOptions | None = None
) -> Iterator[Chunk]:
    """Yield the rows of ``path`` in chunks of at most ``chunk_size``."""
    yield from open_source(path, options).chunks(chunk_size=chunk_size)


def read_columns(path: Path, options: ReadOptions | None = None) -> list[str]:
    """Column names of ``path``: the header, or the keys of the first JSON record."""
    return open_source(path, options).columns()


def _choose_delimiter(
    path: Path, file_format: str, requested: str | None, encoding: TextEncoding
) -> str:
    if requested is not None:
        delimiter = DELIMITER_NAMES.get(requested.lower(), requested)
        if len(delimiter) != 1 or delimiter in '"\r\n':
            raise FileInputError(
                f"Delimiter {requested!r} must be one character (or tab, comma, semicolon, pipe)."
            )
        return delimiter
    if file_format == "tsv":
        return "\t"
    with path.open("rb") as handle:
        handle.seek(encoding.skip)
        lines = TextLines(handle, encoding, name=path.name)
        header = next(lines, "")
    counts = {candidate: header.count(candidate) for candidate in DELIMITER_CANDIDATES}
    best = max(DELIMITER_CANDIDATES, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _read_delimited(source: Source) -> Generator[Record, None, None]:
    encoding = source.text_encoding or choose_encoding(source.path)
    with source.path.open("rb") as handle:
        handle.seek(encoding.skip)
        lines = TextLines(handle, encoding, name=source.path.name)
        # strict: a quote closing a field must be followed by a delimiter, else the record
        # is split into its lines (a stray quote must not swallow the rows after it).
        reader = csv.reader(lines, delimiter=source.delimiter or ",", strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise FileInputError(
                f"The header of '{source.path.name}' is unreadable: {exc}."
            ) from exc
        if header is None:
            return
        _check_header(source.path, header)
        while True:
            lines.mark()
            first_line = lines.line_number + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield from _split_record(source, header, lines.taken, first_line, str(exc))
                continue
            finally:
                source.position = lines.position
            if not values:
                continue  # a blank line is not a row in CSV
            if len(values) == len(header):
                yield dict(zip(header, values, strict=True))
            elif len(lines.taken) > 1:
                yield from _split_record(source, header, lines.taken, first_line, "")
            else:
                yield _ragged(source.path, first_line, len(values), len(header))


def _split_record(
    source: Source, header: list[str], taken: list[str], first_line: int, problem: str
) -> Generator[Record, None, None]:
    """A record that broke the quoting, read again line by line: rows a stray quote
    swallowed come back as rows, and each line that is still broken is one error row."""
    for number, line in enumerate(list(taken), start=first_line):
        if not line.strip():
            continue
        try:
            values = next(csv.reader([line], delimiter=source.delimiter or ",", strict=True))
        except csv.Error as exc:
            yield InputError(
                f"Line {number} of '{source.path.name}' cannot be parsed ({problem or exc}); "
                "check quoting."
            )
            continue
        if len(values) == len(header):
            yield dict(zip(header, values, strict=True))
        else:
            yield _ragged(source.path, number, len(values), len(header))


def _ragged(path: Path, line: int, fields: int, expected: int) -> InputError:
    return InputError(
        f"Line {line} of '{path.name}' has {fields} fields, the header has {expected}; "
        "check quoting and delimiters."
    )


def _check_header(path: Path, header: list[str]) -> None:
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileInputError(f"'{path.name}' repeats the column(s) {', '.join(duplicates)}.")


def _read_jsonl(source: Source) -> Generator[Record, None, None]:
    encoding = source.text_encoding or choose_encoding(source.path)
    name = source.path.name
    with source.path.open("rb") as handle:
        handle.seek(encoding.skip)
        lines = TextLines(handle, encoding, name=name)
        for line_number, line in enumerate(lines, start=1):
            source.position = lines.position
            lines.mark()
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InputError(f"Line {line_number} of '{name}' is not valid JSON: {exc}.")
                continue
            if not isinstance(value, dict):
                yield InputError(
                    f"Line {line_number} of '{name}' is a JSON {type(value).__name__}, "
                    "not an object with named fields."
                )
                continue
            yield value


def _read_parquet(source: Source) -> Generator[Record, None, None]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileInputError(
            f"'{source.path.name}' is not a readable Parquet file: {exc}."
        ) from exc
    source.total = parquet.metadata.num_rows
    for batch in parquet.iter_batches(batch_size=4096):
        for record in batch.to_pylist():
            source.position += 1
            yield record


def _read_xlsx(source: Source) -> Generator[Record, None, None]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source.path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError) as exc:
        raise FileInputError(f"'{source.path.name}' is not a readable XLSX file: {exc}.") from exc
    try:
        sheet = _sheet(workbook, source)
        source.total = max(sheet.max_row - 1, 0) if sheet.max_row else None
        rows = sheet.iter_rows(values_only=True)
        header = [str(name) if name is not None else "" for name in next(rows, ())]
        _check_header(source.path, header)
        for values in rows:
            source.position += 1
            if all(value is None for value in values):
                continue
            yield dict(zip(header, values, strict=False))
    finally:
        workbook.close()


def _sheet(workbook: Any, source: Source) -> Any:
    name = source.options.sheet
    if name is None:
        return workbook.worksheets[0]
    if name not in workbook.sheetnames:
        raise FileInputError(
            f"'{source.path.name}' has no sheet '{name}'; sheets: {', '.join(workbook.sheetnames)}."
        )
    return workbook[name]


_ROW_READERS = {
    "csv": _read_delimited,
    "tsv": _read_delimited,
    "jsonl": _read_jsonl,
    "parquet": _read_parquet,
    "xlsx": _read_xlsx,
}
