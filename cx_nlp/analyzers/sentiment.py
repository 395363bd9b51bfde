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
from cx_nlp.errors import AnalyzerError, ConfigError
from cx_nlp.heads import Head
from cx_nlp.lexical import LexicalModel, blend
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
    lexical: str | None = Field(
        default=None,
        description="A hashed n-gram sentiment model (cx_nlp.lexical) blended with the head "
        "per sentence, e.g. 'sentiment-lexical-v1'; head backend only.",
    )
    lexical_weight: float = Field(
        default=0.3,
        ge=0.0,
        le=1.0,
        description="The lexical model's share w in (1 - w) log p_head + w log p_lexical "
        "(0.3: chosen on validation by `cx-nlp train sentiment-lexical --blend-with`).",
    )
    document: Literal["length_weighted_mean", "mean", "pooled_vector"] = Field(
        default="length_weighted_mean",
        description="How the document is scored: its sentences' probabilities averaged "
        "(weighted by length, or not), or 'pooled_vector': the head (and lexical model) on "
        "the document vector pooled from its sentences' (head backend only).",
    )
    batch_size: int = Field(default=32, ge=1, le=1024, description="transformers backend only.")
    max_length: int | None = Field(
        default=None, ge=8, le=4096, description="transformers backend only; default: as trained."
    )


class SentimentAnalyzer:
    """Sets ``sentiment`` and ``sentences[].sentiment`` (negative/neutral/positive).

    With a lexical model, each sentence's head probabilities are blended with the hashed
    n-gram model's (:func:`cx_nlp.lexical.blend`, weight ``lexical_weight``).
    """

    name = "sentiment"
    requires: tuple[str, ...] = ("embeddings", "sentences")
    assigns: tuple[str, ...] = ("sentiment", "sentences")

    def __init__(
        self, head: Head, config: SentimentConfig, lexical: LexicalModel | None = None
    ) -> None:
        self.head = head
        self.config = config
        self.lexical = lexical

    @property
    def consumes_encoder(self) -> tuple[str, int]:
        """Name and dimension of the encoder the head was trained on."""
        return head_encoder(self.head)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        vectors = stacked_sentence_vectors(docs, self.consumes_encoder)
        probabilities = self._predict(vectors)
        pooled = None
        if self.config.document == "pooled_vector":
            pooled = self._predict(np.stack([_document_vector(doc) for doc in docs]))
        if self.lexical is not None:
            texts = [doc.text[s.start : s.end] for doc in docs for s in doc.sentences]
            whole = [doc.text for doc in docs] if pooled is not None else []
            lexical = _score_distinct(self.lexical, texts + whole)
            weight = self.config.lexical_weight
            probabilities = blend(probabilities, lexical[: len(texts)], weight)
            if pooled is not None:
                pooled = blend(pooled, lexical[len(texts) :], weight)
        return assign_sentiment(docs, probabilities, self.config.document, pooled)

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


def _score_distinct(lexical: LexicalModel, texts: list[str]) -> np.ndarray:
    """The lexical model's probabilities, each distinct text scored once (a one-sentence
    document's text is usually its sentence's)."""
    distinct = list(dict.fromkeys(texts))
    probabilities = lexical.predict_proba(distinct)
    index = {text: i for i, text in enumerate(distinct)}
    return probabilities[[index[text] for text in texts]]


def _document_vector(doc: Doc) -> np.ndarray:
    if doc.embeddings is None or doc.embeddings.document is None:
        raise AnalyzerError(
            f"Doc {doc.id!r} has no pooled document vector; sentiment document mode "
            "'pooled_vector' needs the encoder analyzer of this version before it."
        )
    return doc.embeddings.document


def _document(doc: Doc, probabilities: np.ndarray, mode: str) -> np.ndarray:
    if mode == "mean":
        return np.asarray(probabilities.mean(axis=0))
    weights = np.array([max(s.end - s.start, 1) for s in doc.sentences], dtype=np.float64)
    return np.asarray(weights @ probabilities / weights.sum())


def assign_sentiment(
    docs: list[Doc],
    probabilities: np.ndarray,
    document: str,
    document_probabilities: np.ndarray | None = None,
) -> list[Doc]:
    """Write each sentence's sentiment and the document's.

    Args:
        docs: The docs, in order.
        probabilities: Stacked sentence probabilities, one row per sentence.
        document: How sentences combine into the document (``SentimentConfig.document``).
        document_probabilities: One row per doc, used as is instead (``pooled_vector``).
    """
    blocks = split_rows(probabilities, [len(doc.sentences) for doc in docs])
    for i, (doc, sentence_probs) in enumerate(zip(docs, blocks, strict=True)):
        doc.sentences = [
            sentence.model_copy(update={"sentiment": decode_sentiment(row)})
            for sentence, row in zip(doc.sentences, sentence_probs, strict=True)
        ]
        if document_probabilities is not None:
            doc.sentiment = decode_sentiment(document_probabilities[i])
        else:
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
        if config.lexical is not None or config.document == "pooled_vector":
            raise ConfigError(
                "sentiment options 'lexical' and document 'pooled_vector' need backend 'head' "
                "(sentence vectors); remove them or use backend 'head'."
            )
        classifier = SequenceClassifier.load(
            resolve_model_dir(config.model, settings.models_dir),
            device=settings.device,
            num_threads=settings.num_threads,
            batch_size=config.batch_size,
            max_length=config.max_length,
        )
        return TransformersSentimentAnalyzer(classifier, config)
    head = load_trained_head(config.model, task="sentiment", models_dir=settings.models_dir)
    lexical = None
    if config.lexical is not None:
        lexical = LexicalModel.load(resolve_model_dir(config.lexical, settings.models_dir))
    return SentimentAnalyzer(head, config, lexical)
