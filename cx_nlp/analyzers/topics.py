"""Assigns each document a topic from a fitted topic model (topics are corpus-level).

Fitting lives in :mod:`cx_nlp.topics.fit` (``cx-nlp topics fit``); this analyzer only
loads a model folder and assigns the nearest topic to each document vector (the mean of
its sentence vectors, as the journey head reads), without refitting and without importing
BERTopic. A document below the model's similarity threshold gets topic ``-1 outlier``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.analyzers.journey import document_vectors
from cx_nlp.analyzers.trained_head import stacked_sentence_vectors
from cx_nlp.artifacts import resolve_model_dir
from cx_nlp.config import Settings
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import Doc
from cx_nlp.topics.artifact import TopicModel, load_topic_model


class TopicsConfig(BaseModel):
    """Options of the ``topics`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(
        default="topics/feedback-usem3-v1", description="Folder under models/ or a path."
    )


class TopicsAnalyzer:
    """Sets ``topic``: id, short label and probability of the nearest fitted topic."""

    name = "topics"
    requires: tuple[str, ...] = ("embeddings", "sentences")
    assigns: tuple[str, ...] = ("topic",)

    def __init__(self, model: TopicModel) -> None:
        self.model = model

    @property
    def consumes_encoder(self) -> tuple[str, int]:
        """Name and dimension of the encoder the topics were fitted on."""
        return self.model.manifest.encoder.name, self.model.manifest.encoder.dim

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        vectors = stacked_sentence_vectors(docs, self.consumes_encoder)
        means = document_vectors(vectors, [len(doc.sentences) for doc in docs])
        for doc, topic in zip(docs, self.model.assign(means), strict=True):
            doc.topic = topic
        return docs


@register_analyzer("topics", config=TopicsConfig)
def make_topics(config: TopicsConfig, settings: Settings) -> TopicsAnalyzer:
    """Build the ``topics`` analyzer from a fitted model folder."""
    model_dir = resolve_model_dir(config.model, settings.models_dir)
    return TopicsAnalyzer(load_topic_model(model_dir))
