"""Analyst views: topics over time, per class, and with sentiment and forces."""

from __future__ import annotations

from datetime import datetime

import pytest

from cx_nlp.schema import (
    Channel,
    CxForce,
    Doc,
    ForceTag,
    Polarity,
    Sentiment,
    SentimentLabel,
    Topic,
)
from cx_nlp.topics.views import (
    period_of,
    topic_sentiment_forces,
    topics_by_class,
    topics_over_time,
)

DELIVERY = Topic(id=0, label="consegna / ritardo / pacco", probability=0.9)
BILLING = Topic(id=1, label="invoice / charge / bill", probability=0.8)


def _doc(i: int, topic: Topic | None, **fields: object) -> Doc:
    return Doc(id=str(i), text="x", topic=topic, **fields)


def _sentiment(label: SentimentLabel, score: float) -> Sentiment:
    return Sentiment(label=label, score=score, probabilities={label: 1.0})


DOCS = [
    _doc(1, DELIVERY, created_at=datetime(2025, 1, 3), channel=Channel.REVIEW,
         metadata={"store": "Roma"}, sentiment=_sentiment(SentimentLabel.NEGATIVE, -0.8),
         forces={CxForce.CERTAINTY: ForceTag(polarity=Polarity.NEGATIVE, score=0.9)}),
    _doc(2, DELIVERY, created_at=datetime(2025, 1, 20), channel=Channel.SMS,
         metadata={"store": "Milano"}, sentiment=_sentiment(SentimentLabel.POSITIVE, 0.6)),
    _doc(3, BILLING, created_at=datetime(2025, 2, 1), channel=Channel.REVIEW,
         metadata={"store": "Roma"}, sentiment=_sentiment(SentimentLabel.NEGATIVE, -0.4),
         forces={CxForce.FAIRNESS: ForceTag(polarity=Polarity.NEGATIVE, score=0.7)}),
    _doc(4, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("period", "expected"),
    [("day", "2025-01-03"), ("week", "2025-W01"), ("month", "2025-01"),
     ("quarter", "2025-Q1"), ("year", "2025")],
)  # fmt: skip
def test_period_of_labels_each_period(period: str, expected: str) -> None:
    assert period_of(datetime(2025, 1, 3), period) == expected  # type: ignore[arg-type]


def test_topics_over_time_counts_per_month() -> None:
    table = topics_over_time(DOCS, "month")
    assert list(table) == ["2025-01", "2025-02", None]
    assert table["2025-01"][(0, DELIVERY.label)] == 2
    assert table["2025-02"][(1, BILLING.label)] == 1
    assert table[None][None] == 1


@pytest.mark.parametrize(
    ("field", "group", "expected"),
    [("channel", "review", {(0, DELIVERY.label): 1, (1, BILLING.label): 1}),
     ("store", "Roma", {(0, DELIVERY.label): 1, (1, BILLING.label): 1}),
     ("store", None, {None: 1})],
)  # fmt: skip
def test_topics_by_class_counts_per_group(
    field: str, group: object, expected: dict[object, int]
) -> None:
    assert dict(topics_by_class(DOCS, field)[group]) == expected


def test_topic_sentiment_forces_counts_each_topic() -> None:
    rows = {row["topic_id"]: row for row in topic_sentiment_forces(DOCS)}
    assert rows[0]["docs"] == 2
    assert rows[0]["sentiment"] == {"negative": 1, "neutral": 0, "positive": 1}
    assert rows[0]["mean_sentiment"] == pytest.approx(-0.1)
    assert rows[0]["forces"]["certainty:negative"] == 1
    assert rows[1]["forces"]["fairness:negative"] == 1
    assert rows[None]["mean_sentiment"] is None


def test_topic_sentiment_forces_totals_match_input() -> None:
    assert sum(row["docs"] for row in topic_sentiment_forces(DOCS)) == len(DOCS)
