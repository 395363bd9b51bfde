"""Labelled data through ``datasets`` (CSV/TSV/JSONL/Parquet), seeded splits, blank labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cx_nlp.errors import FileInputError
from cx_nlp.training.data import read_labelled_table
from cx_nlp.training.labelled import (
    load_labelled,
    sample_rows,
    split_labelled,
    to_labelled_texts,
)
from cx_nlp.training.recipes import cap_rows, rows_source

ROWS = [
    {"id": "1", "text": "Camera pulita", "language": "it", "predicted_label": "neutral",
     "confidence": "0.41", "label": "positive"},
    {"id": "2", "text": "Staff rude", "language": "en", "predicted_label": "negative",
     "confidence": "0.90", "label": ""},
    {"id": "3", "text": "Entrega rápida", "language": "", "predicted_label": "positive",
     "confidence": "0.88", "label": "Positive"},
    {"id": "4", "text": "Nessuna risposta", "language": "it", "predicted_label": "negative",
     "confidence": "0.77", "label": "negative"},
]  # fmt: skip


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    suffix = path.suffix
    if suffix in {".csv", ".tsv"}:
        sep = "\t" if suffix == ".tsv" else ","
        lines = [sep.join(rows[0])] + [sep.join(r.values()) for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_load_labelled_reads_each_format_and_skips_blank_labels(
    tmp_path: Path, suffix: str
) -> None:
    path = _write(tmp_path / f"labels{suffix}", ROWS)
    data = load_labelled(path, cache_dir=tmp_path / "hf")
    assert data.column_names == ["text", "label", "language"]
    assert data["text"] == ["Camera pulita", "Entrega rápida", "Nessuna risposta"]
    assert data["label"] == ["positive", "positive", "negative"]
    assert data["language"] == ["it", "und", "it"]


def test_load_labelled_renames_columns(tmp_path: Path) -> None:
    rows = [{"review": "Ottimo", "stars_label": "positive", "lang": "it"}]
    path = _write(tmp_path / "r.jsonl", rows)
    data = load_labelled(
        path, text_column="review", label_column="stars_label", language_column="lang",
        cache_dir=tmp_path / "hf",
    )  # fmt: skip
    assert data[0] == {"text": "Ottimo", "label": "positive", "language": "it"}


def test_load_labelled_names_a_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", [{"comment": "x", "label": "positive"}])
    with pytest.raises(FileInputError, match="text"):
        load_labelled(path, cache_dir=tmp_path / "hf")


def test_load_labelled_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileInputError, match="does not exist"):
        load_labelled(tmp_path / "nope.csv")


def test_split_labelled_is_seeded_and_keeps_duplicates_together(tmp_path: Path) -> None:
    from datasets import Dataset

    texts = [f"review number {i}" for i in range(200)] * 2
    data = Dataset.from_list([{"text": t, "label": "neutral", "language": "en"} for t in texts])
    first = split_labelled(data, seed=7)
    again = split_labelled(data, seed=7)
    assert first["validation"]["text"] == again["validation"]["text"]
    assert set(first["train"]["text"]).isdisjoint(first["validation"]["text"])
    assert 20 < len(set(first["validation"]["text"])) < 60
    assert split_labelled(data, seed=8)["validation"]["text"] != first["validation"]["text"]


def test_sample_rows_and_to_labelled_texts(tmp_path: Path) -> None:
    data = load_labelled(_write(tmp_path / "l.csv", ROWS), cache_dir=tmp_path / "hf")
    assert len(sample_rows(data, 2, seed=0)) == 2
    assert len(sample_rows(data, 0)) == 3
    rows = to_labelled_texts(data, source="mine", split="val")
    assert (rows[0].labels, rows[0].source, rows[0].split) == (("positive",), "mine", "val")


def test_read_labelled_table_counts_blank_labels(tmp_path: Path) -> None:
    table = read_labelled_table(_write(tmp_path / "export.csv", ROWS))
    assert table.unlabelled == 1
    assert [r.labels for r in table.rows] == [("positive",), ("positive",), ("negative",)]


def test_read_labelled_table_reads_parquet_and_none(tmp_path: Path) -> None:
    rows = [{"text": "Ok", "label": "none"}, {"text": "Yay", "label": "joy|trust"}]
    table = read_labelled_table(_write(tmp_path / "e.parquet", rows))
    assert [r.labels for r in table.rows] == [(), ("joy", "trust")]


def test_cap_rows_keeps_at_most_n_per_split() -> None:
    from cx_nlp.training.data import LabelledText

    rows = [LabelledText(str(i), ("neutral",), "en", "s", "train" if i % 3 else "val")
            for i in range(30)]  # fmt: skip
    capped = cap_rows(rows, 5, seed=0)
    assert sum(r.split == "train" for r in capped) == 5
    assert sum(r.split == "val" for r in capped) == 5
    assert cap_rows(rows, 0, seed=0) == rows


def test_rows_source_renames_rows_and_keeps_splits() -> None:
    from cx_nlp.training.data import LabelledText

    source = rows_source(
        "hotel", [LabelledText("a", ("positive",), "it", "x", "val")], license="CC0-1.0"
    )
    (row,) = source.load(Path("."))
    assert (row.source, row.split, source.license) == ("hotel", "val", "CC0-1.0")
