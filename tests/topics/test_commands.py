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


def test_topics_fit_passes_max_cluster_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from cx_nlp.topics import commands, corpus, fit

    seen: dict[str, object] = {}

    class Stop(Exception):
        pass

    def fake_encode_file(*args: object, **kwargs: object) -> object:
        class Corpus:
            texts = ["a"] * 3
            vectors = np.zeros((3, 4), dtype=np.float32)
            languages = ["it"] * 3
            rejected = 0
            encoder = None

        return Corpus()

    def fake_fit(*args: object, options: fit.TopicFitOptions, **kwargs: object) -> None:
        seen["rows"] = options.max_cluster_rows
        raise Stop

    monkeypatch.setattr(corpus, "encode_file", fake_encode_file)
    monkeypatch.setattr(fit, "fit_topics", fake_fit)
    with pytest.raises(Stop):
        commands._fit_file(
            tmp_path / "in.csv", tmp_path / "m", text_column="text", profile="fast",
            nr_topics=None, min_topic_size=15, seed=1, reducer="pca", max_cluster_rows=500,
        )  # fmt: skip
    assert seen["rows"] == 500
    result = runner.invoke(app, ["topics", "fit", "--help"])
    assert "--max-cluster-rows" in result.output
