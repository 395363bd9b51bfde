"""The six CX forces per sentence and per document, with evidence spans (docs/forces.md)."""

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
from cx_nlp.schema import FORCE_HEAD_LABELS, CxForce, Doc, ForceTag, Polarity, Sentence, Span

_PAIRS: tuple[tuple[CxForce, Polarity], ...] = tuple(
    (CxForce(label.split(":")[0]), Polarity(label.split(":")[1])) for label in FORCE_HEAD_LABELS
)


class ForcesConfig(BaseModel):
    """Options of the ``forces`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(default="forces-usem3-v1", description="Name under models/ or a path.")


class ForcesAnalyzer:
    """Sets ``forces`` and ``sentences[].forces`` from a sigmoid head over (force, polarity).

    A sentence carries a force when that pair's probability reaches its tuned threshold; if
    both polarities of a force do, the more probable one is kept. The document carries, per
    force, the polarity with the highest sentence probability, with every sentence showing
    that polarity as evidence.
    """

    name = "forces"
    requires: tuple[str, ...] = ("embeddings", "sentences")
    assigns: tuple[str, ...] = ("forces", "sentences")

    def __init__(self, head: Head, config: ForcesConfig) -> None:
        self.head = head
        self.config = config
        self._thresholds = np.array([head.thresholds[label] for label in FORCE_HEAD_LABELS])

    @property
    def consumes_encoder(self) -> tuple[str, int]:
        """Name and dimension of the encoder the head was trained on."""
        return head_encoder(self.head)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        probabilities = self._predict(stacked_sentence_vectors(docs, self.consumes_encoder))
        blocks = split_rows(probabilities, [len(doc.sentences) for doc in docs])
        for doc, rows in zip(docs, blocks, strict=True):
            doc.sentences = [
                sentence.model_copy(update={"forces": self._sentence_tags(sentence, row)})
                for sentence, row in zip(doc.sentences, rows, strict=True)
            ]
            doc.forces = document_forces(doc.sentences)
        return docs

    def _predict(self, vectors: np.ndarray) -> np.ndarray:
        return self.head.predict_proba(vectors)

    def _sentence_tags(self, sentence: Sentence, row: np.ndarray) -> dict[CxForce, ForceTag]:
        tags: dict[CxForce, ForceTag] = {}
        for (force, polarity), probability, threshold in zip(
            _PAIRS, row, self._thresholds, strict=True
        ):
            if probability < threshold:
                continue
            if force in tags and tags[force].score >= probability:
                continue
            tags[force] = ForceTag(
                polarity=polarity,
                score=round(float(probability), 4),
                evidence=[Span(start=sentence.start, end=sentence.end)],
            )
        return tags


def document_forces(sentences: list[Sentence]) -> dict[CxForce, ForceTag]:
    """Aggregate sentence tags: per force, the strongest polarity and all its evidence."""
    best: dict[CxForce, ForceTag] = {}
    for sentence in sentences:
        for force, tag in sentence.forces.items():
            if force not in best or tag.score > best[force].score:
                best[force] = tag
    return {
        force: ForceTag(
            polarity=tag.polarity,
            score=tag.score,
            evidence=[
                span
                for sentence in sentences
                if force in sentence.forces and sentence.forces[force].polarity is tag.polarity
                for span in sentence.forces[force].evidence
            ],
        )
        for force, tag in best.items()
    }


@register_analyzer("forces", config=ForcesConfig)
def make_forces(config: ForcesConfig, settings: Settings) -> ForcesAnalyzer:
    """Build the ``forces`` analyzer."""
    head = load_trained_head(config.model, task="forces", models_dir=settings.models_dir)
    return ForcesAnalyzer(head, config)
