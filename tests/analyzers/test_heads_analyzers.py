"""Sentiment, emotion and journey analyzers on stub heads and fixed probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from cx_nlp.analyzers.emotion import EmotionAnalyzer, EmotionConfig
from cx_nlp.analyzers.journey import JourneyAnalyzer, JourneyConfig
from cx_nlp.analyzers.sentiment import SentimentAnalyzer, SentimentConfig, decode_sentiment
from cx_nlp.errors import ConfigError, ModelLoadError
from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import Emotion, JourneyStage, SentimentLabel
from tests.conftest import encoded_docs, make_head
from tests.fakes import FakeLanguage


def _fixed(analyzer: object, rows: list[list[float]], monkeypatch: pytest.MonkeyPatch) -> None:
    probabilities = np.array(rows, dtype=np.float32)
    monkeypatch.setattr(analyzer, "_predict", lambda vectors: probabilities[: len(vectors)])


def test_sentiment_scores_sentences_and_weights_document(monkeypatch: pytest.MonkeyPatch) -> None:
    labels = [label.value for label in SentimentLabel]
    analyzer = SentimentAnalyzer(make_head("sentiment", labels), SentimentConfig())
    _fixed(analyzer, [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]], monkeypatch)
    doc = analyzer(encoded_docs([["Pessimo servizio clienti davvero.", "Ok."]]))[0]
    assert [s.sentiment.label for s in doc.sentences if s.sentiment] == [
        SentimentLabel.NEGATIVE,
        SentimentLabel.POSITIVE,
    ]
    assert doc.sentiment is not None
    assert doc.sentiment.label is SentimentLabel.NEGATIVE  # the longer sentence weighs more
    assert -1.0 <= doc.sentiment.score < 0


@pytest.mark.parametrize(
    ("row", "label", "score"),
    [
        ([0.2, 0.3, 0.5], SentimentLabel.POSITIVE, 0.3),
        ([0.6, 0.4, 0.0], SentimentLabel.NEGATIVE, -0.6),
    ],
)
def test_decode_sentiment_score_is_positive_minus_negative(
    row: list[float], label: SentimentLabel, score: float
) -> None:
    sentiment = decode_sentiment(np.array(row))
    assert (sentiment.label, sentiment.score) == (label, score)


def test_emotion_uses_thresholds_and_max_over_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = EmotionAnalyzer(make_head("emotion", [e.value for e in Emotion]), EmotionConfig())
    rows = [[0.9, 0, 0, 0, 0.1, 0, 0, 0], [0.1, 0, 0, 0, 0.6, 0, 0, 0]]
    _fixed(analyzer, rows, monkeypatch)
    doc = analyzer(encoded_docs([["Sono furioso.", "Però contento del rimborso."]]))[0]
    assert doc.emotions is not None
    assert doc.emotions.labels == [Emotion.ANGER, Emotion.JOY]
    assert doc.emotions.scores[Emotion.ANGER] == pytest.approx(0.9)


def test_emotion_none_above_threshold_is_neutral(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = EmotionAnalyzer(make_head("emotion", [e.value for e in Emotion]), EmotionConfig())
    _fixed(analyzer, [[0.1] * 8], monkeypatch)
    doc = analyzer(encoded_docs([["Ricevuto."]]))[0]
    assert doc.emotions is not None
    assert doc.emotions.labels == []


def test_journey_from_mean_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = JourneyAnalyzer(
        make_head("journey", [s.value for s in JourneyStage]), JourneyConfig()
    )
    _fixed(analyzer, [[0, 0, 0.2, 0.9, 0.7]], monkeypatch)
    doc = analyzer(encoded_docs([["Comprato.", "Lo consiglio a tutti."]]))[0]
    assert doc.journey == [JourneyStage.ACT, JourneyStage.ADVOCATE]


def test_head_rejects_vectors_of_another_encoder() -> None:
    labels = [label.value for label in SentimentLabel]
    analyzer = SentimentAnalyzer(make_head("sentiment", labels, encoder="usem3"), SentimentConfig())
    with pytest.raises(ConfigError, match="encoded with 'stub'"):
        analyzer(encoded_docs([["Ciao."]]))


class _StubEncoderAnalyzer:
    name = "encoder"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("embeddings",)
    provides_encoder = ("e5-small", 384)

    def __call__(self, docs: list) -> list:  # type: ignore[type-arg]
        return docs


def test_pipeline_rejects_head_of_another_encoder_at_build() -> None:
    labels = [label.value for label in SentimentLabel]
    head = make_head("sentiment", labels, encoder="usem3")
    from cx_nlp.analyzers.prepare import PrepareAnalyzer, PrepareConfig
    from cx_nlp.analyzers.sentences import SentencesAnalyzer, SentencesConfig

    with pytest.raises(ModelLoadError, match="trained on encoder"):
        Pipeline([PrepareAnalyzer(PrepareConfig(), max_chars=100), FakeLanguage(),
                  SentencesAnalyzer(SentencesConfig()), _StubEncoderAnalyzer(),
                  SentimentAnalyzer(head, SentimentConfig())])  # fmt: skip


def test_pooled_vector_mode_scores_the_document_from_its_pooled_vector() -> None:
    labels = [label.value for label in SentimentLabel]
    head = make_head("sentiment", labels)
    docs = encoded_docs([["Pessimo servizio clienti davvero.", "Ok."]])
    pooled = np.array([0.5, -0.5, 0.5, 0.5], dtype=np.float32)
    docs[0].embeddings = docs[0].embeddings.model_copy(update={"document": pooled})
    doc = SentimentAnalyzer(head, SentimentConfig(document="pooled_vector"))(docs)[0]
    expected = head.predict_proba(pooled[None, :])[0]
    assert doc.sentiment is not None
    got = [doc.sentiment.probabilities[SentimentLabel(label)] for label in labels]
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert len([s for s in doc.sentences if s.sentiment]) == 2  # sentences still scored


def test_pooled_vector_mode_without_a_pooled_vector_is_an_analyzer_error() -> None:
    from cx_nlp.errors import AnalyzerError

    labels = [label.value for label in SentimentLabel]
    analyzer = SentimentAnalyzer(
        make_head("sentiment", labels), SentimentConfig(document="pooled_vector")
    )
    with pytest.raises(AnalyzerError, match="pooled document vector"):
        analyzer(encoded_docs([["Ok."]]))
