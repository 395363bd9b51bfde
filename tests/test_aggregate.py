from __future__ import annotations

import pytest

from cx_nlp.aggregate import (
    combine_forces_index,
    emotion_shares,
    forces_index,
    sentiment_distribution,
)
from cx_nlp.schema import (
    CxForce,
    Doc,
    Emotion,
    Emotions,
    ErrorInfo,
    ForceTag,
    Polarity,
    SentimentLabel,
)
from tests.fakes import fake_sentiment


def _doc(i: int, forces: dict[CxForce, Polarity], text: str = "ok") -> Doc:
    return Doc(
        id=str(i),
        text=text,
        sentiment=fake_sentiment(text),
        emotions=Emotions(labels=[Emotion.JOY], scores={Emotion.JOY: 0.9}),
        forces={f: ForceTag(polarity=p, score=0.9) for f, p in forces.items()},
    )


DOCS = [
    _doc(1, {CxForce.FAIRNESS: Polarity.NEGATIVE, CxForce.STATUS: Polarity.POSITIVE}),
    _doc(2, {CxForce.FAIRNESS: Polarity.NEGATIVE}, text="pessimo"),
    _doc(3, {CxForce.FAIRNESS: Polarity.POSITIVE}),
    _doc(4, {}),
    Doc(id="5", error=ErrorInfo(code="empty_text", message="empty")),
]


@pytest.mark.parametrize(
    ("force", "index", "positive", "negative"),
    [
        (CxForce.FAIRNESS, -25.0, 1, 2),
        (CxForce.STATUS, 25.0, 1, 0),
        (CxForce.BELONGING, 0.0, 0, 0),
    ],
)
def test_forces_index_counts_scored_texts_only(
    force: CxForce, index: float, positive: int, negative: int
) -> None:
    result = forces_index(DOCS)[force]
    assert (result.index, result.positive, result.negative, result.texts) == (
        index,
        positive,
        negative,
        4,
    )


def test_forces_index_of_nothing_is_zero() -> None:
    assert all(value.index == 0.0 for value in forces_index([]).values())


def test_sentiment_distribution_sums_to_one() -> None:
    shares = sentiment_distribution(DOCS)
    assert shares[SentimentLabel.NEGATIVE] == 0.25
    assert sum(shares.values()) == pytest.approx(1.0)


def test_emotion_shares_per_label() -> None:
    assert emotion_shares(DOCS)[Emotion.JOY] == 1.0


@pytest.mark.parametrize("split", [1, 2, 4])
def test_combine_forces_index_equals_the_index_of_all_texts(split: int) -> None:
    parts = [forces_index(DOCS[:split]), forces_index(DOCS[split:])]
    assert combine_forces_index(parts) == forces_index(DOCS)
