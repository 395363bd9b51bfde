"""Fit a linear or MLP head on frozen embeddings with torch (training only).

Softmax heads use cross-entropy with per-row weights (classes balanced within each
source); sigmoid heads use BCE with per-label positive weights and a per-row mask of
labels a source cannot assert. Each member keeps the epoch with the best validation
score (early stopping); an ensemble of one-hidden-layer members is merged into one wider
MLP whose logits are the members' mean, so inference stays a single forward pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

Layers = list[tuple[np.ndarray, np.ndarray]]
ScoreFn = Callable[[Callable[[np.ndarray], np.ndarray]], float]


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
    ensemble: int = 1


@dataclass
class FitResult:
    """Trained layers in torch ``Linear`` layout (``(out, in)`` weight, bias) and history."""

    layers: Layers
    best_epoch: int
    best_score: float
    history: list[float]


@dataclass(frozen=True)
class Targets:
    """Training targets, with weights and an optional mask.

    ``y`` holds class indices, or per-row class probabilities (soft targets, e.g. a
    teacher's, for distillation) for softmax heads, or a 0/1 matrix when ``multilabel``.
    """

    y: np.ndarray
    multilabel: bool
    label_weights: np.ndarray
    row_weights: np.ndarray | None = None
    mask: np.ndarray | None = None


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


def export_layers(module: Any) -> Layers:
    """The module's Linear layers as float32 numpy ``(weight, bias)`` pairs."""
    return [
        (
            m.weight.detach().cpu().numpy().astype(np.float32).copy(),
            m.bias.detach().cpu().numpy().astype(np.float32).copy(),
        )
        for m in module
        if m.__class__.__name__ == "Linear"
    ]


def _batch_loss(torch: Any, logits: Any, target: Targets, idx: Any, tensors: dict[str, Any]) -> Any:
    fn = torch.nn.functional
    row_w = tensors["row_w"][idx]
    if target.multilabel:
        loss = fn.binary_cross_entropy_with_logits(
            logits, tensors["y"][idx], pos_weight=tensors["label_w"], reduction="none"
        )
        mask = tensors["mask"][idx] * row_w[:, None]
        return (loss * mask).sum() / mask.sum().clamp(min=1.0)
    loss = fn.cross_entropy(logits, tensors["y"][idx], weight=tensors["label_w"], reduction="none")
    return (loss * row_w).sum() / row_w.sum()


def _tensors(torch: Any, x: np.ndarray, target: Targets) -> dict[str, Any]:
    n = len(x)
    return {
        "x": torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)),
        "y": torch.from_numpy(target.y.astype(np.float32 if target.y.ndim == 2 else np.int64)),
        "label_w": torch.from_numpy(target.label_weights.astype(np.float32)),
        "row_w": torch.from_numpy(
            (target.row_weights if target.row_weights is not None else np.ones(n)).astype(
                np.float32
            )
        ),
        "mask": torch.from_numpy(
            (target.mask if target.mask is not None else np.ones_like(target.y)).astype(np.float32)
        ),
    }


def fit_member(
    x_train: np.ndarray, target: Targets, *, score_val: ScoreFn, config: FitConfig
) -> FitResult:
    """Train one head and keep the epoch with the best ``score_val`` (higher is better)."""
    import torch

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    n_out = target.y.shape[1] if target.y.ndim == 2 else len(target.label_weights)
    module = build_module(torch, x_train.shape[1], n_out, config)
    optimiser = torch.optim.AdamW(
        module.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    tensors = _tensors(torch, x_train, target)

    def logits_of(x: np.ndarray) -> np.ndarray:
        module.eval()
        with torch.inference_mode():
            out = module(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()
        module.train()
        return out  # type: ignore[no-any-return]

    best = FitResult(export_layers(module), -1, -np.inf, [])
    for epoch in range(config.max_epochs):
        order = torch.from_numpy(rng.permutation(len(x_train)))
        for start in range(0, len(x_train), config.batch_size):
            idx = order[start : start + config.batch_size]
            loss = _batch_loss(torch, module(tensors["x"][idx]), target, idx, tensors)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        best.history.append(round(score := score_val(logits_of), 4))
        if score > best.best_score:
            best.layers, best.best_epoch, best.best_score = export_layers(module), epoch, score
        elif epoch - best.best_epoch >= config.patience:
            break
    logger.info(
        "best epoch %d score %.4f history %s", best.best_epoch, best.best_score, best.history
    )
    return best


def merge_members(members: list[Layers]) -> Layers:
    """One wider MLP whose logits are the mean of one-hidden-layer members' logits."""
    if len(members) == 1:
        return members[0]
    first = np.concatenate([m[0][0] for m in members])
    first_bias = np.concatenate([m[0][1] for m in members])
    out = np.concatenate([m[1][0] for m in members], axis=1) / np.float32(len(members))
    out_bias = np.mean([m[1][1] for m in members], axis=0).astype(np.float32)
    return [(first, first_bias), (out.astype(np.float32), out_bias)]


def fit_head(
    x_train: np.ndarray, target: Targets, *, score_val: ScoreFn, config: FitConfig
) -> FitResult:
    """Train ``config.ensemble`` members (seeds ``seed``, ``seed+1``, ...) and merge them.

    Raises:
        ValueError: An ensemble was asked for with other than one hidden layer.
    """
    if config.ensemble > 1 and len(config.hidden) != 1:
        raise ValueError("ensembles need exactly one hidden layer")
    results = [
        fit_member(
            x_train, target, score_val=score_val, config=replace(config, seed=config.seed + k)
        )
        for k in range(config.ensemble)
    ]
    layers = merge_members([r.layers for r in results])
    return FitResult(
        layers,
        results[0].best_epoch,
        float(np.mean([r.best_score for r in results])),
        results[0].history,
    )


def balanced_weights(y: np.ndarray, n_labels: int) -> np.ndarray:
    """Inverse-frequency class weights, mean 1."""
    counts = np.bincount(y, minlength=n_labels).astype(np.float64)
    weights = counts.sum() / (n_labels * np.maximum(counts, 1.0))
    return np.asarray(weights / weights.mean(), dtype=np.float32)


def source_balanced_row_weights(y: np.ndarray, sources: list[str], n_labels: int) -> np.ndarray:
    """Row weights balancing classes within each source (each source keeps its total mass)."""
    out = np.ones(len(y), dtype=np.float32)
    names = np.asarray(sources)
    for name in sorted(set(sources)):
        rows = np.flatnonzero(names == name)
        out[rows] = balanced_weights(y[rows], n_labels)[y[rows]]
    return out


def positive_weights(
    y: np.ndarray, mask: np.ndarray | None = None, cap: float = 10.0
) -> np.ndarray:
    """``negatives / positives`` per label (capped), for BCE on imbalanced labels."""
    m = np.ones_like(y) if mask is None else mask
    pos = (y * m).sum(axis=0).astype(np.float64)
    neg = ((1 - y) * m).sum(axis=0).astype(np.float64)
    return np.asarray(np.clip(neg / np.maximum(pos, 1.0), 1.0, cap), dtype=np.float32)
