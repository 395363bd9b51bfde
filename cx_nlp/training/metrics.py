"""Evaluation metrics: macro-F1 per language, per-label F1, calibration, thresholds."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

ECE_BINS = 15
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int) -> float:
    """Macro-F1 over ``n_labels`` classes (single-label indices)."""
    return float(
        f1_score(y_true, y_pred, labels=list(range(n_labels)), average="macro", zero_division=0)
    )


def per_label_f1(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, float]:
    """F1 of each label; works for indices (single-label) and 0/1 matrices (multi-label)."""
    if y_true.ndim == 1:
        scores = f1_score(
            y_true, y_pred, labels=list(range(len(labels))), average=None, zero_division=0
        )
    else:
        scores = f1_score(y_true, y_pred, average=None, zero_division=0)
    return {label: round(float(s), 4) for label, s in zip(labels, scores, strict=True)}


def expected_calibration_error(
    probs: np.ndarray, y_true: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Top-label ECE with equal-width confidence bins."""
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y_true).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def fit_temperature(logits: np.ndarray, y_true: np.ndarray) -> float:
    """Temperature minimising the validation negative log-likelihood (grid 0.5-3.0)."""
    best_t, best_nll = 1.0, np.inf
    rows = np.arange(len(y_true))
    for t in np.round(np.arange(0.5, 3.001, 0.05), 3):
        nll = -np.log(_softmax(logits / t)[rows, y_true] + 1e-12).mean()
        if nll < best_nll:
            best_t, best_nll = float(t), float(nll)
    return best_t


def tune_thresholds(
    probs: np.ndarray, y_true: np.ndarray, labels: Sequence[str]
) -> dict[str, float]:
    """Per-label threshold maximising that label's F1 on validation (vectorised grid)."""
    out = {}
    for j, label in enumerate(labels):
        predicted = probs[:, j, None] >= THRESHOLD_GRID[None, :]
        actual = y_true[:, j, None].astype(bool)
        tp = (predicted & actual).sum(axis=0)
        f1 = 2 * tp / np.maximum(predicted.sum(axis=0) + actual.sum(), 1)
        out[label] = float(THRESHOLD_GRID[int(np.argmax(f1))])
    return out


def apply_thresholds(
    probs: np.ndarray, thresholds: dict[str, float], labels: Sequence[str]
) -> np.ndarray:
    """0/1 predictions from per-label thresholds."""
    cut = np.array([thresholds[label] for label in labels], dtype=np.float32)
    return (probs >= cut).astype(np.int64)


def single_label_report(
    probs: np.ndarray, y_true: np.ndarray, languages: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Macro-F1 overall and per language, per-label F1 and ECE for softmax heads."""
    y_pred = probs.argmax(axis=1)
    langs = np.asarray(languages)
    per_language = {
        lang: round(macro_f1(y_true[langs == lang], y_pred[langs == lang], len(labels)), 4)
        for lang in sorted(set(languages))
    }
    return {
        "macro_f1": round(macro_f1(y_true, y_pred, len(labels)), 4),
        "accuracy": round(float((y_pred == y_true).mean()), 4),
        "macro_f1_per_language": per_language,
        "f1_per_label": per_label_f1(y_true, y_pred, labels),
        "ece": round(expected_calibration_error(probs, y_true), 4),
        "rows": len(y_true),
    }


def multi_label_report(
    y_pred: np.ndarray, y_true: np.ndarray, languages: Sequence[str], labels: Sequence[str]
) -> dict[str, Any]:
    """Macro-F1 over labels, overall and per language, plus per-label F1."""
    langs = np.asarray(languages)

    def _macro(mask: np.ndarray) -> float:
        return float(f1_score(y_true[mask], y_pred[mask], average="macro", zero_division=0))

    per_language = {lang: round(_macro(langs == lang), 4) for lang in sorted(set(languages))}
    return {
        "macro_f1": round(_macro(np.ones(len(y_true), dtype=bool)), 4),
        "macro_f1_per_language": per_language,
        "f1_per_label": per_label_f1(y_true, y_pred, labels),
        "rows": len(y_true),
    }
