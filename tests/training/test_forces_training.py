"""Forces corpus and training helpers: targets from evidence, aggregation, metrics, resolution."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cx_nlp.config import PROJECT_ROOT
from cx_nlp.schema import FORCE_HEAD_LABELS, CxForce
from cx_nlp.training.agreement import force_kappas
from cx_nlp.training.forces import (
    ForcesExample,
    aggregate_documents,
    micro_f1,
    per_force_f1,
    sentence_targets,
    split_of,
)
from cx_nlp.training.forces_corpus import resolve_text

SHARED = PROJECT_ROOT.parent / "shared" / "data"
CORPUS = PROJECT_ROOT / "data" / "forces"


def _example(forces: dict[str, str], evidence: dict[str, str]) -> ForcesExample:
    text = "Prezzo onesto. Personale scortese."
    return ForcesExample("u", "it", "train", text, ((0, 14), (15, 34)), forces, evidence, (), "x")


def test_sentence_targets_follow_the_evidence_quote() -> None:
    targets = sentence_targets(
        _example(
            {"status": "negative", "fairness": "positive"},
            {"status": "Personale scortese", "fairness": "Prezzo onesto"},
        )
    )
    assert targets[1, FORCE_HEAD_LABELS.index("status:negative")] == 1
    assert targets[0, FORCE_HEAD_LABELS.index("status:negative")] == 0
    assert targets[0, FORCE_HEAD_LABELS.index("fairness:positive")] == 1


def test_sentence_targets_without_quote_mark_every_sentence() -> None:
    targets = sentence_targets(_example({"status": "negative"}, {}))
    assert targets[:, FORCE_HEAD_LABELS.index("status:negative")].tolist() == [1, 1]


def test_aggregate_documents_keeps_one_polarity_per_force() -> None:
    probabilities = np.zeros((2, len(FORCE_HEAD_LABELS)))
    probabilities[0, FORCE_HEAD_LABELS.index("certainty:positive")] = 0.7
    probabilities[1, FORCE_HEAD_LABELS.index("certainty:negative")] = 0.9
    predicted = aggregate_documents(probabilities, [2], np.full(len(FORCE_HEAD_LABELS), 0.5))
    assert predicted[0, FORCE_HEAD_LABELS.index("certainty:negative")] == 1
    assert predicted[0, FORCE_HEAD_LABELS.index("certainty:positive")] == 0


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [([[1, 0], [0, 1]], [[1, 0], [0, 1]], 1.0), ([[1, 0], [0, 0]], [[0, 1], [0, 0]], 0.0),
     ([[1, 1], [0, 0]], [[1, 0], [0, 0]], 0.6667)],
)  # fmt: skip
def test_micro_f1(predicted: list[list[int]], gold: list[list[int]], expected: float) -> None:
    assert micro_f1(np.array(predicted), np.array(gold)) == expected


def test_per_force_f1_has_every_force() -> None:
    zeros = np.zeros((1, len(FORCE_HEAD_LABELS)), dtype=np.int64)
    assert set(per_force_f1(zeros, zeros)) == {force.value for force in CxForce}


@pytest.mark.parametrize("uid", ["m_absa_multilingual/hotel/en/train.txt#12", "orig-bel-0001"])
def test_split_of_is_stable(uid: str) -> None:
    assert split_of(uid) == split_of(uid)
    assert split_of(uid) in {"train", "dev", "val"}


def test_corpus_meets_the_minimum_counts() -> None:
    records = [
        json.loads(line)
        for name in ("labels_public.jsonl", "labels_original.jsonl")
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()
        if line
    ]
    assert len(records) >= 3000
    assert sum(record["language"] == "it" for record in records) >= 800
    for label in FORCE_HEAD_LABELS:
        force, polarity = label.split(":")
        assert sum(r["forces"].get(force) == polarity for r in records) >= 150, label


def test_agreement_kappa_is_one_for_identical_labels() -> None:
    records = {"a": {"forces": {"status": "negative"}}, "b": {"forces": {}}}
    report = force_kappas(records, records)
    assert report["status"]["kappa"] == 1.0


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not beside the checkout")
def test_public_references_resolve_to_their_evidence() -> None:
    lines = (CORPUS / "labels_public.jsonl").read_text(encoding="utf-8").splitlines()[:50]
    for record in map(json.loads, lines):
        text = resolve_text(record, SHARED)
        for span in record["evidence"].values():
            assert 0 <= span[0] < span[1] <= len(text)


def test_original_records_carry_their_text() -> None:
    line = (CORPUS / "labels_original.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line)
    assert resolve_text(record, Path("/nonexistent")) == record["text"]
