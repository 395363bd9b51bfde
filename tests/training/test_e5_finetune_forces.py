"""The forces task of ``e5_finetune.py`` scores documents exactly as cx-nlp's forces code does."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

pytest.importorskip("torch")

from cx_nlp.schema import FORCE_HEAD_LABELS
from cx_nlp.training import e5_finetune
from cx_nlp.training.forces import aggregate_documents, micro_f1

LABELS = len(FORCE_HEAD_LABELS)


def test_decide_forces_matches_the_analyzer_aggregation() -> None:
    """Per document: the highest sentence probability, thresholds, one polarity per force."""
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 4, size=200).tolist()
    probabilities = rng.random((sum(counts), LABELS)).astype(np.float32)
    cut = rng.uniform(0.3, 0.9, LABELS)
    starts = np.concatenate([[0], np.cumsum(counts)])
    document_max = np.stack([probabilities[a:b].max(axis=0) for a, b in itertools.pairwise(starts)])
    expected = aggregate_documents(probabilities, counts, cut)
    assert expected.sum() > 0
    np.testing.assert_array_equal(e5_finetune.decide_forces(document_max, cut), expected)
    gold = (rng.random(expected.shape) < 0.2).astype(np.int64)
    assert e5_finetune.micro_f1(expected, gold) == pytest.approx(micro_f1(expected, gold), abs=1e-4)


def _pack(doc_split: list[int], sentence_targets: np.ndarray, doc: list[int]) -> dict:
    doc_y = np.zeros((len(doc_split), LABELS), dtype=np.int8)
    for row, document in enumerate(doc):
        doc_y[document] |= sentence_targets[row].astype(np.int8)
    return {
        "forces:ids": np.arange(2 * len(doc), dtype=np.int32),
        "forces:offsets": np.arange(0, 2 * len(doc) + 1, 2),
        "forces:y": sentence_targets.astype(np.int8),
        "forces:doc": np.array(doc, dtype=np.int32),
        "forces:doc_y": doc_y,
        "forces:split": np.array(doc_split, dtype=np.int8),
        "forces:language": np.zeros(len(doc_split), dtype=np.int16),
        "forces:meta": np.frombuffer(json.dumps({"languages": ["it"]}).encode(), np.uint8),
    }


def test_forces_report_scores_documents_of_dev_and_val() -> None:
    rng = np.random.default_rng(1)
    doc_split = [0] * 20 + [1] * 40 + [2] * 40
    doc = sorted(rng.integers(0, len(doc_split), size=220).tolist())
    targets = np.zeros((len(doc), LABELS), dtype=np.float32)
    for row, document in enumerate(doc):
        force = int(rng.integers(0, LABELS // 2))
        if rng.random() < 0.6:  # one polarity per force and document, as the corpus has
            targets[row, 2 * force + (document + force) % 2] = 1.0
    data = e5_finetune.ForcesData(_pack(doc_split, targets, doc))
    assert set(data.doc_split[data.doc[data.train_idx]]) == {0}
    # a head that is right about every sentence is right about every document
    perfect = e5_finetune.forces_report(data, targets[data.eval_idx])
    gold_val = data.doc_y[data.doc_split == 2]
    assert gold_val.sum() > 0
    assert perfect["val_micro_f1"] == 1.0
    assert perfect["documents"]["val"] == len(np.unique(data.doc[data.eval_idx][
        data.doc_split[data.doc[data.eval_idx]] == 2]))  # fmt: skip
    # one that sees nothing finds nothing
    blind = e5_finetune.forces_report(data, np.zeros((len(data.eval_idx), LABELS), np.float32))
    assert blind["val_micro_f1"] == 0.0
    # a noisy head lands in between
    noisy = np.clip(
        targets[data.eval_idx] * 0.6 + rng.random((len(data.eval_idx), LABELS)) * 0.5, 0, 1
    )
    assert 0.0 < e5_finetune.forces_report(data, noisy)["val_micro_f1"] < 1.0
