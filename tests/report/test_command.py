"""``cx-nlp report``: writes the HTML, clean errors, languages."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cx_nlp.cli import app
from tests.report.records import scored_record, write_jsonl


def test_report_command_writes_html(tmp_path: Path) -> None:
    scored = write_jsonl(
        tmp_path / "scored.jsonl",
        [scored_record(str(i), rating=float(1 + i % 5), segments={"shop": "A"}) for i in range(30)],
    )
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(
        app,
        ["report", str(scored), "-o", str(out), "--lang", "en", "--title", "Q3 report",
         "--segment-column", "shop"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<title>Q3 report</title>" in html
    assert 'aria-controls="forces-segment-2">shop</button>' in html


def test_report_command_missing_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(tmp_path / "nope.jsonl"), "-o", "r.html"])
    assert result.exit_code == 2
    assert "error [invalid_file]" in result.output
    assert "Traceback" not in result.output


def test_report_command_rejects_unknown_language(tmp_path: Path) -> None:
    scored = write_jsonl(tmp_path / "scored.jsonl", [scored_record("1")])
    result = CliRunner().invoke(app, ["report", str(scored), "-o", "r.html", "--lang", "fr"])
    assert result.exit_code == 2
