from __future__ import annotations

import json
from pathlib import Path

import pytest

from cx_nlp.errors import FileInputError, InputError
from cx_nlp.io.readers import read_chunks, read_columns
from tests.conftest import write_csv

ROWS = [{"id": "a", "text": "uno"}, {"id": "b", "text": "due"}, {"id": "c", "text": "tre"}]


def _write(path: Path) -> Path:
    if path.suffix == ".csv":
        return write_csv(path, ROWS)
    if path.suffix == ".tsv":
        lines = ["id\ttext", *(f"{row['id']}\t{row['text']}" for row in ROWS)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    elif path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(ROWS), path)
    elif path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["id", "text"])
        for row in ROWS:
            sheet.append([row["id"], row["text"]])
        workbook.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet", ".xlsx"])
def test_readers_yield_numbered_rows_in_chunks(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path / f"rows{suffix}")
    chunks = list(read_chunks(path, chunk_size=2))
    assert [len(chunk) for chunk in chunks] == [2, 1]
    assert [(number, record) for chunk in chunks for number, record in chunk] == [
        (1, ROWS[0]),
        (2, ROWS[1]),
        (3, ROWS[2]),
    ]
    assert read_columns(path) == ["id", "text"]


def test_readers_keep_broken_json_line_as_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n[1, 2]\n', encoding="utf-8")
    records = [record for chunk in read_chunks(path, chunk_size=10) for _, record in chunk]
    assert records[0] == {"text": "ok"}
    assert isinstance(records[1], InputError)
    assert "Line 2" in str(records[1])
    assert isinstance(records[2], InputError)
    assert "not an object" in str(records[2])


def test_readers_keep_ragged_csv_row_as_error(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("id,text\n1,ok\n2,too,many\n", encoding="utf-8")
    records = [record for chunk in read_chunks(path, chunk_size=10) for _, record in chunk]
    assert isinstance(records[1], InputError)
    assert "3 fields" in str(records[1])


def test_readers_decode_bad_bytes_without_failing(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("\ufeffid,text\n1,ok\n".encode() + b"2,caff\xe8\n")
    records = [record for chunk in read_chunks(path, chunk_size=10) for _, record in chunk]
    assert records[0] == {"id": "1", "text": "ok"}
    assert isinstance(records[1], dict)
    assert records[1]["text"].startswith("caff")


@pytest.mark.parametrize(("name", "message"), [("missing.csv", "does not exist"), ("x.doc", "")])
def test_readers_reject_unusable_paths(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    if path.suffix == ".doc":
        path.write_text("x")
        message = "unknown extension"
    with pytest.raises(FileInputError, match=message):
        list(read_chunks(path, chunk_size=10))
