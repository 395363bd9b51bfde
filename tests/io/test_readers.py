from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from cx_nlp.errors import FileInputError, InputError
from cx_nlp.io.readers import ReadOptions, open_source, read_chunks, read_columns
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


TEXTS = ["Caffè freddo però gentili", "Überraschend gut", "ça va"]


def _encoded_csv(path: Path, encoding: str, *, bom: bytes = b"") -> Path:
    lines = ["id,text", *(f"{n},{text}" for n, text in enumerate(TEXTS, start=1))]
    path.write_bytes(bom + ("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _texts(path: Path, **options: str) -> list[str]:
    source = open_source(path, ReadOptions(**options))
    return [record["text"] for chunk in source.chunks(chunk_size=10) for _, record in chunk]  # type: ignore[index]


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", codecs.BOM_UTF8, "utf-8"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_readers_detect_encoding(tmp_path: Path, encoding: str, bom: bytes, detected: str) -> None:
    path = _encoded_csv(tmp_path / "in.csv", encoding, bom=bom)
    assert open_source(path).encoding == detected
    assert _texts(path) == TEXTS
    assert read_columns(path) == ["id", "text"]


def test_readers_explicit_encoding_wins(tmp_path: Path) -> None:
    path = _encoded_csv(tmp_path / "in.csv", "latin-1")
    assert _texts(path, encoding="latin-1") == TEXTS


def test_readers_broken_utf16_names_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    good = "id,text\n1,ok\n".encode("utf-16-le")
    path.write_bytes(codecs.BOM_UTF16_LE + good + b"\x00\xdc" + "2,x\n".encode("utf-16-le"))
    with pytest.raises(FileInputError, match=rf"at byte offset {2 + len(good)} \(line 3\)"):
        list(read_chunks(path, chunk_size=10))


def test_readers_reject_unknown_encoding(tmp_path: Path) -> None:
    path = _encoded_csv(tmp_path / "in.csv", "utf-8")
    with pytest.raises(FileInputError, match="Unknown encoding 'klingon'"):
        open_source(path, ReadOptions(encoding="klingon"))


@pytest.mark.parametrize(
    ("delimiter", "option"),
    [(",", None), (";", None), ("\t", None), ("|", None), (";", ";"), ("\t", "tab")],
)
def test_readers_detect_or_take_delimiter(
    tmp_path: Path, delimiter: str, option: str | None
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f'id{delimiter}text\n1{delimiter}"a, b; c"\n2{delimiter}d\n', encoding="utf-8")
    options = ReadOptions(delimiter=option)
    assert open_source(path, options).delimiter == delimiter
    assert _texts(path, **({"delimiter": option} if option else {})) == ["a, b; c", "d"]


def test_readers_reject_long_delimiter(tmp_path: Path) -> None:
    path = _encoded_csv(tmp_path / "in.csv", "utf-8")
    with pytest.raises(FileInputError, match="one character"):
        open_source(path, ReadOptions(delimiter=";;"))


def test_readers_split_record_broken_by_stray_quote(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        'id,text\n1,ok\n2,"unclosed quote\n3,swallowed\n4,"closed" late\n5,"multi\nline"\n6,end\n',
        encoding="utf-8",
    )
    records = [record for chunk in read_chunks(path, chunk_size=10) for _, record in chunk]
    kept = [r["id"] if isinstance(r, dict) else "error" for r in records]
    assert kept == ["1", "error", "3", "error", "5", "6"]
    assert records[4] == {"id": "5", "text": "multi\nline"}


@pytest.mark.parametrize(("sheet", "expected"), [(None, "first"), ("Second", "second")])
def test_readers_xlsx_first_or_named_sheet(
    tmp_path: Path, sheet: str | None, expected: str
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = "First"
    second = workbook.create_sheet("Second")
    for worksheet, text in ((first, "first"), (second, "second")):
        worksheet.append(["id", "text"])
        worksheet.append([1, text])
    workbook.active = 1  # the active sheet is not the first one
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    assert _texts(path, **({"sheet": sheet} if sheet else {})) == [expected]


def test_readers_xlsx_unknown_sheet_lists_sheets(tmp_path: Path) -> None:
    path = _write(tmp_path / "rows.xlsx")
    with pytest.raises(FileInputError, match="no sheet 'Nope'; sheets: Sheet"):
        list(read_chunks(path, chunk_size=10, options=ReadOptions(sheet="Nope")))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx"])
def test_readers_report_position_and_total(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path / f"rows{suffix}")
    source = open_source(path)
    list(source.chunks(chunk_size=10))
    if source.unit == "bytes":
        assert source.position == source.total == path.stat().st_size
    else:
        assert source.position == source.total == len(ROWS)
