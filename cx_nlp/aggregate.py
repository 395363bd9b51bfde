"""Summaries over a set of scored records: the forces index, sentiment and emotion shares.

Functions take ``Doc`` objects; rejected docs (``error`` set) are counted apart and excluded
from every share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.schema import CxForce, Doc, Emotion, Polarity, SentimentLabel


class ForceIndex(BaseModel):
    """One force over a set of texts: share positive minus share negative, in -100..100."""

    model_config = ConfigDict(extra="forbid")

    index: float = Field(ge=-100.0, le=100.0)
    positive: int = Field(ge=0)
    negative: int = Field(ge=0)
    texts: int = Field(ge=0, description="Scored texts the shares are computed over.")


def forces_index(docs: Iterable[Doc]) -> dict[CxForce, ForceIndex]:
    """Per force: ``100 * (positive - negative) / texts`` with the counts behind it."""
    counts: Counter[tuple[CxForce, Polarity]] = Counter()
    texts = 0
    for doc in docs:
        if doc.error is not None:
            continue
        texts += 1
        counts.update((force, tag.polarity) for force, tag in doc.forces.items())
    return {
        force: _force_index(
            counts[(force, Polarity.POSITIVE)], counts[(force, Polarity.NEGATIVE)], texts
        )
        for force in CxForce
    }


def combine_forces_index(
    parts: Iterable[Mapping[CxForce, ForceIndex]],
) -> dict[CxForce, ForceIndex]:
    """The forces index of the union of disjoint sets of texts, from the index of each set.

    Lets a caller that streams records (``cx_nlp.report``) index them chunk by chunk.
    """
    positive: Counter[CxForce] = Counter()
    negative: Counter[CxForce] = Counter()
    texts = 0
    for part in parts:
        texts += part[CxForce.FAIRNESS].texts  # every force of a part has the same texts
        for force, value in part.items():
            positive[force] += value.positive
            negative[force] += value.negative
    return {force: _force_index(positive[force], negative[force], texts) for force in CxForce}


def _force_index(positive: int, negative: int, texts: int) -> ForceIndex:
    index = 100.0 * (positive - negative) / texts if texts else 0.0
    return ForceIndex(index=round(index, 2), positive=positive, negative=negative, texts=texts)


def sentiment_distribution(docs: Iterable[Doc]) -> dict[SentimentLabel, float]:
    """Share of scored texts per sentiment label (0..1; empty input gives zeros)."""
    labels = [doc.sentiment.label for doc in docs if doc.error is None and doc.sentiment]
    counts = Counter(labels)
    total = len(labels)
    return {label: round(counts[label] / total, 4) if total else 0.0 for label in SentimentLabel}


def emotion_shares(docs: Iterable[Doc]) -> dict[Emotion, float]:
    """Share of scored texts carrying each emotion label (0..1)."""
    scored = [doc for doc in docs if doc.error is None and doc.emotions is not None]
    counts = Counter(label for doc in scored for label in doc.emotions.labels)  # type: ignore[union-attr]
    total = len(scored)
    return {label: round(counts[label] / total, 4) if total else 0.0 for label in Emotion}
