"""Numpy heads: loading checks and agreement with the torch modules they were trained as."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cx_nlp.errors import ModelLoadError
from cx_nlp.heads import Head, gelu, sigmoid, softmax
from cx_nlp.training.export import export_model
from cx_nlp.training.fit import FitConfig, build_module, export_layers, merge_members
from tests.test_artifacts import write_model

torch = pytest.importorskip("torch")


def _export(tmp_path: Path, module: object, config: FitConfig, task: str) -> Path:
    labels = (
        ["negative", "neutral", "positive"]
        if task == "sentiment"
        else ["anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust"]
    )
    fields = {
        "name": "h-v1",
        "version": 1,
        "task": task,
        "labels": labels,
        "activation": "softmax" if task == "sentiment" else "sigmoid",
        "thresholds": {} if task == "sentiment" else dict.fromkeys(labels, 0.5),
        "encoder": {"name": "stub", "version": "0", "dim": 16},
        "architecture": {
            "type": "mlp" if config.hidden else "linear",
            "hidden": list(config.hidden),
            "activation": config.activation if config.hidden else None,
        },
        "languages": ["en"],
        "metrics": {},
        "training_data": [],
        "commercial_use": True,
    }
    export_model(
        tmp_path / "h-v1", layers=export_layers(module), manifest_fields=fields, card="# card\n"
    )
    return tmp_path / "h-v1"


@pytest.mark.parametrize(
    ("config", "task"),
    [
        (FitConfig(hidden=()), "sentiment"),
        (FitConfig(hidden=(32,), activation="relu"), "sentiment"),
        (FitConfig(hidden=(32,), activation="gelu"), "emotion"),
        (FitConfig(hidden=(32, 8), activation="gelu"), "sentiment"),
    ],
)
def test_numpy_head_matches_torch(tmp_path: Path, config: FitConfig, task: str) -> None:
    torch.manual_seed(0)
    n_out = 3 if task == "sentiment" else 8
    module = build_module(torch, 16, n_out, config).eval()
    head = Head.load(_export(tmp_path, module, config, task), encoder=("stub", 16))
    x = np.random.default_rng(1).standard_normal((64, 16)).astype(np.float32)
    with torch.inference_mode():
        logits = module(torch.from_numpy(x))
        expected = (logits.softmax(-1) if task == "sentiment" else logits.sigmoid()).numpy()
    np.testing.assert_allclose(head.predict_proba(x), expected, atol=1e-5)


def test_gelu_matches_torch_tanh_gelu() -> None:
    x = np.linspace(-8, 8, 1001, dtype=np.float32)
    expected = torch.nn.GELU(approximate="tanh")(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(gelu(x), expected, atol=1e-6)


def test_merged_ensemble_averages_member_logits() -> None:
    rng = np.random.default_rng(0)
    members = [
        [
            (
                rng.standard_normal((8, 4)).astype(np.float32),
                rng.standard_normal(8).astype(np.float32),
            ),
            (
                rng.standard_normal((3, 8)).astype(np.float32),
                rng.standard_normal(3).astype(np.float32),
            ),
        ]
        for _ in range(3)
    ]
    x = rng.standard_normal((5, 4)).astype(np.float32)

    def forward(layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        hidden = np.maximum(x @ layers[0][0].T + layers[0][1], 0)
        return hidden @ layers[1][0].T + layers[1][1]  # type: ignore[no-any-return]

    expected = np.mean([forward(m) for m in members], axis=0)
    np.testing.assert_allclose(forward(merge_members(members)), expected, atol=1e-5)


def test_head_load_rejects_other_encoder(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="trained on encoder 'stub'"):
        Head.load(write_model(tmp_path), encoder=("usem3", 512))


def test_head_load_rejects_other_dim(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="dim 4"):
        Head.load(write_model(tmp_path), encoder=("stub", 8))


def test_head_load_rejects_wrong_task(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not 'emotion'"):
        Head.load(write_model(tmp_path), encoder=("stub", 4), task="emotion")


def test_head_exposes_manifest_order_and_thresholds(tmp_path: Path) -> None:
    head = Head.load(write_model(tmp_path, task="emotion"), encoder=("stub", 4))
    assert head.labels[0] == "anger"
    assert head.activation == "sigmoid"
    assert head.thresholds["joy"] == 0.5


def test_predict_proba_rejects_wrong_width(tmp_path: Path) -> None:
    head = Head.load(write_model(tmp_path), encoder=("stub", 4))
    with pytest.raises(ValueError, match=r"\(n, 4\)"):
        head.predict_proba(np.zeros((2, 5), np.float32))


@pytest.mark.parametrize("logits", [np.array([[1000.0, 0.0, -1000.0]]), np.zeros((2, 3))])
def test_softmax_and_sigmoid_are_stable(logits: np.ndarray) -> None:
    probs = softmax(logits.astype(np.float32))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.all(
        (sigmoid(logits.astype(np.float32)) >= 0) & (sigmoid(logits.astype(np.float32)) <= 1)
    )
