"""Train a head end to end: load the mix, embed (cached), fit, calibrate, evaluate, export."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cx_nlp.encoders.base import Encoder
from cx_nlp.heads import TASK_LABELS
from cx_nlp.training.cache import embed_cached
from cx_nlp.training.data import (
    TRAIN,
    VAL,
    LabelledText,
    check_labels,
    normalise_space,
    read_labelled_file,
    seeded_split,
)
from cx_nlp.training.emotion_data import KNOWN_LABELS
from cx_nlp.training.fit import (
    FitConfig,
    Layers,
    Targets,
    fit_head,
    positive_weights,
    source_balanced_row_weights,
)
from cx_nlp.training.metrics import (
    apply_thresholds,
    fit_temperature,
    multi_label_report,
    single_label_report,
    tune_thresholds,
)
from cx_nlp.training.sources import DataSource

if TYPE_CHECKING:
    from cx_nlp.training.distil import Distillation

logger = logging.getLogger(__name__)


@dataclass
class Dataset:
    """Rows of a training mix with their embeddings and the sources' descriptions."""

    rows: list[LabelledText]
    vectors: np.ndarray
    sources: list[DataSource]
    counts: dict[str, int] = field(default_factory=dict)

    def part(self, split: str) -> tuple[list[LabelledText], np.ndarray]:
        """The rows of one split (``"train"`` or ``"val"``) and their vectors."""
        idx = np.array([i for i, r in enumerate(self.rows) if r.split == split], dtype=np.int64)
        return [self.rows[i] for i in idx], self.vectors[idx]


@dataclass
class TrainOutcome:
    """What training produced: layers, calibration, thresholds and validation metrics."""

    layers: list[tuple[np.ndarray, np.ndarray]]
    metrics: dict[str, Any]
    thresholds: dict[str, float]
    temperature: float
    seconds: float


def rows_source(
    name: str, rows: list[LabelledText], *, license: str, commercial_use: bool = False
) -> DataSource:
    """In-memory labelled rows (e.g. your own new labels) as a source to add to a mix.

    Each row keeps its ``split``; ``source`` is set to ``name``.
    """
    named = [LabelledText(r.text, r.labels, r.language, name, r.split) for r in rows]
    return DataSource(
        name, f"(in memory: {len(named)} rows)", license, commercial_use, lambda _: named
    )


def user_file_source(path: Path, seed: int) -> DataSource:
    """A labelled CSV/TSV/JSONL/Parquet file as a source, split 85/15 by a seeded hash."""

    def load(_: Path) -> list[LabelledText]:
        rows = read_labelled_file(path)
        return [
            LabelledText(r.text, r.labels, r.language, r.source, seeded_split(r.text, seed=seed))
            for r in rows
        ]

    return DataSource(path.stem, str(path), "user-supplied (check before release)", False, load)


def drop_leaks(rows: list[LabelledText]) -> list[LabelledText]:
    """Drop training rows whose text also occurs in any validation row (across sources)."""
    held = {normalise_space(r.text).lower() for r in rows if r.split == VAL}
    kept = [r for r in rows if r.split == VAL or normalise_space(r.text).lower() not in held]
    if len(kept) < len(rows):
        logger.info("dropped %d training rows that repeat a validation text", len(rows) - len(kept))
    return kept


def cap_rows(rows: list[LabelledText], max_rows: int, *, seed: int) -> list[LabelledText]:
    """At most ``max_rows`` rows per split, drawn with ``seed`` in their original order (0: all)."""
    if max_rows <= 0:
        return rows
    rng = np.random.default_rng(seed)
    keep: set[int] = set()
    for split in (TRAIN, VAL):
        idx = [i for i, r in enumerate(rows) if r.split == split]
        if len(idx) > max_rows:
            idx = rng.choice(idx, size=max_rows, replace=False).tolist()
        keep.update(idx)
    return [r for i, r in enumerate(rows) if i in keep]


