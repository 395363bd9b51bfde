"""Small deterministic analyzers for testing the pipeline, CLI and API without model weights."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict

from cx_nlp.config import Settings
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import Doc, Embeddings, LanguageResult, Sentiment, SentimentLabel

NEGATIVE_WORDS = ("pessimo", "terrible", "malo", "horrible", "schlecht", "péssimo", "😡")


class FakeConfig(BaseModel):
    """No options."""

    model_config = ConfigDict(extra="forbid")


class FakeLanguage:
    """Says every text is Italian, unless a hint is set."""

    name = "fake_language"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("language",)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        for doc in docs:
            if doc.language is None:
                doc.language = LanguageResult(code="it", confidence=0.9)
        return docs


class FakeSentiment:
    """Negative when a negative keyword occurs, else positive; per sentence and per doc."""

    name = "fake_sentiment"
    requires: tuple[str, ...] = ("text", "sentences")
    assigns: tuple[str, ...] = ("sentiment", "sentences")

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        for doc in docs:
            doc.sentiment = fake_sentiment(doc.text)
            doc.sentences = [
                sentence.model_copy(
                    update={"sentiment": fake_sentiment(doc.text[sentence.start : sentence.end])}
                )
                for sentence in doc.sentences
            ]
        return docs


def fake_sentiment(text: str) -> Sentiment:
    """A deterministic sentiment for ``text``."""
    negative = any(word in text.lower() for word in NEGATIVE_WORDS)
    label = SentimentLabel.NEGATIVE if negative else SentimentLabel.POSITIVE
    probabilities = {
        SentimentLabel.NEGATIVE: 0.8 if negative else 0.1,
        SentimentLabel.NEUTRAL: 0.1,
        SentimentLabel.POSITIVE: 0.1 if negative else 0.8,
    }
    score = probabilities[SentimentLabel.POSITIVE] - probabilities[SentimentLabel.NEGATIVE]
    return Sentiment(label=label, score=round(score, 4), probabilities=probabilities)


class ShuffleAnalyzer:
    """Breaks the order invariant (reverses the batch), to test the pipeline's checks."""

    name = "shuffle"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        return list(reversed(docs))


@register_analyzer("fake_language", config=FakeConfig)
def make_fake_language(config: FakeConfig, settings: Settings) -> FakeLanguage:
    """Build the fake language analyzer."""
    return FakeLanguage()


@register_analyzer("fake_sentiment", config=FakeConfig)
def make_fake_sentiment(config: FakeConfig, settings: Settings) -> FakeSentiment:
    """Build the fake sentiment analyzer."""
    return FakeSentiment()


class FakeEncoder:
    """Writes 4-d unit vectors derived from each sentence's length, as encoder ``stub``."""

    name = "fake_encoder"
    requires: tuple[str, ...] = ("text", "sentences")
    assigns: tuple[str, ...] = ("embeddings",)
    provides_encoder = ("stub", 4)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        for doc in docs:
            rows = [
                [1.0, (s.end - s.start) % 7, 1.0 + len(doc.sentences), 0.5] for s in doc.sentences
            ]
            vectors = np.asarray(rows, dtype=np.float32).reshape(len(rows), 4)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            doc.embeddings = Embeddings(encoder="stub", sentences=vectors)
        return docs


@register_analyzer("fake_encoder", config=FakeConfig)
def make_fake_encoder(config: FakeConfig, settings: Settings) -> FakeEncoder:
    """Build the fake encoder (heads trained on encoder ``stub``, dim 4, read its vectors)."""
    return FakeEncoder()
