"""The ``topics`` analyzer: registered, reads mean sentence vectors, fills Doc.topic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cx_nlp.analyzers.topics import TopicsAnalyzer, TopicsConfig, make_topics
from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError
from cx_nlp.registry import get_registration
from cx_nlp.topics.artifact import load_topic_model
from tests.conftest import encoded_docs
from tests.topics.synthetic import DIM, saved_synthetic, synthetic_corpus


def test_topics_analyzer_is_registered() -> None:
    assert get_registration("topics").config is TopicsConfig


def test_topics_analyzer_fills_topic_of_every_doc(tmp_path: Path) -> None:
    analyzer = TopicsAnalyzer(load_topic_model(saved_synthetic(tmp_path)))
    docs = encoded_docs([["uno"], ["due", "tre"], ["quattro"]], dim=DIM)
    _, vectors, _, _ = synthetic_corpus(3)
    for doc, vector in zip(docs, vectors, strict=True):
        doc.embeddings = doc.embeddings.model_copy(  # type: ignore[union-attr]
            update={"sentences": np.repeat(vector[None], len(doc.sentences), axis=0)}
        )
    result = analyzer(docs)
    assert [doc.topic.id for doc in result] == [0, 1, 2]  # type: ignore[union-attr]
    assert "delivery" in result[0].topic.label  # type: ignore[union-attr]


def test_topics_analyzer_rejects_other_encoder(tmp_path: Path) -> None:
    analyzer = TopicsAnalyzer(load_topic_model(saved_synthetic(tmp_path)))
    docs = encoded_docs([["uno"]], dim=DIM, encoder="other")
    with pytest.raises(ConfigError, match="expects 'stub'"):
        analyzer(docs)


def test_make_topics_resolves_a_name_under_models_dir(tmp_path: Path) -> None:
    saved_synthetic(tmp_path)
    analyzer = make_topics(TopicsConfig(model="topics-stub-v1"), Settings(models_dir=tmp_path))
    assert isinstance(analyzer, TopicsAnalyzer)
    assert analyzer.consumes_encoder == ("stub", DIM)