def load_dataset(
    task: str,
    sources: list[DataSource],
    *,
    data_dir: Path,
    encoder: Encoder,
    cache_dir: Path,
    max_rows: int = 0,
    seed: int = 0,
) -> Dataset:
    """Load every source, embed each one through the cache, and drop leaking rows.

    ``max_rows`` caps the rows of each source per split before embedding (quick runs on
    tiny data); 0 keeps everything.
    """
    rows: list[LabelledText] = []
    parts: list[np.ndarray] = []
    allowed = set(TASK_LABELS[task])
    for source in sources:
        loaded = cap_rows(source.load(data_dir), max_rows, seed=seed)
        check_labels(loaded, allowed, source=source.name)
        parts.append(
            embed_cached(
                encoder, [r.text for r in loaded], dataset=source.name, cache_dir=cache_dir
            )
        )
        rows += loaded
    vectors = np.concatenate(parts) if parts else np.zeros((0, encoder.dim), np.float32)
    kept = set(map(id, drop_leaks(rows)))
    keep = np.array([id(r) in kept for r in rows], dtype=bool)
    rows = [r for r, k in zip(rows, keep, strict=True) if k]
    counts = {s.name: sum(r.source == s.name and r.split == TRAIN for r in rows) for s in sources}
    return Dataset(rows, vectors[keep], sources, counts)


def targets(task: str, rows: list[LabelledText]) -> np.ndarray:
    """Class indices (sentiment) or a 0/1 label matrix (emotion) in head order."""
    labels = TASK_LABELS[task]
    if task == "sentiment":
        return np.array([labels.index(r.labels[0]) for r in rows], dtype=np.int64)
    return np.array([[label in r.labels for label in labels] for r in rows], dtype=np.int64)


def label_mask(task: str, rows: list[LabelledText]) -> np.ndarray:
    """0/1 matrix of which labels each row's source can assert (emotion only)."""
    labels = TASK_LABELS[task]
    everything = frozenset(labels)
    return np.array(
        [[label in KNOWN_LABELS.get(r.source, everything) for label in labels] for r in rows],
        dtype=np.int64,
    )


def _groups(rows: list[LabelledText], sources: tuple[str, ...]) -> list[list[np.ndarray]]:
    """Per selection source, the index arrays of its validation rows per language."""
    out = []
    for source in sources:
        langs = sorted({r.language for r in rows if r.source == source})
        groups = [
            np.array([i for i, r in enumerate(rows) if (r.source, r.language) == (source, lang)])
            for lang in langs
        ]
        if groups:
            out.append(groups)
    return out or [[np.arange(len(rows))]]


def _selection_score(
    task: str,
    val: list[LabelledText],
    y_val: np.ndarray,
    x_val: np.ndarray,
    select_on: tuple[str, ...],
) -> Any:
    """Mean over selection sources of the mean macro-F1 over that source's languages."""
    from cx_nlp.training.metrics import macro_f1

    groups = _groups(val, select_on)
    labels = TASK_LABELS[task]
    every = np.concatenate([g for source in groups for g in source])

    def score(logits_of: Any) -> float:
        logits = logits_of(x_val)
        if task == "sentiment":
            pred = logits.argmax(axis=1)
        else:
            probs = 1.0 / (1.0 + np.exp(-logits))
            pred = apply_thresholds(
                probs, tune_thresholds(probs[every], y_val[every], labels), labels
            )

        def f1(g: np.ndarray) -> float:
            if task == "sentiment":
                return macro_f1(y_val[g], pred[g], len(labels))
            return float(multi_label_report(pred[g], y_val[g], ["x"] * len(g), labels)["macro_f1"])

        return float(np.mean([np.mean([f1(g) for g in source]) for source in groups]))

    return score


def _ece(logits: np.ndarray, y: np.ndarray) -> float:
    from cx_nlp.training.metrics import expected_calibration_error

    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return expected_calibration_error(z / z.sum(axis=1, keepdims=True), y)


def _fold_temperature(layers: list[tuple[np.ndarray, np.ndarray]], t: float) -> None:
    weight, bias = layers[-1]
    layers[-1] = (weight / np.float32(t), bias / np.float32(t))


def _logits(layers: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray, act: str) -> np.ndarray:
    from cx_nlp.heads import gelu, relu

    for i, (weight, bias) in enumerate(layers):
        x = x @ weight.T + bias
        if i < len(layers) - 1:
            x = gelu(x) if act == "gelu" else relu(x)
    return x


