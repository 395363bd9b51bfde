"""Model directories: manifest validation, checksums, labels, lookup."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cx_nlp.artifacts import (
    CARD_FILE,
    MANIFEST_FILE,
    find_model_dirs,
    list_models,
    load_manifest,
    resolve_model_dir,
    verify_model_dir,
)
from cx_nlp.config import PROJECT_ROOT
from cx_nlp.errors import ModelLoadError
from cx_nlp.heads import TASK_LABELS, WEIGHTS_FILE
from cx_nlp.schema import SentimentLabel
from cx_nlp.training.export import export_model

MODELS_DIR = PROJECT_ROOT / "models"
SHIPPED = sorted(
    p
    for p in MODELS_DIR.glob("*-v*")
    if (p / MANIFEST_FILE).is_file()
    and json.loads((p / MANIFEST_FILE).read_text())["task"] in TASK_LABELS
)


def write_model(root: Path, *, task: str = "sentiment", dim: int = 4, name: str = "m-v1") -> Path:
    """A random linear head exported like a trained one."""
    labels = list(TASK_LABELS[task])
    rng = np.random.default_rng(0)
    layers = [
        (
            rng.standard_normal((len(labels), dim)).astype(np.float32),
            np.zeros(len(labels), np.float32),
        )
    ]
    fields = {
        "name": name,
        "version": 1,
        "task": task,
        "labels": labels,
        "activation": "softmax" if task == "sentiment" else "sigmoid",
        "thresholds": {} if task == "sentiment" else dict.fromkeys(labels, 0.5),
        "encoder": {"name": "stub", "version": "0", "dim": dim},
        "architecture": {"type": "linear", "hidden": [], "activation": None},
        "languages": ["it"],
        "metrics": {},
        "training_data": [],
        "commercial_use": True,
    }
    export_model(root / name, layers=layers, manifest_fields=fields, card="# card\n")
    return root / name


def test_verify_model_dir_accepts_an_exported_model(tmp_path: Path) -> None:
    manifest = verify_model_dir(
        write_model(tmp_path), task="sentiment", labels=[s.value for s in SentimentLabel]
    )
    assert manifest.files[WEIGHTS_FILE] != ""


def test_verify_model_dir_rejects_checksum_mismatch(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    (model / WEIGHTS_FILE).write_bytes((model / WEIGHTS_FILE).read_bytes() + b"\0")
    with pytest.raises(ModelLoadError, match=r"head\.safetensors.*SHA-256"):
        verify_model_dir(model, task="sentiment", labels=TASK_LABELS["sentiment"])


def test_verify_model_dir_rejects_missing_weights(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    (model / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        verify_model_dir(model, task="sentiment", labels=TASK_LABELS["sentiment"])


@pytest.mark.parametrize(
    "labels", [["negative", "positive", "neutral"], ["negative", "neutral", "good"]]
)
def test_verify_model_dir_rejects_label_mismatch(tmp_path: Path, labels: list[str]) -> None:
    model = write_model(tmp_path)
    with pytest.raises(ModelLoadError, match="labels"):
        verify_model_dir(model, task="sentiment", labels=labels)


def test_verify_model_dir_rejects_other_task(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="'sentiment' model, not 'emotion'"):
        verify_model_dir(write_model(tmp_path), task="emotion", labels=TASK_LABELS["emotion"])


def test_load_manifest_rejects_unknown_field(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    raw = json.loads((model / MANIFEST_FILE).read_text())
    raw["surprise_field"] = 1
    (model / MANIFEST_FILE).write_text(json.dumps(raw))
    with pytest.raises(ModelLoadError, match="invalid"):
        load_manifest(model)


def test_load_manifest_names_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"manifest\.json"):
        load_manifest(tmp_path)


def test_resolve_model_dir_accepts_name_and_path(tmp_path: Path) -> None:
    model = write_model(tmp_path)
    assert resolve_model_dir("m-v1", tmp_path) == model
    assert resolve_model_dir(model, tmp_path / "elsewhere") == model


def test_resolve_model_dir_lists_available_names(tmp_path: Path) -> None:
    write_model(tmp_path)
    with pytest.raises(ModelLoadError, match="m-v1"):
        resolve_model_dir("nope-v1", tmp_path)


def test_list_models_is_sorted_by_directory(tmp_path: Path) -> None:
    write_model(tmp_path, name="b-v1")
    write_model(tmp_path, name="a-v1", task="emotion")
    assert [m.name for m in list_models(tmp_path)] == ["a-v1", "b-v1"]


@pytest.mark.parametrize("model_dir", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_head_matches_schema_and_card(model_dir: Path) -> None:
    manifest = load_manifest(model_dir)
    verify_model_dir(model_dir, task=manifest.task, labels=TASK_LABELS[manifest.task])
    card = (model_dir / CARD_FILE).read_text(encoding="utf-8")
    for section in (
        "Summary",
        "Intended use / out of scope",
        "Languages",
        "Labels",
        "Training data",
        "Evaluation",
        "Limitations and bias",
        "How to reproduce",
    ):
        assert f"## {section}" in card


def write_version(root: Path, base: str, version: int, *, task: str = "sentiment") -> Path:
    """``root/<base>-v<version>``: a stub head whose manifest says that version."""
    model = write_model(root, task=task, name=f"{base}-v{version}")
    raw = json.loads((model / MANIFEST_FILE).read_text())
    (model / MANIFEST_FILE).write_text(json.dumps({**raw, "version": version}))
    return model


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("sentiment-stub@1", "sentiment-stub-v1"),
        ("sentiment-stub@12", "sentiment-stub-v12"),
        ("sentiment-stub@latest", "sentiment-stub-v12"),
        ("sentiment-stub-v2", "sentiment-stub-v2"),
        ("group/topics-stub@latest", "group/topics-stub-v3"),
    ],
)
def test_resolve_model_dir_accepts_name_at_version(
    tmp_path: Path, reference: str, expected: str
) -> None:
    for version in (1, 2, 12):
        write_version(tmp_path, "sentiment-stub", version)
    write_version(tmp_path / "group", "topics-stub", 3)
    assert resolve_model_dir(reference, tmp_path) == tmp_path / expected


@pytest.mark.parametrize("reference", ["sentiment-stub@3", "sentiment-stub@newest", "other@latest"])
def test_resolve_model_dir_lists_versions_of_unknown_reference(
    tmp_path: Path, reference: str
) -> None:
    write_version(tmp_path, "sentiment-stub", 1)
    with pytest.raises(ModelLoadError, match=r"No version .* \(versions: (@1|none)\)"):
        resolve_model_dir(reference, tmp_path)


def test_resolve_model_dir_ignores_folders_without_manifest(tmp_path: Path) -> None:
    write_version(tmp_path, "sentiment-stub", 1)
    (tmp_path / "sentiment-stub-v2").mkdir()
    assert resolve_model_dir("sentiment-stub@latest", tmp_path).name == "sentiment-stub-v1"


def test_find_model_dirs_finds_grouped_models(tmp_path: Path) -> None:
    write_version(tmp_path, "b", 1)
    write_version(tmp_path / "topics", "a", 1)
    assert [p.relative_to(tmp_path).as_posix() for p in find_model_dirs(tmp_path)] == [
        "b-v1",
        "topics/a-v1",
    ]
