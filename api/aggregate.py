"""The ``/v1/aggregate`` response: counts and shares, with the forces index from the core."""

from __future__ import annotations

from collections import Counter
from statistics import fmean

from api.schemas import AggregateResponse, SentimentShare
from cx_nlp.aggregate import forces_index
from cx_nlp.schema import Doc, Emotion, SentimentLabel


def aggregate(docs: list[Doc], *, profile: str, has_forces: bool) -> AggregateResponse:
    """Summarize ``docs``: shares are over scored docs that carry the analysis."""
    scored = [doc for doc in docs if doc.error is None]
    languages = Counter(doc.language.code if doc.language else "und" for doc in scored)
    with_sentiment = [doc.sentiment for doc in scored if doc.sentiment is not None]
    with_emotions = [doc.emotions for doc in scored if doc.emotions is not None]
    sentiment = None
    if with_sentiment:
        counts = Counter(s.label for s in with_sentiment)
        sentiment = {
            label: SentimentShare(count=counts[label], share=counts[label] / len(with_sentiment))
            for label in SentimentLabel
        }
    emotions = None
    if with_emotions:
        counts_e = Counter(label for e in with_emotions for label in set(e.labels))
        emotions = {label: counts_e[label] / len(with_emotions) for label in Emotion}
    return AggregateResponse(
        profile=profile,
        items=len(docs),
        scored=len(scored),
        rejected=len(docs) - len(scored),
        languages=dict(languages.most_common()),
        sentiment=sentiment,
        mean_sentiment_score=fmean(s.score for s in with_sentiment) if with_sentiment else None,
        emotions=emotions,
        forces_index=(
            {force.value: value for force, value in forces_index(scored).items()}
            if has_forces
            else None
        ),
        topics=None,
    )