def evaluate_split(
    task: str,
    layers: list[tuple[np.ndarray, np.ndarray]],
    rows: list[LabelledText],
    vectors: np.ndarray,
    *,
    activation: str,
    thresholds: dict[str, float],
) -> dict[str, Any]:
    """Per-source validation reports (macro-F1 per language, per-label F1, ECE)."""
    labels = TASK_LABELS[task]
    y = targets(task, rows)
    logits = _logits(layers, vectors, activation)
    out: dict[str, Any] = {}
    for source in sorted({r.source for r in rows}):
        idx = np.array([i for i, r in enumerate(rows) if r.source == source])
        langs = [rows[i].language for i in idx]
        if task == "sentiment":
            z = logits[idx]
            probs = np.exp(z - z.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            out[source] = single_label_report(probs, y[idx], langs, labels)
        else:
            probs = 1.0 / (1.0 + np.exp(-logits[idx]))
            pred = apply_thresholds(probs, thresholds, labels)
            out[source] = multi_label_report(pred, y[idx], langs, labels)
    return out


def _calibrate(
    task: str,
    layers: Layers,
    val: list[LabelledText],
    x_va: np.ndarray,
    y_va: np.ndarray,
    config: FitConfig,
    select_on: tuple[str, ...],
) -> tuple[dict[str, float], float]:
    """Tune emotion thresholds, or fold a temperature into sentiment logits if ECE drops."""
    if task != "sentiment":
        sel = np.array([i for i, r in enumerate(val) if r.source in select_on], dtype=np.int64)
        sel = sel if len(sel) else np.arange(len(val))
        probs = 1.0 / (1.0 + np.exp(-_logits(layers, x_va[sel], config.activation)))
        return tune_thresholds(probs, y_va[sel], TASK_LABELS[task]), 1.0
    logits = _logits(layers, x_va, config.activation)
    temperature = fit_temperature(logits, y_va)
    if _ece(logits / temperature, y_va) >= _ece(logits, y_va):
        return {}, 1.0
    _fold_temperature(layers, temperature)
    return {}, temperature


def train_task(
    task: str,
    dataset: Dataset,
    *,
    config: FitConfig,
    select_on: tuple[str, ...],
    distillation: Distillation | None = None,
) -> TrainOutcome:
    """Fit a head on the train rows, calibrate/threshold on val, and report val metrics.

    Sentiment heads get temperature scaling (folded into the last layer) when it lowers
    the validation ECE; emotion heads get one tuned threshold per label. With
    ``distillation`` (sentiment), the targets blend in a teacher's probabilities and its
    extra texts join the training rows.
    """
    t0 = time.perf_counter()
    train_idx = np.array([i for i, r in enumerate(dataset.rows) if r.split == TRAIN])
    val_idx = np.array([i for i, r in enumerate(dataset.rows) if r.split == VAL])
    train = [dataset.rows[i] for i in train_idx]
    val = [dataset.rows[i] for i in val_idx]
    x_tr, x_va = dataset.vectors[train_idx], dataset.vectors[val_idx]
    y_tr, y_va = targets(task, train), targets(task, val)
    multilabel = task != "sentiment"
    if multilabel:
        mask = label_mask(task, train)
        target = Targets(y_tr, True, positive_weights(y_tr, mask), mask=mask)
    else:
        row_w = source_balanced_row_weights(y_tr, [r.source for r in train], 3)
        target = Targets(y_tr, False, np.ones(3, dtype=np.float32), row_weights=row_w)
        if distillation is not None:
            x_tr, target = distillation.training_set(x_tr, y_tr, row_w)
    result = fit_head(
        x_tr, target, config=config, score_val=_selection_score(task, val, y_va, x_va, select_on)
    )
    layers = result.layers
    thresholds, temperature = _calibrate(task, layers, val, x_va, y_va, config, select_on)
    metrics = evaluate_split(
        task, layers, val, x_va, activation=config.activation, thresholds=thresholds
    )
    metrics["best_epoch"] = result.best_epoch
    metrics["selection_score"] = round(result.best_score, 4)
    return TrainOutcome(layers, metrics, thresholds, temperature, time.perf_counter() - t0)
