from __future__ import annotations

import numpy as np
import pytest

from cx_nlp.analyzers.forces import ForcesAnalyzer, ForcesConfig, document_forces
from cx_nlp.schema import FORCE_HEAD_LABELS, CxForce, Polarity
from tests.conftest import encoded_docs, make_head

COLUMN = {label: i for i, label in enumerate(FORCE_HEAD_LABELS)}


def _analyzer(monkeypatch: pytest.MonkeyPatch, rows: list[dict[str, float]]) -> ForcesAnalyzer:
    analyzer = ForcesAnalyzer(make_head("forces", list(FORCE_HEAD_LABELS)), ForcesConfig())
    probabilities = np.zeros((len(rows), len(FORCE_HEAD_LABELS)), dtype=np.float32)
    for i, row in enumerate(rows):
        for label, value in row.items():
            probabilities[i, COLUMN[label]] = value
    monkeypatch.setattr(analyzer, "_predict", lambda vectors: probabilities[: len(vectors)])
    return analyzer


def test_forces_tags_sentences_with_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = _analyzer(monkeypatch, [{"fairness:negative": 0.9}, {"status:positive": 0.7}, {}])
    doc = analyzer(encoded_docs([["Costi nascosti!", "Staff gentile.", "Ok."]]))[0]
    assert doc.forces[CxForce.FAIRNESS].polarity is Polarity.NEGATIVE
    assert [(s.start, s.end) for s in doc.forces[CxForce.FAIRNESS].evidence] == [(0, 15)]
    assert doc.text[16:30] == "Staff gentile."
    assert doc.forces[CxForce.STATUS].evidence[0].start == 16
    assert doc.sentences[2].forces == {}


def test_forces_keeps_stronger_polarity_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = _analyzer(monkeypatch, [{"certainty:positive": 0.6}, {"certainty:negative": 0.95}])
    doc = analyzer(encoded_docs([["Arrivato in tempo.", "Ma rotto."]]))[0]
    assert doc.forces[CxForce.CERTAINTY].polarity is Polarity.NEGATIVE
    assert len(doc.forces[CxForce.CERTAINTY].evidence) == 1
    assert doc.sentences[0].forces[CxForce.CERTAINTY].polarity is Polarity.POSITIVE


def test_forces_below_threshold_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = _analyzer(monkeypatch, [{"belonging:positive": 0.49}])
    assert analyzer(encoded_docs([["Bello."]]))[0].forces == {}


def test_forces_document_of_no_sentences_is_empty() -> None:
    assert document_forces([]) == {}
