"""The model registry: headline figures, listing every model folder, `cx-nlp models [list]`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cx_nlp
from cx_nlp.catalog import headline_metrics, list_model_entries, loaded_models
from cx_nlp.cli import app
from cx_nlp.config import Settings
from tests.test_artifacts import write_version

runner = CliRunner()

STUB_PROFILE = """
[[analyzers]]
name = "prepare"
[[analyzers]]
name = "fake_language"
[[analyzers]]
name = "sentences"
[[analyzers]]
name = "fake_encoder"
[[analyzers]]
name = "sentiment"
options = { model = "sentiment-stub@latest" }
"""


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """Two versions of a stub sentiment head, an emotion head and a broken manifest."""
    root = tmp_path / "models"
    write_version(root, "sentiment-stub", 1)
    write_version(root, "sentiment-stub", 2)
    write_version(root, "emotion-stub", 1, task="emotion")
    (root / "topics" / "broken-v1").mkdir(parents=True)
    (root / "topics" / "broken-v1" / "manifest.json").write_text("{not json")
    return root


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        (
            {"umsab": {"macro_f1": 0.57461, "accuracy": 0.5}, "best_epoch": 7, "seed": 0},
            {"umsab.macro_f1": 0.5746},
        ),
        ({"validation": {"micro_f1": 0.5727, "documents": 488}}, {"validation.micro_f1": 0.5727}),
        ({"npmi_top10": -0.5559, "n_topics": 8.0}, {"npmi_top10": -0.5559}),
        ({"xed": {"ece": 0.1}, "flag": True}, {}),
    ],
)
def test_headline_metrics_keeps_quality_figures(
    metrics: dict[str, object], expected: dict[str, float]
) -> None:
    assert headline_metrics(metrics) == expected


def test_list_model_entries_lists_every_folder_with_version(models_dir: Path) -> None:
    entries = {entry.name: entry for entry in list_model_entries(models_dir)}
    assert sorted(entries) == [
        "emotion-stub-v1", "sentiment-stub-v1", "sentiment-stub-v2", "topics/broken-v1",
    ]  # fmt: skip
    assert (entries["sentiment-stub-v2"].task, entries["sentiment-stub-v2"].version) == (
        "sentiment",
        2,
    )
    assert entries["topics/broken-v1"].version == 1
    assert "unreadable manifest" in (entries["topics/broken-v1"].error or "")


def test_loaded_models_reports_the_resolved_version(
    models_dir: Path, test_settings: Settings
) -> None:
    (test_settings.configs_dir / "stub.toml").write_text(STUB_PROFILE, encoding="utf-8")
    settings = test_settings.model_copy(update={"models_dir": models_dir})
    pipeline = cx_nlp.load("stub", settings=settings)
    [model] = loaded_models(pipeline)
    assert (model.analyzer, model.name, model.version) == ("sentiment", "sentiment-stub-v2", 2)


def test_cli_models_keeps_its_one_line_per_head_output(models_dir: Path) -> None:
    (models_dir / "topics" / "broken-v1" / "manifest.json").unlink()
    result = runner.invoke(app, ["models", "--models-dir", str(models_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("emotion-stub-v1")
    assert "task=emotion" in lines[0]


def test_cli_models_list_prints_a_table(models_dir: Path) -> None:
    result = runner.invoke(app, ["models", "list", "--models-dir", str(models_dir)])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split() == ["name", "task", "version", "encoder", "metrics", "path"]
    assert [row.split()[:4] for row in rows][:2] == [
        ["emotion-stub-v1", "emotion", "1", "stub"],
        ["sentiment-stub-v1", "sentiment", "1", "stub"],
    ]


def test_cli_models_list_json_has_every_field(models_dir: Path) -> None:
    result = runner.invoke(app, ["models", "list", "--models-dir", str(models_dir), "--json"])
    entries = json.loads(result.output)
    assert set(entries[0]) == {"name", "task", "version", "encoder", "metrics", "path", "error"}
    assert [e["version"] for e in entries if e["name"].startswith("sentiment")] == [1, 2]


@pytest.mark.parametrize("command", [["models", "list"], ["sample-for-labelling"]])
def test_cli_registry_help_has_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example: cx-nlp" in result.output
