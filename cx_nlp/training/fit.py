"""Fit a linear or MLP head on frozen embeddings with torch (training only).

Softmax heads use class-weighted cross-entropy; sigmoid heads use BCE with per-label
positive weights and an optional per-row mask of labels a source cannot assert.
Training keeps the epoch with the best validation score (early stopping).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FitConfig:
    """Hyper-parameters of one head."""

    hidden: tuple[int, ...] = (512,)
    activation: str = "gelu"
    dropout: float = 0.2
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 512
    max_epochs: int = 40
    patience: int = 5
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class FitResult:
    """Trained layers in torch ``Linear`` layout (``(out, in)`` weight, bias) and history."""

    layers: list[tuple[np.ndarray, np.ndarray]]
    best_epoch: int
    best_score: float
    history: list[float]


def build_module(torch: Any, dim_in: int, n_out: int, config: FitConfig) -> Any:
    """``nn.Sequential`` of Linear (+ activation + dropout) blocks, then the output Linear."""
    nn = torch.nn
    blocks: list[Any] = []
    width = dim_in
    for size in config.hidden:
        act = nn.GELU(approximate="tanh") if config.activation == "gelu" else nn.ReLU()
        blocks += [nn.Linear(width, size), act, nn.Dropout(config.dropout)]
        width = size
    blocks.append(nn.Linear(width, n_out))
    return nn.Sequential(*blocks)


def export_layers(module: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """The module's Linear layers as float32 numpy ``(weight, bias)`` pairs."""
    linears = [m for m in module if m.__class__.__name__ == "Linear"]
    return [
        (
            m.weight.detach().cpu().numpy().astype(np.float32).copy(),
            m.bias.detach().cpu().numpy().astype(np.float32).copy(),
        )
        for m in linears
    ]


def _loss_fn(torch: Any, y: np.ndarray, multilabel: bool, weights: np.ndarray) -> Any:
    w = torch.tensor(weights, dtype=torch.float32)
    if not multilabel:
        return torch.nn.CrossEntropyLoss(weight=w)

    def masked_bce(logits: Any, target: Any, mask: Any) -> Any:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, target, pos_weight=w, reduction="none"
        )
        return (loss * mask).sum() / mask.sum().clamp(min=1.0)

    return masked_bce


def fit_head(
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    multilabel: bool,
    label_weights: np.ndarray,
    score_val: Callable[[Callable[[np.ndarray], np.ndarray]], float],
    config: FitConfig,
    mask_train: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> FitResult:
    """Train a head and keep the epoch with the best ``score_val``.

    Args:
        x_train: Embeddings ``(n, dim)``.
        y_train: Class indices ``(n,)`` or a 0/1 matrix ``(n, labels)`` if ``multilabel``.
        multilabel: Sigmoid/BCE instead of softmax/cross-entropy.
        label_weights: Class weights (softmax) or positive weights (sigmoid).
        score_val: Called with a logits function after each epoch; higher is better.
        config: Hyper-parameters.
        mask_train: 0/1 ``(n, labels)``: which labels count in the loss (multi-label).
        sample_weight: Per-row sampling weight (rows are drawn with replacement).

    Returns:
        The best epoch's layers and the validation history.
    """
    import torch

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    n_out = y_train.shape[1] if multilabel else int(label_weights.shape[0])
    module = build_module(torch, x_train.shape[1], n_out, config)
    optimiser = torch.optim.AdamW(
        module.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    loss_fn = _loss_fn(torch, y_train, multilabel, label_weights)
    x_all = torch.from_numpy(np.ascontiguousarray(x_train, dtype=np.float32))
    y_all = torch.from_numpy(y_train.astype(np.float32 if multilabel else np.int64))
    m_all = (
        torch.from_numpy(
            (mask_train if mask_train is not None else np.ones_like(y_train)).astype(np.float32)
        )
        if multilabel
        else None
    )
    probs = None if sample_weight is None else sample_weight / sample_weight.sum()

    def logits_of(x: np.ndarray) -> np.ndarray:
        module.eval()
        with torch.inference_mode():
            out = module(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()
        module.train()
        return out  # type: ignore[no-any-return]

    best = FitResult(export_layers(module), -1, -np.inf, [])
    for epoch in range(config.max_epochs):
        order = (
            rng.choice(len(x_train), len(x_train), p=probs)
            if probs is not None
            else rng.permutation(len(x_train))
        )
        for start in range(0, len(order), config.batch_size):
            idx = torch.from_numpy(order[start : start + config.batch_size])
            logits = module(x_all[idx])
            loss = (
                loss_fn(logits, y_all[idx], m_all[idx])
                if multilabel
                else loss_fn(logits, y_all[idx])
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        score = score_val(logits_of)
        best.history.append(round(score, 4))
        if score > best.best_score:
            best.layers, best.best_epoch, best.best_score = export_layers(module), epoch, score
        elif epoch - best.best_epoch >= config.patience:
            break
    logger.info(
        "best epoch %d score %.4f history %s", best.best_epoch, best.best_score, best.history
    )
    return best


def balanced_weights(y: np.ndarray, n_labels: int) -> np.ndarray:
    """Inverse-frequency class weights, mean 1 (softmax heads)."""
    counts = np.bincount(y, minlength=n_labels).astype(np.float64)
    weights = counts.sum() / (n_labels * np.maximum(counts, 1.0))
    return (weights / weights.mean()).astype(np.float32)


def positive_weights(
    y: np.ndarray, mask: np.ndarray | None = None, cap: float = 10.0
) -> np.ndarray:
    """``negatives / positives`` per label (capped), for BCE on imbalanced labels."""
    m = np.ones_like(y) if mask is None else mask
    pos = (y * m).sum(axis=0).astype(np.float64)
    neg = ((1 - y) * m).sum(axis=0).astype(np.float64)
    return np.clip(neg / np.maximum(pos, 1.0), 1.0, cap).astype(np.float32)
