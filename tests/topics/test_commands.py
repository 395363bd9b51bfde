"""``cx-nlp topics fit|show``: help texts and the topic table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cx_nlp.cli import app
from tests.topics.synthetic import saved_synthetic

runner = CliRunner()


@pytest.mark.parametrize("command", ["fit", "show"])
def test_topics_help_has_example(command: str) -> None:
    result = runner.invoke(app, ["topics", command, "--help"])
    assert result.exit_code == 0
    assert "Example: cx-nlp topics" in result.output


def test_topics_show_prints_every_topic(tmp_path: Path) -> None:
    result = runner.invoke(app, ["topics", "show", str(saved_synthetic(tmp_path))])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 1 + 4


def test_topics_show_missing_model_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["topics", "show", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "error [model_load_error]" in result.output or "error [" in result.output


def test_topics_fit_rejects_bad_nr_topics(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["topics", "fit", str(tmp_path / "in.csv"), "-o", str(tmp_path / "m"),
              "--nr-topics", "many"],
    )  # fmt: skip
    assert result.exit_code != 0
