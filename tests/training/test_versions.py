"""Model versions are immutable; the next version number comes from the folders present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cx_nlp.errors import ConfigError
from cx_nlp.training.export import export_model
from cx_nlp.training.versions import (
    ensure_new_model_dir,
    next_model_dir,
    next_version,
    parse_model_name,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sentiment-usem3-v1", ("sentiment-usem3", 1)),
        ("sentiment-usem3-v12", ("sentiment-usem3", 12)),
        ("my-head", ("my-head", None)),
        ("head-v0", ("head-v0", None)),
    ],
)
def test_parse_model_name(name: str, expected: tuple[str, int | None]) -> None:
    assert parse_model_name(name) == expected


def test_next_version_counts_only_the_same_base(tmp_path: Path) -> None:
    for name in ("sentiment-usem3-v1", "sentiment-usem3-v3", "emotion-usem3-v7", "topics"):
        (tmp_path / name).mkdir()
    assert next_version(tmp_path, "sentiment-usem3") == 4
    assert next_version(tmp_path, "forces-usem3") == 1
    assert next_model_dir(tmp_path, "emotion-usem3") == tmp_path / "emotion-usem3-v8"
    assert next_version(tmp_path / "missing", "x") == 1


def test_ensure_new_model_dir_allows_missing_and_empty(tmp_path: Path) -> None:
    ensure_new_model_dir(tmp_path / "a-v1")
    (tmp_path / "b-v1").mkdir()
    ensure_new_model_dir(tmp_path / "b-v1")


def _fields(name: str) -> dict[str, object]:
    return {
        "name": name, "version": 1, "task": "sentiment",
        "labels": ["negative", "neutral", "positive"], "activation": "softmax",
        "encoder": {"name": "stub", "version": "0", "dim": 2},
        "architecture": {"type": "linear"}, "languages": ["it"], "training_data": [],
        "commercial_use": True,
    }  # fmt: skip


def test_export_model_refuses_to_overwrite_a_version(tmp_path: Path) -> None:
    layers = [(np.zeros((3, 2), np.float32), np.zeros(3, np.float32))]
    out = tmp_path / "sentiment-stub-v1"
    export_model(out, layers=layers, manifest_fields=_fields(out.name), card="# c\n")
    with pytest.raises(ConfigError, match=r"immutable.*sentiment-stub-v2"):
        export_model(out, layers=layers, manifest_fields=_fields(out.name), card="# c\n")


@pytest.mark.parametrize(
    "args",
    [
        ["train", "sentiment", "-o", "models/sentiment-usem3-v1"],
        ["train", "forces", "-o", "models", "--version", "1"],
    ],
)
def test_train_commands_refuse_a_shipped_version_before_training(args: list[str]) -> None:
    from typer.testing import CliRunner

    from cx_nlp.cli import app
    from cx_nlp.config import PROJECT_ROOT

    if not (PROJECT_ROOT / "models" / "forces-usem3-v1").is_dir():
        pytest.skip("shipped models not present")
    args = [str(PROJECT_ROOT / a) if a.startswith("models") else a for a in args]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "immutable" in result.output


def test_promote_copies_a_verified_candidate_once(tmp_path: Path) -> None:
    from cx_nlp.training.versions import promote

    layers = [(np.zeros((3, 2), np.float32), np.zeros(3, np.float32))]
    candidate = tmp_path / "candidates" / "sentiment-stub-v2"
    export_model(candidate, layers=layers, manifest_fields=_fields(candidate.name), card="# c\n")
    models = tmp_path / "models"
    models.mkdir()
    assert (promote(candidate, models) / "manifest.json").is_file()
    with pytest.raises(ConfigError, match="immutable"):
        promote(candidate, models)
