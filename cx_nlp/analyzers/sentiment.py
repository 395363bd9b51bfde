"""Sentiment per sentence and per document from a trained head on the sentence vectors."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.analyzers.trained_head import (
    head_encoder,
    load_trained_head,
    split_rows,
    stacked_sentence_vectors,
)
from cx_nlp.config import Settings
from cx_nlp.heads import Head
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import Doc, Sentiment, SentimentLabel

LABELS = tuple(SentimentLabel)


class SentimentConfig(BaseModel):
    """Options of the ``sentiment`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="sentiment-usem3-v1", description="Name under models/ or a path.")
    document: Literal["length_weighted_mean", "mean"] = Field(
        default="length_weighted_mean",
        description="How sentence probabilities combine into the document's.",
    )


class SentimentAnalyzer:
    """Sets ``sentiment`` and ``sentences[].sentiment`` (negative/neutral/positive)."""

    name = "sentiment"
    requires: tuple[str, ...] = ("embeddings", "sentences")
    assigns: tuple[str, ...] = ("sentiment", "sentences")

    def __init__(self, head: Head, config: SentimentConfig) -> None:
        self.head = head
        self.config = config

    @property
    def consumes_encoder(self) -> tuple[str, int]:
        """Name and dimension of the encoder the head was trained on."""
        return head_encoder(self.head)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        vectors = stacked_sentence_vectors(docs, self.consumes_encoder)
        probabilities = self._predict(vectors)
        blocks = split_rows(probabilities, [len(doc.sentences) for doc in docs])
        for doc, sentence_probs in zip(docs, blocks, strict=True):
            doc.sentences = [
                sentence.model_copy(update={"sentiment": decode_sentiment(row)})
                for sentence, row in zip(doc.sentences, sentence_probs, strict=True)
            ]
            doc.sentiment = decode_sentiment(self._document(doc, sentence_probs))
        return docs

    def _predict(self, vectors: np.ndarray) -> np.ndarray:
        return self.head.predict_proba(vectors)

    def _document(self, doc: Doc, probabilities: np.ndarray) -> np.ndarray:
        if self.config.document == "mean":
            return np.asarray(probabilities.mean(axis=0))
        weights = np.array([max(s.end - s.start, 1) for s in doc.sentences], dtype=np.float64)
        return np.asarray(weights @ probabilities / weights.sum())


def decode_sentiment(probabilities: np.ndarray) -> Sentiment:
    """A ``Sentiment`` from one row of probabilities in ``SentimentLabel`` order."""
    values = [round(float(p), 4) for p in probabilities]
    by_label = dict(zip(LABELS, values, strict=True))
    score = by_label[SentimentLabel.POSITIVE] - by_label[SentimentLabel.NEGATIVE]
    return Sentiment(
        label=LABELS[int(np.argmax(probabilities))],
        score=round(min(max(score, -1.0), 1.0), 4),
        probabilities=by_label,
    )


@register_analyzer("sentiment", config=SentimentConfig)
def make_sentiment(config: SentimentConfig, settings: Settings) -> SentimentAnalyzer:
    """Build the ``sentiment`` analyzer."""
    head = load_trained_head(config.model, task="sentiment", models_dir=settings.models_dir)
    return SentimentAnalyzer(head, config)
