"""score_file: order, dirty files, duplicates, summary and rejects, workers, resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cx_nlp.config import Settings
from cx_nlp.errors import FileInputError
from cx_nlp.scoring import BatchOptions, ColumnMapping, PipelineSpec, score_file
from tests.conftest import write_csv

COLUMNS = ColumnMapping(id="id", segments=("store",))


class _Interrupt(Exception):
    """Stands for a crash between two chunks."""


@pytest.fixture
def spec(test_settings: Settings) -> PipelineSpec:
    return PipelineSpec.resolve("fake", test_settings)


def _rows(n: int) -> list[dict[str, str]]:
    texts = ["Ottimo servizio", "Servizio pessimo. Mai più", "Consegna puntuale", "ok"]
    return [{"id": f"R{i}", "text": f"{texts[i % 4]} {i}", "store": f"S{i % 3}"} for i in range(n)]


def _score(source: Path, output: Path, spec: PipelineSpec, **batch: Any) -> Any:
    options = BatchOptions(**{"checkpoint": True, **batch})
    return score_file(source, output, pipeline=spec, columns=COLUMNS, chunk_size=7, batch=options)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_score_file_dirty_file_keeps_every_row_once(tmp_path: Path, spec: PipelineSpec) -> None:
    html = "<p>Servizio <b>ottimo</b></p>"
    big = "Lungo. " * 150_000  # about 1 MB in one cell
    source = tmp_path / "dirty.csv"
    source.write_bytes(
        b"id,text,store\n"
        b"d1,Tutto bene,Roma\n"
        b"d2,,Roma\n"
        + f"d3,{html},Milano\n".encode()
        + b"d4,\x00\x01\xff\xfe\x89PNG,Roma\n"
        + f'd5,"{big}",Roma\n'.encode()
        + b'd6,"quote never closed,Roma\n'
        b"d7,Caff\xe8 freddo,Forl\xec\n"
        + "d8,Però ottimo,Forlì\n".encode()
        + b"d1,Stesso id,Roma\n"
        b'd10,"Una ""citazione"" giusta",Roma\n'
    )
    summary = _score(source, tmp_path / "out.jsonl", spec, rejects_path=tmp_path / "rej.jsonl")
    records = _lines(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == ["d1", "d2", "d3", "d4", "d5", "6", "d7", "d8", "d1",
                                          "d10"]  # fmt: skip
    codes = [r["error"]["code"] if r["error"] else None for r in records]
    assert codes == [None, "empty_text", None, "invalid_encoding", None, "invalid_input", None,
                     None, None, None]  # fmt: skip
    assert "markup_removed" in records[2]["warnings"]
    assert "truncated" in records[4]["warnings"]
    assert records[6]["text"] == "Caffè freddo"
    assert records[6]["segments"] == {"store": "Forlì"}
    assert "encoding_recovered" in records[6]["warnings"]
    assert records[7]["text"] == "Però ottimo"
    assert records[8]["warnings"][-1] == "duplicate_id"
    assert records[9]["text"] == 'Una "citazione" giusta'
    assert (summary.read, summary.scored, summary.rejected) == (10, 7, 3)
    rejects = _lines(tmp_path / "rej.jsonl")
    assert [(r["row"], r["id"], r["error"]["code"]) for r in rejects] == [
        (2, "d2", "empty_text"), (4, "d4", "invalid_encoding"), (6, "6", "invalid_input"),
    ]  # fmt: skip


def test_score_file_reports_duplicates_in_summary_json(tmp_path: Path, spec: PipelineSpec) -> None:
    rows = [{"id": i, "text": "Bene", "store": "x"} for i in ["a", "b", "a", "c", "b", "a"]]
    source = write_csv(tmp_path / "in.csv", rows)
    summary_path = tmp_path / "summary.json"
    _score(source, tmp_path / "out.jsonl", spec, summary_path=summary_path)
    written = json.loads(summary_path.read_text(encoding="utf-8"))
    assert written["duplicate_ids"] == {"count": 3, "examples": ["a", "b", "a"]}
    assert (written["read"], written["scored"], written["rejected"]) == (6, 6, 0)
    assert written["languages"] == {"it": 6}
    assert written["warnings"] == {"duplicate_id": 3}
    assert (written["encoding"], written["delimiter"], written["profile"]) == ("utf-8", ",", "fake")
    warned = [r["id"] for r in _lines(tmp_path / "out.jsonl") if "duplicate_id" in r["warnings"]]
    assert warned == ["a", "b", "a"]


def test_score_file_two_workers_write_what_one_writes(tmp_path: Path, spec: PipelineSpec) -> None:
    source = write_csv(tmp_path / "in.csv", _rows(60))
    _score(source, tmp_path / "one.jsonl", spec, workers=1)
    summary = _score(source, tmp_path / "two.jsonl", spec, workers=2)
    one = (tmp_path / "one.jsonl").read_bytes()
    assert one == (tmp_path / "two.jsonl").read_bytes()
    assert [r["id"] for r in _lines(tmp_path / "two.jsonl")] == [f"R{i}" for i in range(60)]
    assert summary.as_dict()["workers"] == 2


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_score_file_resume_after_crash_equals_uninterrupted(
    tmp_path: Path, spec: PipelineSpec, suffix: str
) -> None:
    source = write_csv(tmp_path / "in.csv", _rows(40))
    _score(source, tmp_path / f"whole{suffix}", spec)
    output = tmp_path / f"out{suffix}"
    _crash_after_chunks(3, source, output, spec)
    if suffix != ".parquet":
        with output.open("ab") as handle:  # a chunk half written when the process died
            handle.write(b'{"id": "R2')
    summary = _score(source, output, spec, resume=True)
    assert summary.resumed_rows == 21
    assert summary.read == 40
    assert _table(output) == _table(tmp_path / f"whole{suffix}")
    assert not (tmp_path / f"out{suffix}.checkpoint.json").exists()


def _crash_after_chunks(chunks: int, source: Path, output: Path, spec: PipelineSpec) -> None:
    """A checkpointed run (chunks of 7 rows) that dies once ``chunks`` chunks are written."""
    written = 0

    def crash(_rows: int) -> None:
        nonlocal written
        written += 1
        if written == chunks:
            raise _Interrupt

    with pytest.raises(_Interrupt):
        score_file(
            source, output, pipeline=spec, columns=COLUMNS, chunk_size=7, on_chunk=crash,
            batch=BatchOptions(checkpoint=True),
        )  # fmt: skip


def _table(path: Path) -> Any:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    return path.read_bytes()


def test_score_file_resume_refuses_other_options(tmp_path: Path, spec: PipelineSpec) -> None:
    source = write_csv(tmp_path / "in.csv", _rows(20))
    output = tmp_path / "out.jsonl"
    _crash_after_chunks(1, source, output, spec)
    with pytest.raises(FileInputError, match="another input file or other options"):
        score_file(
            source, output, pipeline=spec, columns=ColumnMapping(), chunk_size=7,
            batch=BatchOptions(checkpoint=True, resume=True),
        )  # fmt: skip


def test_score_file_resume_without_checkpoint_starts_over(
    tmp_path: Path, spec: PipelineSpec
) -> None:
    source = write_csv(tmp_path / "in.csv", _rows(10))
    output = tmp_path / "out.jsonl"
    output.write_text("stale\n", encoding="utf-8")
    summary = _score(source, output, spec, resume=True)
    assert (summary.read, summary.resumed_rows) == (10, 0)
    assert [r["id"] for r in _lines(output)] == [f"R{i}" for i in range(10)]
