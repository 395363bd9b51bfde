"""The batch CLI end to end on the fake profile: formats, bad rows, exit codes, help texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cx_nlp.cli import EXIT_FATAL, EXIT_OK, EXIT_REJECTED, app
from cx_nlp.config import Settings
from tests.conftest import write_csv

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fake_settings(test_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cx_nlp.config.get_settings", lambda: test_settings)
    monkeypatch.setattr("cx_nlp.pipeline.get_settings", lambda: test_settings)
    monkeypatch.setattr("cx_nlp.cli.get_settings", lambda: test_settings)


def _score(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["score", *args, "--profile", "fake"])
    return result.exit_code, result.output


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_cli_scores_clean_file_with_exit_0(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [{"text": "Ottimo"}, {"text": "Servizio pessimo"}])
    code, output = _score(str(source), "-o", str(tmp_path / "out.jsonl"))
    assert code == EXIT_OK, output
    records = _records(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == ["1", "2"]
    assert "read 2, scored 2, rejected 0" in output


def test_cli_keeps_every_bad_row_with_its_own_code(tmp_path: Path) -> None:
    source = tmp_path / "dirty.csv"
    source.write_bytes(
        b"id,text\n"
        b"r1,Tutto bene\n"
        b"r2,\n"
        b'r3,"   "\n'
        b"r4,\x00\x01\xff\xfe\x89PNG\x1a\x9d\n"
        b"r5,too,many\n"
        b"r6,<p></p>\n"
        b"r7,Ultima riga\n"
    )
    code, output = _score(str(source), "-o", str(tmp_path / "out.jsonl"), "--id-column", "id")
    assert code == EXIT_REJECTED, output
    records = _records(tmp_path / "out.jsonl")
    assert len(records) == 7
    codes = [r["error"]["code"] if r["error"] else None for r in records]  # type: ignore[index]
    assert codes == [None, "empty_text", "empty_text", "invalid_encoding", "invalid_input",
                     "empty_text", None]  # fmt: skip
    assert [r["id"] for r in records] == ["r1", "r2", "r3", "r4", "5", "r6", "r7"]
    assert "byte 0xFF at byte 2 of the field" in records[3]["error"]["message"]  # type: ignore[index]
    assert "read 7, scored 2, rejected 5" in output


def test_cli_rejects_non_string_text(tmp_path: Path) -> None:
    source = tmp_path / "types.jsonl"
    source.write_text('{"text": "ok"}\n{"text": 12}\n{"text": null}\n', encoding="utf-8")
    code, _ = _score(str(source), "-o", str(tmp_path / "out.jsonl"))
    records = _records(tmp_path / "out.jsonl")
    assert code == EXIT_REJECTED
    assert [r["error"]["code"] if r["error"] else None for r in records] == [  # type: ignore[index]
        None,
        "invalid_text_type",
        "empty_text",
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_cli_writes_each_output_format(tmp_path: Path, suffix: str) -> None:
    source = write_csv(tmp_path / "in.csv", [{"text": "Bene"}, {"text": ""}, {"text": "Male"}])
    output = tmp_path / f"out{suffix}"
    code, _ = _score(str(source), "-o", str(output))
    assert code == EXIT_REJECTED
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(output).to_pylist()
    elif suffix == ".csv":
        import csv

        rows = list(csv.DictReader(output.read_text(encoding="utf-8").splitlines()))
    else:
        rows = _records(output)
    assert [str(row["id"]) for row in rows] == ["1", "2", "3"]


def test_cli_missing_column_is_one_line_exit_2(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [{"body": "x"}])
    code, output = _score(str(source), "-o", str(tmp_path / "o.jsonl"))
    assert code == EXIT_FATAL
    assert output.strip().splitlines() == [
        "error [invalid_file]: Column(s) 'text' not found in 'in.csv'; available columns: body."
    ]


def test_cli_missing_file_exit_2(tmp_path: Path) -> None:
    code, output = _score(str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.jsonl"))
    assert code == EXIT_FATAL
    assert "does not exist" in output
    assert "Traceback" not in output


def test_cli_passes_metadata_and_mapped_fields(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "in.csv",
        [{"text": "Ok", "channel": "sms", "when": "2026-01-02", "store": "Roma", "stars": "x"}],
    )
    code, output = _score(
        str(source), "-o", str(tmp_path / "o.jsonl"), "--channel-column", "channel",
        "--date-column", "when", "--rating-column", "stars",
    )  # fmt: skip
    record = _records(tmp_path / "o.jsonl")[0]
    assert code == EXIT_OK, output
    assert record["channel"] == "sms"
    assert record["created_at"] == "2026-01-02T00:00:00"
    assert record["metadata"] == {"store": "Roma", "stars": "x"}
    assert record["warnings"] == ["invalid_rating"]


@pytest.mark.parametrize("command", ["score", "info", "check-config"])
def test_cli_help_has_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: cx-nlp" in result.output


def test_cli_check_config_builds_profile() -> None:
    result = runner.invoke(app, ["check-config", "--profile", "fake"])
    assert result.exit_code == 0, result.output
    assert "prepare -> fake_language -> sentences -> fake_sentiment" in result.output


def test_cli_maps_scores_and_segments_into_flat_csv(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "id;testo;nps;ces;negozio;paese\nA;Ottimo;9;2;Roma;IT\nB;Pessimo;12;x;Milano;IT\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.csv"
    code, out = _score(
        str(source), "-o", str(output), "--id-column", "id", "--text-column", "testo",
        "--recommend-column", "nps", "--effort-column", "ces", "--segment-column", "negozio",
        "--segment-column", "paese", "--delimiter", ";",
    )  # fmt: skip
    assert code == EXIT_OK, out
    import csv

    rows = list(csv.DictReader(output.read_text(encoding="utf-8").splitlines()))
    picked = [(r["id"], r["recommend_score"], r["effort_score"], r["segment_negozio"],
               r["segment_paese"], r["warnings"], r["metadata"]) for r in rows]  # fmt: skip
    assert picked == [
        ("A", "9.0", "2.0", "Roma", "IT", "", ""),
        ("B", "", "", "Milano", "IT", "invalid_recommend_score;invalid_effort_score",
         '{"nps": "12", "ces": "x"}'),
    ]  # fmt: skip


def test_cli_writes_summary_and_rejects_beside_output(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", [{"id": "a", "text": "Bene"}, {"id": "a", "text": ""}])
    code, output = _score(str(source), "-o", str(tmp_path / "out.jsonl"), "--id-column", "id")
    assert code == EXIT_REJECTED, output
    summary = json.loads((tmp_path / "out.jsonl.summary.json").read_text(encoding="utf-8"))
    assert (summary["read"], summary["scored"], summary["rejected"]) == (2, 1, 1)
    assert summary["duplicate_ids"] == {"count": 1, "examples": ["a"]}
    rejects = _records(tmp_path / "out.jsonl.rejects.jsonl")
    assert [(r["row"], r["error"]["code"]) for r in rejects] == [(2, "empty_text")]  # type: ignore[index]
    assert "duplicate ids: 1 (first: a)" in output
    assert not (tmp_path / "out.jsonl.checkpoint.json").exists()


def test_cli_reads_latin1_with_explicit_encoding(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("text\nCaffè freddo\n".encode("latin-1"))
    code, output = _score(str(source), "-o", str(tmp_path / "o.jsonl"), "--encoding", "latin-1")
    assert code == EXIT_OK, output
    assert _records(tmp_path / "o.jsonl")[0]["text"] == "Caffè freddo"


def test_cli_writes_report_after_scoring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []

    def fake_report(scored: Path, output: Path, **options: object) -> Path:
        calls.append((scored, output, options))
        return output

    monkeypatch.setattr("cx_nlp.report.write_report", fake_report)
    source = write_csv(tmp_path / "in.csv", [{"text": "Bene", "shop": "x"}])
    code, output = _score(
        str(source), "-o", str(tmp_path / "o.jsonl"), "--report", str(tmp_path / "r.html"),
        "--report-lang", "en", "--segment-column", "shop",
    )  # fmt: skip
    assert code == EXIT_OK, output
    assert calls == [
        (tmp_path / "o.jsonl", tmp_path / "r.html", {"lang": "en", "segment_columns": ("shop",)})
    ]
