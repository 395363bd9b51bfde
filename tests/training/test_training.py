"""Fitting, metrics, the embedding cache and export on small synthetic data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cx_nlp.heads import Head
from cx_nlp.training.cache import embed_cached
from cx_nlp.training.data import LabelledText
from cx_nlp.training.fit import FitConfig, Targets, fit_head, source_balanced_row_weights
from cx_nlp.training.metrics import expected_calibration_error, macro_f1, tune_thresholds
from cx_nlp.training.recipes import Dataset, drop_leaks, train_task

pytest.importorskip("torch")


class CountingEncoder:
    """A deterministic stand-in encoder that counts calls."""

    name = "counting"
    version = "0"
    dim = 3

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)


def test_embed_cached_reuses_stored_vectors(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    first = embed_cached(encoder, ["a", "bb"], dataset="toy", cache_dir=tmp_path)
    second = embed_cached(encoder, ["a", "bb"], dataset="toy", cache_dir=tmp_path)
    np.testing.assert_array_equal(first, second)
    assert encoder.calls == 1
    assert list((tmp_path / "counting").glob("toy-*.npy"))


def test_drop_leaks_removes_training_copies_of_val_texts() -> None:
    rows = [
        LabelledText("Same  text", ("positive",), "it", "a", "train"),
        LabelledText("same text", ("positive",), "it", "b", "val"),
        LabelledText("other", ("negative",), "it", "a", "train"),
    ]
    assert [r.text for r in drop_leaks(rows)] == ["same text", "other"]


def test_source_balanced_row_weights_balance_within_each_source() -> None:
    y = np.array([0, 0, 0, 1, 2, 2])
    weights = source_balanced_row_weights(y, ["a", "a", "a", "a", "b", "b"], 3)
    assert weights[0] * 3 == pytest.approx(weights[3] * 1)


def _blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.eye(3, 8, dtype=np.float32) * 3
    return (centres[y] + rng.standard_normal((n, 8)).astype(np.float32)), y


@pytest.mark.parametrize(
    "config",
    [
        FitConfig(hidden=(), max_epochs=15, batch_size=32, lr=1e-2),
        FitConfig(
            hidden=(16,), activation="relu", max_epochs=15, ensemble=2, batch_size=32, lr=1e-2
        ),
    ],
)
def test_fit_head_learns_separable_classes(config: FitConfig) -> None:
    x, y = _blobs(600, 0)
    xv, yv = _blobs(200, 1)
    target = Targets(y, False, np.ones(3, dtype=np.float32))
    result = fit_head(
        x,
        target,
        config=config,
        score_val=lambda logits_of: macro_f1(yv, logits_of(xv).argmax(1), 3),
    )
    assert result.best_score > 0.9


def test_fit_head_follows_soft_targets() -> None:
    """Class probabilities (a teacher's) are the target: here they name the next class."""
    x, y = _blobs(600, 0)
    xv, yv = _blobs(200, 1)
    soft = np.full((len(y), 3), 0.05, dtype=np.float32)
    soft[np.arange(len(y)), (y + 1) % 3] = 0.9
    result = fit_head(
        x,
        Targets(soft, False, np.ones(3, dtype=np.float32)),
        config=FitConfig(hidden=(), max_epochs=15, batch_size=32, lr=1e-2),
        score_val=lambda logits_of: macro_f1((yv + 1) % 3, logits_of(xv).argmax(1), 3),
    )
    assert result.best_score > 0.9


def test_train_task_emotion_tunes_thresholds_and_exports_loadable_head(tmp_path: Path) -> None:
    from cx_nlp.training.export import export_model

    rng = np.random.default_rng(0)
    labels = ["anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust"]
    rows, vectors = [], []
    for i in range(400):
        k = i % 8
        rows.append(
            LabelledText(f"t{i}", (labels[k],), "en", "xed", "val" if i % 5 == 0 else "train")
        )
        vectors.append(np.eye(8)[k] * 2 + rng.standard_normal(8) * 0.3)
    dataset = Dataset(rows, np.array(vectors, dtype=np.float32), [])
    outcome = train_task(
        "emotion",
        dataset,
        config=FitConfig(hidden=(), max_epochs=20, batch_size=32, lr=1e-2),
        select_on=("xed",),
    )
    assert set(outcome.thresholds) == set(labels)
    assert outcome.metrics["xed"]["macro_f1"] > 0.8
    fields = {
        "name": "e-v1",
        "version": 1,
        "task": "emotion",
        "labels": labels,
        "activation": "sigmoid",
        "thresholds": outcome.thresholds,
        "encoder": {"name": "stub", "version": "0", "dim": 8},
        "architecture": {"type": "linear", "hidden": [], "activation": None},
        "languages": ["en"],
        "metrics": outcome.metrics,
        "training_data": [],
        "commercial_use": True,
    }
    export_model(tmp_path / "e-v1", layers=outcome.layers, manifest_fields=fields, card="#\n")
    head = Head.load(tmp_path / "e-v1", encoder=("stub", 8))
    assert head.predict_proba(np.eye(8, dtype=np.float32)).argmax(axis=1).tolist() == list(range(8))


def test_ece_is_zero_for_confident_correct_predictions() -> None:
    probs = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert expected_calibration_error(probs, np.array([0, 1])) == pytest.approx(0.0)


def test_tune_thresholds_finds_the_separating_cut() -> None:
    probs = np.array([[0.1], [0.2], [0.7], [0.9]])
    cut = tune_thresholds(probs, np.array([[0], [0], [1], [1]]), ["joy"])["joy"]
    assert 0.2 < cut <= 0.7


@pytest.mark.slow
def test_evaluate_file_scores_the_shipped_sentiment_head(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cx_nlp.cli import app
    from cx_nlp.config import PROJECT_ROOT
    from cx_nlp.training.evaluation import evaluate_file

    model = PROJECT_ROOT / "models" / "sentiment-usem3-v2"  # the fast profile's, and @latest
    path = tmp_path / "labelled.csv"
    path.write_text(
        "text,label,language\n"
        '"Prodotto fantastico, lo consiglio!",positive,it\n'
        "Arrivato rotto e nessuno risponde.,negative,it\n"
        "I love this app,positive,en\n"
        '"Terrible service, never again.",negative,en\n',
        encoding="utf-8",
    )
    report = evaluate_file(model, path)
    assert set(report["macro_f1_per_language"]) == {"en", "it"}
    assert report["rows"] == 4
    cli = CliRunner().invoke(app, ["evaluate", "--model", "sentiment-usem3@latest", str(path)])
    assert cli.exit_code == 0, cli.output
    assert cli.output.splitlines()[-1].startswith(f"all\t{report['macro_f1']:.4f}\t(4 rows)")
    missing = CliRunner().invoke(app, ["evaluate", "--model", "sentiment-usem3@9", str(path)])
    assert missing.exit_code == 2
    assert "sentiment-usem3" in missing.output
