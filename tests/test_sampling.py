"""Active learning: `cx-nlp sample-for-labelling` picks uncertain, distinct texts per language."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cx_nlp.cli import app
from cx_nlp.sampling import LABEL_COLUMNS, allocate_quotas, sample_for_labelling

runner = CliRunner()
WORDS = ("consegna", "rimborso", "pacco", "servizio", "app", "prezzo", "negozio", "ritardo")


def sentiment_record(record_id: str, text: str, top: float, language: str = "it") -> dict[str, Any]:
    """A scored record whose most probable label (negative) has probability ``top``."""
    rest = (1.0 - top) / 2
    probabilities = {"negative": top, "neutral": rest, "positive": rest}
    return {
        "id": record_id,
        "text": text,
        "language": {"code": language, "confidence": 1.0},
        "sentiment": {"label": "negative", "score": -0.5, "probabilities": probabilities},
        "emotions": {"labels": ["anger"], "scores": {"anger": 0.9, "joy": 0.5 + top / 10}},
        "forces": {"fairness": {"polarity": "negative", "score": top, "evidence": []}},
        "error": None,
    }


def text_of(i: int, language: str) -> str:
    return f"{language} {WORDS[i % 8]} {WORDS[(i * 3) % 8]} numero {i} {'!' * (i % 3)}"


def write_scored(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def read_sheet(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    """60 Italian, 30 English, 10 German records; confidence rises with the index."""
    records = [
        sentiment_record(f"{lang}-{i}", text_of(i, lang), 0.34 + 0.6 * i / count, lang)
        for lang, count in (("it", 60), ("en", 30), ("de", 10))
        for i in range(count)
    ]
    records.append({"id": "bad", "text": "", "error": {"code": "empty_text", "message": "x"}})
    return write_scored(tmp_path / "scored.jsonl", records)


def test_sample_writes_the_labelling_columns_with_empty_label(scored: Path, tmp_path: Path) -> None:
    sample_for_labelling(scored, tmp_path / "out.csv", n=10)
    rows = read_sheet(tmp_path / "out.csv")
    assert tuple(rows[0]) == LABEL_COLUMNS
    assert {row["label"] for row in rows} == {""}
    assert len(rows) == 10


def test_sample_prefers_low_confidence_rows(scored: Path, tmp_path: Path) -> None:
    sample_for_labelling(scored, tmp_path / "out.csv", n=12, per_language=False)
    confidences = sorted(float(row["confidence"]) for row in read_sheet(tmp_path / "out.csv"))
    assert max(confidences) < 0.34 + 0.6 * 0.5


def test_sample_respects_per_language_quotas(scored: Path, tmp_path: Path) -> None:
    summary = sample_for_labelling(scored, tmp_path / "out.csv", n=20, min_per_language=3)
    assert summary.per_language == {"it": 10, "en": 6, "de": 4}
    assert (summary.read, summary.eligible, summary.selected) == (101, 100, 20)


def test_sample_never_exports_the_same_text_twice(tmp_path: Path) -> None:
    records = [sentiment_record(f"d{i}", "Il pacco non è MAI arrivato!!", 0.35) for i in range(30)]
    records += [sentiment_record(f"u{i}", text_of(i, "it"), 0.9) for i in range(30)]
    source = write_scored(tmp_path / "scored.jsonl", records)
    sample_for_labelling(source, tmp_path / "out.csv", n=10)
    texts = [row["text"].casefold().strip("!") for row in read_sheet(tmp_path / "out.csv")]
    assert len(texts) == len(set(texts)) == 10


def test_sample_is_deterministic_for_a_seed(scored: Path, tmp_path: Path) -> None:
    sample_for_labelling(scored, tmp_path / "a.csv", n=15, seed=7)
    sample_for_labelling(scored, tmp_path / "b.csv", n=15, seed=7)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize(("task", "label"), [("emotion", "anger"), ("forces", "fairness:negative")])
def test_sample_reads_other_tasks(scored: Path, tmp_path: Path, task: str, label: str) -> None:
    sample_for_labelling(scored, tmp_path / "out.csv", n=5, task=task)  # type: ignore[arg-type]
    assert {row["predicted_label"] for row in read_sheet(tmp_path / "out.csv")} == {label}


@pytest.mark.parametrize(
    ("n", "volumes", "available", "expected"),
    [
        (
            20,
            {"it": 60, "en": 30, "de": 10},
            {"it": 99, "en": 99, "de": 99},
            {"it": 10, "en": 6, "de": 4},
        ),
        (
            20,
            {"it": 60, "en": 30, "de": 10},
            {"it": 99, "en": 99, "de": 2},
            {"it": 11, "en": 7, "de": 2},
        ),
        (2, {"it": 60, "en": 30, "de": 10}, {"it": 99, "en": 99, "de": 99}, {"it": 1, "en": 1}),
        (5, {"it": 3}, {"it": 3}, {"it": 3}),
    ],
)
def test_allocate_quotas_is_proportional_with_a_floor_and_a_cap(
    n: int, volumes: dict[str, int], available: dict[str, int], expected: dict[str, int]
) -> None:
    assert allocate_quotas(n, volumes, available, minimum=3) == expected


def test_cli_sample_for_labelling_reports_counts(scored: Path, tmp_path: Path) -> None:
    out = tmp_path / "to_label.csv"
    result = runner.invoke(app, ["sample-for-labelling", str(scored), "-n", "6", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "read 101, eligible 100, selected 6" in result.output
    assert len(read_sheet(out)) == 6


def test_cli_sample_for_labelling_rejects_unknown_task(scored: Path) -> None:
    result = runner.invoke(app, ["sample-for-labelling", str(scored), "--task", "journey"])
    assert result.exit_code == 2
