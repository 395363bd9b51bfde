"""Train and evaluate the CX-forces and journey heads on the project's labelled corpus.

Sentences inherit a document's (force, polarity) label when they contain that label's
evidence quote (single-sentence texts always do); the head is trained on sentences, and
evaluated on documents after the same aggregation the ``forces`` analyzer runs.
Splits are seeded by a hash of the text id: 70% train, 15% dev (early stopping and
thresholds), 15% validation (reported figures).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.analyzers.trained_head import split_rows
from cx_nlp.schema import FORCE_HEAD_LABELS, CxForce, FeedbackIn, JourneyStage
from cx_nlp.training.forces_corpus import resolve_text

logger = logging.getLogger(__name__)

JOURNEY_LABELS = tuple(stage.value for stage in JourneyStage)


@dataclass(frozen=True)
class ForcesExample:
    """One labelled text of the forces corpus, after preparation and sentence splitting."""

    uid: str
    language: str
    split: str
    text: str
    sentences: tuple[tuple[int, int], ...]
    forces: dict[str, str]
    evidence: dict[str, str]
    journey: tuple[str, ...]
    source: str


def split_of(uid: str) -> str:
    """Seeded split by a hash of the id: train 70%, dev 15%, val 15%."""
    bucket = int(hashlib.sha256(uid.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if bucket < 70 else "dev" if bucket < 85 else "val"


def read_label_files(data_dir: Path, *, pattern: str = "labels*.jsonl") -> list[dict[str, Any]]:
    """Every label record in ``data_dir`` matching ``pattern``, in file order."""
    records = []
    for path in sorted(data_dir.glob(pattern)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def load_examples(data_dir: Path, shared_data: Path) -> list[ForcesExample]:
    """Resolve texts, prepare and split them with the engine's own ``basic`` pipeline."""
    import cx_nlp

    records = read_label_files(data_dir)
    texts = [resolve_text(record, shared_data) for record in records]
    pipeline = cx_nlp.load("basic")
    items = [
        FeedbackIn(id=str(i), text=text, language=record["language"])
        for i, (record, text) in enumerate(zip(records, texts, strict=True))
    ]
    docs = pipeline.analyze(items, on_invalid="record")
    examples = []
    for record, text, doc in zip(records, texts, docs, strict=True):
        if doc.error is not None:
            logger.warning("skipping %s: %s", record["uid"], doc.error.message)
            continue
        examples.append(
            ForcesExample(
                uid=record["uid"],
                language=record["language"],
                split=split_of(record["uid"]),
                text=doc.text,
                sentences=tuple((s.start, s.end) for s in doc.sentences),
                forces=dict(record.get("forces", {})),
                evidence=_quotes(record, text),
                journey=tuple(record.get("journey", [])),
                source=record["source"]["dataset"],
            )
        )
    return examples


def _quotes(record: dict[str, Any], text: str) -> dict[str, str]:
    """Evidence offsets (into the source text) turned into the quoted strings."""
    quotes = {}
    for force, span in record.get("evidence", {}).items():
        if span:
            quotes[force] = text[span[0] : span[1]]
    return quotes


def sentence_targets(example: ForcesExample) -> np.ndarray:
    """0/1 matrix (sentences x force labels): which sentence shows which (force, polarity)."""
    targets = np.zeros((len(example.sentences), len(FORCE_HEAD_LABELS)), dtype=np.float32)
    for force, polarity in example.forces.items():
        column = FORCE_HEAD_LABELS.index(f"{force}:{polarity}")
        rows = _evidence_rows(example, example.evidence.get(force, ""))
        targets[rows, column] = 1.0
    return targets


def _evidence_rows(example: ForcesExample, quote: str) -> list[int]:
    if len(example.sentences) == 1:
        return [0]
    position = example.text.find(quote.strip()) if quote.strip() else -1
    if position < 0:
        return list(range(len(example.sentences)))  # quote not found: every sentence
    end = position + len(quote.strip())
    return [
        i for i, (start, stop) in enumerate(example.sentences) if start < end and position < stop
    ]


def document_targets(examples: Sequence[ForcesExample]) -> np.ndarray:
    """0/1 matrix (documents x force labels)."""
    targets = np.zeros((len(examples), len(FORCE_HEAD_LABELS)), dtype=np.int64)
    for row, example in enumerate(examples):
        for force, polarity in example.forces.items():
            targets[row, FORCE_HEAD_LABELS.index(f"{force}:{polarity}")] = 1
    return targets


def journey_targets(examples: Sequence[ForcesExample]) -> np.ndarray:
    """0/1 matrix (documents x journey stages)."""
    targets = np.zeros((len(examples), len(JOURNEY_LABELS)), dtype=np.float32)
    for row, example in enumerate(examples):
        for stage in example.journey:
            targets[row, JOURNEY_LABELS.index(stage)] = 1.0
    return targets


def aggregate_documents(
    probabilities: np.ndarray, counts: Sequence[int], thresholds: np.ndarray
) -> np.ndarray:
    """Document predictions (0/1, documents x force labels) as the ``forces`` analyzer makes
    them: per force, the polarity with the highest sentence probability over its threshold."""
    predictions = np.zeros((len(counts), len(FORCE_HEAD_LABELS)), dtype=np.int64)
    for row, block in enumerate(split_rows(probabilities, list(counts))):
        if not len(block):
            continue
        best = block.max(axis=0)
        hits = best >= thresholds
        for force_index in range(len(CxForce)):
            positive, negative = 2 * force_index, 2 * force_index + 1
            if hits[positive] and hits[negative]:
                hits[negative if best[positive] >= best[negative] else positive] = False
        predictions[row] = hits
    return predictions


def micro_f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    """Micro-F1 over every (item, label) cell."""
    true_positive = int((predicted & gold).sum())
    denominator = int(predicted.sum() + gold.sum())
    return round(2 * true_positive / denominator, 4) if denominator else 1.0


def per_force_f1(predicted: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """F1 per force over both polarities (a wrong polarity counts as a miss)."""
    return {
        force.value: micro_f1(predicted[:, 2 * i : 2 * i + 2], gold[:, 2 * i : 2 * i + 2])
        for i, force in enumerate(CxForce)
    }
