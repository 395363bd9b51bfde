"""The 5A customer-journey stages a document shows (aware, appeal, ask, act, advocate)."""

from __future__ import annotations

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
from cx_nlp.schema import Doc, JourneyStage

LABELS = tuple(JourneyStage)


class JourneyConfig(BaseModel):
    """Options of the ``journey`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="journey-usem3-v1", description="Name under models/ or a path.")


class JourneyAnalyzer:
    """Sets ``journey``: stages whose probability, from the mean sentence vector, passes its
    tuned threshold."""

    name = "journey"
    requires: tuple[str, ...] = ("embeddings", "sentences")
    assigns: tuple[str, ...] = ("journey",)

    def __init__(self, head: Head, config: JourneyConfig) -> None:
        self.head = head
        self.config = config
        self._thresholds = np.array([head.thresholds[label.value] for label in LABELS])

    @property
    def consumes_encoder(self) -> tuple[str, int]:
        """Name and dimension of the encoder the head was trained on."""
        return head_encoder(self.head)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        vectors = stacked_sentence_vectors(docs, self.consumes_encoder)
        means = document_vectors(vectors, [len(doc.sentences) for doc in docs])
        probabilities = self._predict(means)
        for doc, row in zip(docs, probabilities, strict=True):
            doc.journey = [label for label, p, t in zip(LABELS, row, self._thresholds, strict=True)
                           if p >= t]  # fmt: skip
        return docs

    def _predict(self, vectors: np.ndarray) -> np.ndarray:
        return self.head.predict_proba(vectors)


def document_vectors(sentence_vectors: np.ndarray, counts: list[int]) -> np.ndarray:
    """One L2-normalised vector per document: the mean of its sentence vectors."""
    out = np.zeros((len(counts), sentence_vectors.shape[1]), dtype=np.float32)
    for i, block in enumerate(split_rows(sentence_vectors, counts)):
        if len(block):
            out[i] = block.mean(axis=0)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


@register_analyzer("journey", config=JourneyConfig)
def make_journey(config: JourneyConfig, settings: Settings) -> JourneyAnalyzer:
    """Build the ``journey`` analyzer."""
    head = load_trained_head(config.model, task="journey", models_dir=settings.models_dir)
    return JourneyAnalyzer(head, config)
