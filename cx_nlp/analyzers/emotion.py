"""Multi-label emotions (Plutchik's eight) from a trained head on the sentence vectors."""

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
from cx_nlp.schema import Doc, Emotion, Emotions

LABELS = tuple(Emotion)


class EmotionConfig(BaseModel):
    """Options of the ``emotion`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="emotion-usem3-v1", description="Name under models/ or a path.")
    document: Literal["max", "mean"] = Field(
        default="max", description="How sentence probabilities combine into the document's."
    )


class EmotionAnalyzer:
    """Sets ``emotions``: labels over their tuned thresholds and every label's probability.

    No label above its threshold means the text is neutral (an empty ``labels`` list).
    """

    name = "emotion"
    requires: tuple[str, ...] = ("embeddings", "sentences")
    assigns: tuple[str, ...] = ("emotions",)

    def __init__(self, head: Head, config: EmotionConfig) -> None:
        self.head = head
        self.config = config
        self._thresholds = np.array([head.thresholds.get(label.value, 0.5) for label in LABELS])

    @property
    def consumes_encoder(self) -> tuple[str, int]:
        """Name and dimension of the encoder the head was trained on."""
        return head_encoder(self.head)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        vectors = stacked_sentence_vectors(docs, self.consumes_encoder)
        probabilities = self._predict(vectors)
        blocks = split_rows(probabilities, [len(doc.sentences) for doc in docs])
        for doc, rows in zip(docs, blocks, strict=True):
            combined = rows.max(axis=0) if self.config.document == "max" else rows.mean(axis=0)
            doc.emotions = self._decode(combined)
        return docs

    def _predict(self, vectors: np.ndarray) -> np.ndarray:
        return self.head.predict_proba(vectors)

    def _decode(self, probabilities: np.ndarray) -> Emotions:
        above = probabilities >= self._thresholds
        return Emotions(
            labels=[label for label, hit in zip(LABELS, above, strict=True) if hit],
            scores={
                label: round(float(p), 4) for label, p in zip(LABELS, probabilities, strict=True)
            },
        )


@register_analyzer("emotion", config=EmotionConfig)
def make_emotion(config: EmotionConfig, settings: Settings) -> EmotionAnalyzer:
    """Build the ``emotion`` analyzer."""
    head = load_trained_head(config.model, task="emotion", models_dir=settings.models_dir)
    return EmotionAnalyzer(head, config)
