"""Sentiment per sentence and per document from a trained head on the sentence vectors."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.analyzers.sentiment_transformers import SequenceClassifier
from cx_nlp.analyzers.trained_head import (
    head_encoder,
    load_trained_head,
    split_rows,
    stacked_sentence_vectors,
)
from cx_nlp.artifacts import resolve_model_dir
from cx_nlp.config import Settings
from cx_nlp.heads import Head
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import Doc, Sentiment, SentimentLabel

LABELS = tuple(SentimentLabel)


class SentimentConfig(BaseModel):
    """Options of the ``sentiment`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="sentiment-usem3-v2", description="Name under models/ or a path.")
    backend: Literal["head", "transformers"] = Field(
        default="head",
        description="'head': a head on the shared sentence vectors; 'transformers': a "
        "fine-tuned sequence-classification checkpoint (cx_nlp.training.finetune) that reads "
        "the sentence texts itself (torch).",
    )
    document: Literal["length_weighted_mean", "mean"] = Field(
        default="length_weighted_mean",
        description="How sentence probabilities combine into the document's.",
    )
    batch_size: int = Field(default=32, ge=1, le=1024, description="transformers backend only.")
    max_length: int | None = Field(
        default=None, ge=8, le=4096, description="transformers backend only; default: as trained."
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
        return assign_sentiment(docs, self._predict(vectors), self.config.document)

    def _predict(self, vectors: np.ndarray) -> np.ndarray:
        return self.head.predict_proba(vectors)


class TransformersSentimentAnalyzer:
    """Sets ``sentiment`` and ``sentences[].sentiment`` from a fine-tuned checkpoint.

    Every sentence text goes through the sequence classifier; the document combines its
    sentences as the head backend does, so the output contract is the same.
    """

    name = "sentiment"
    requires: tuple[str, ...] = ("text", "sentences")
    assigns: tuple[str, ...] = ("sentiment", "sentences")

    def __init__(self, classifier: SequenceClassifier, config: SentimentConfig) -> None:
        self.classifier = classifier
        self.config = config

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        texts = [doc.text[s.start : s.end] for doc in docs for s in doc.sentences]
        return assign_sentiment(docs, self._predict(texts), self.config.document)

    def _predict(self, texts: list[str]) -> np.ndarray:
        return self.classifier.predict_proba(texts)


def _document(doc: Doc, probabilities: np.ndarray, mode: str) -> np.ndarray:
    if mode == "mean":
        return np.asarray(probabilities.mean(axis=0))
    weights = np.array([max(s.end - s.start, 1) for s in doc.sentences], dtype=np.float64)
    return np.asarray(weights @ probabilities / weights.sum())


def assign_sentiment(docs: list[Doc], probabilities: np.ndarray, document: str) -> list[Doc]:
    """Write each sentence's sentiment and the document's from stacked sentence probabilities."""
    blocks = split_rows(probabilities, [len(doc.sentences) for doc in docs])
    for doc, sentence_probs in zip(docs, blocks, strict=True):
        doc.sentences = [
            sentence.model_copy(update={"sentiment": decode_sentiment(row)})
            for sentence, row in zip(doc.sentences, sentence_probs, strict=True)
        ]
        doc.sentiment = decode_sentiment(_document(doc, sentence_probs, document))
    return docs


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
def make_sentiment(
    config: SentimentConfig, settings: Settings
) -> SentimentAnalyzer | TransformersSentimentAnalyzer:
    """Build the ``sentiment`` analyzer for the configured backend."""
    if config.backend == "transformers":
        classifier = SequenceClassifier.load(
            resolve_model_dir(config.model, settings.models_dir),
            device=settings.device,
            num_threads=settings.num_threads,
            batch_size=config.batch_size,
            max_length=config.max_length,
        )
        return TransformersSentimentAnalyzer(classifier, config)
    head = load_trained_head(config.model, task="sentiment", models_dir=settings.models_dir)
    return SentimentAnalyzer(head, config)
