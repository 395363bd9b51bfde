"""Analyst views over scored docs: topics over time, per class, and with sentiment/forces.

Pure Python over ``list[Doc]``; docs without a topic (not scored, or rejected) are counted
under ``None`` so that totals always match the input.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, Literal

from cx_nlp.schema import CxForce, Doc, Polarity, SentimentLabel

Period = Literal["day", "week", "month", "quarter", "year"]
TopicKey = tuple[int, str] | None


def topic_key(doc: Doc) -> TopicKey:
    """``(id, label)`` of the doc's topic, or None when it has none."""
    return (doc.topic.id, doc.topic.label) if doc.topic is not None else None


def period_of(moment: datetime, period: Period) -> str:
    """The period label of ``moment``: ``2025-01-02``, ``2025-W01``, ``2025-01``, ..."""
    if period == "day":
        return moment.date().isoformat()
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{moment.year}-{moment.month:02d}"
    if period == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    return str(moment.year)


def counts_by(
    docs: Sequence[Doc], key: Callable[[Doc], Hashable]
) -> dict[Hashable, Counter[TopicKey]]:
    """Topic counts within each group that ``key`` puts a doc in."""
    table: dict[Hashable, Counter[TopicKey]] = defaultdict(Counter)
    for doc in docs:
        table[key(doc)][topic_key(doc)] += 1
    return dict(table)


def topics_over_time(
    docs: Sequence[Doc], period: Period = "month"
) -> dict[str | None, Counter[TopicKey]]:
    """Topic counts per period of ``created_at`` (None: docs without a date), sorted."""
    table = counts_by(
        docs, lambda d: period_of(d.created_at, period) if d.created_at is not None else None
    )
    return {k: table[k] for k in sorted(table, key=lambda k: (k is None, str(k)))}  # type: ignore[misc]


def topics_by_class(
    docs: Sequence[Doc], field: str = "channel"
) -> dict[Hashable, Counter[TopicKey]]:
    """Topic counts per value of ``channel`` or of a metadata key (missing: None)."""
    if field == "channel":
        return counts_by(docs, lambda d: d.channel.value if d.channel is not None else None)
    return counts_by(docs, lambda d: _hashable(d.metadata.get(field)))


def _hashable(value: Any) -> Hashable:
    return value if isinstance(value, Hashable) else repr(value)


def topic_sentiment_forces(docs: Sequence[Doc]) -> list[dict[str, Any]]:
    """One row per topic: size, sentiment label counts, mean score, force polarity counts.

    Returns:
        Rows sorted by size (largest first), each with ``topic_id``, ``label``, ``docs``,
        ``sentiment`` (label -> count), ``mean_sentiment`` (None without sentiment) and
        ``forces`` (``"fairness:negative"`` -> count).
    """
    rows: dict[TopicKey, dict[str, Any]] = {}
    for doc in docs:
        key = topic_key(doc)
        row = rows.setdefault(key, _empty_row(key))
        row["docs"] += 1
        if doc.sentiment is not None:
            row["sentiment"][doc.sentiment.label.value] += 1
            row["_scores"].append(doc.sentiment.score)
        for force, tag in doc.forces.items():
            row["forces"][f"{force.value}:{tag.polarity.value}"] += 1
    for row in rows.values():
        scores = row.pop("_scores")
        row["mean_sentiment"] = sum(scores) / len(scores) if scores else None
    return sorted(rows.values(), key=lambda r: (-r["docs"], str(r["topic_id"])))


def _empty_row(key: TopicKey) -> dict[str, Any]:
    return {
        "topic_id": key[0] if key else None,
        "label": key[1] if key else None,
        "docs": 0,
        "sentiment": dict.fromkeys((label.value for label in SentimentLabel), 0),
        "forces": {f"{f.value}:{p.value}": 0 for f in CxForce for p in Polarity},
        "_scores": [],
    }
