"""One streaming pass over a scored file: every figure the report shows, in bounded memory.

Records are read in chunks; each chunk is split by channel, language, day, topic and segment,
and every group's figures come from ``cx_nlp.aggregate`` (forces index, sentiment distribution,
emotion shares) and are merged with the figures of the chunks before. Distinct values per
segment are capped, verbatims are kept in small top-k heaps, and driver analysis accumulates
bootstrap sums (``cx_nlp.report.drivers``), so memory does not grow with the file.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cx_nlp.aggregate import (
    ForceIndex,
    combine_forces_index,
    emotion_shares,
    forces_index,
    sentiment_distribution,
)
from cx_nlp.errors import InputError
from cx_nlp.io.readers import read_chunks
from cx_nlp.report.drivers import DriverAccumulator, ScoredThemes, ThemeKey
from cx_nlp.schema import CxForce, Doc, Emotion, Polarity, SentimentLabel
from cx_nlp.topics.views import Period, period_of

CHUNK_SIZE = 5000
MAX_GROUPS = 500
MAX_SEGMENT_COLUMNS = 6
VERBATIMS_PER_FORCE = 4
VERBATIM_CHARS = 600
OTHER = "\x00other"
"""Group key pooling the values past ``MAX_GROUPS`` of a dimension (shown as "(others)")."""
OUTLIER_TOPIC = -1
TARGETS = ("rating", "recommend_score")
UNREADABLE = "unreadable_record"

# The record fields the report reads through ``Doc``; the rest (sentences, pii...) is skipped.
_DOC_FIELDS = frozenset(
    {"id", "text", "language", "sentiment", "emotions", "forces", "topic", "channel"}
    | {"created_at", "rating", "metadata", "error"}
)


@dataclass(frozen=True)
class Row:
    """A scored record: the ``Doc`` plus the survey scores and segments the report reads."""

    doc: Doc
    recommend_score: float | None = None
    effort_score: float | None = None
    segments: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    """Count and sum of a numeric score."""

    n: int = 0
    total: float = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        self.total += value

    def merge(self, other: Tally) -> None:
        self.n += other.n
        self.total += other.total

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None


@dataclass
class GroupStats:
    """Figures of one group of analysed records (rejected records never enter a group)."""

    n: int = 0
    forces: dict[CxForce, ForceIndex] | None = None
    sentiment_n: int = 0
    sentiment_sums: dict[SentimentLabel, float] = field(default_factory=dict)
    sentiment_score: Tally = field(default_factory=Tally)
    emotions_n: int = 0
    emotion_sums: dict[Emotion, float] = field(default_factory=dict)
    rating: Tally = field(default_factory=Tally)
    csat_responses: int = 0
    csat_satisfied: int = 0
    recommend: Tally = field(default_factory=Tally)
    promoters: int = 0
    detractors: int = 0
    effort: Tally = field(default_factory=Tally)

    def add(self, rows: list[Row]) -> None:
        """Add a chunk's rows of this group."""
        docs = [row.doc for row in rows]
        self.n += len(docs)
        chunk_index = forces_index(docs)
        self.forces = (
            chunk_index if self.forces is None else combine_forces_index([self.forces, chunk_index])
        )
        # The shares of aggregate.py, weighted back by their denominators so chunks merge.
        with_sentiment = [doc for doc in docs if doc.sentiment is not None]
        if with_sentiment:
            self.sentiment_n += len(with_sentiment)
            for label, share in sentiment_distribution(with_sentiment).items():
                self.sentiment_sums[label] = self.sentiment_sums.get(label, 0.0) + share * len(
                    with_sentiment
                )
            for doc in with_sentiment:
                self.sentiment_score.add(doc.sentiment.score)  # type: ignore[union-attr]
        with_emotions = [doc for doc in docs if doc.emotions is not None]
        if with_emotions:
            self.emotions_n += len(with_emotions)
            for emotion, share in emotion_shares(with_emotions).items():
                self.emotion_sums[emotion] = self.emotion_sums.get(emotion, 0.0) + share * len(
                    with_emotions
                )
        for row in rows:
            self._add_scores(row)

    def _add_scores(self, row: Row) -> None:
        rating = row.doc.rating
        if rating is not None:
            self.rating.add(rating)
            if 1.0 <= rating <= 5.0:
                self.csat_responses += 1
                self.csat_satisfied += rating >= 4.0
        if row.recommend_score is not None and 0.0 <= row.recommend_score <= 10.0:
            self.recommend.add(row.recommend_score)
            self.promoters += row.recommend_score >= 9.0
            self.detractors += row.recommend_score <= 6.0
        if row.effort_score is not None:
            self.effort.add(row.effort_score)

    def merge(self, other: GroupStats) -> None:
        """Add another group's figures (disjoint records)."""
        self.n += other.n
        if other.forces is not None:
            self.forces = (
                other.forces
                if self.forces is None
                else combine_forces_index([self.forces, other.forces])
            )
        self.sentiment_n += other.sentiment_n
        for label, total in other.sentiment_sums.items():
            self.sentiment_sums[label] = self.sentiment_sums.get(label, 0.0) + total
        self.sentiment_score.merge(other.sentiment_score)
        self.emotions_n += other.emotions_n
        for emotion, total in other.emotion_sums.items():
            self.emotion_sums[emotion] = self.emotion_sums.get(emotion, 0.0) + total
        self.rating.merge(other.rating)
        self.csat_responses += other.csat_responses
        self.csat_satisfied += other.csat_satisfied
        self.recommend.merge(other.recommend)
        self.promoters += other.promoters
        self.detractors += other.detractors
        self.effort.merge(other.effort)

    def sentiment_share(self, label: SentimentLabel) -> float:
        return self.sentiment_sums.get(label, 0.0) / self.sentiment_n if self.sentiment_n else 0.0

    def emotion_share(self, emotion: Emotion) -> float:
        return self.emotion_sums.get(emotion, 0.0) / self.emotions_n if self.emotions_n else 0.0

    def force_index(self, force: CxForce) -> ForceIndex | None:
        return self.forces[force] if self.forces is not None else None

    @property
    def nps(self) -> float | None:
        """% promoters (9-10) minus % detractors (0-6)."""
        if not self.recommend.n:
            return None
        return 100.0 * (self.promoters - self.detractors) / self.recommend.n

    @property
    def csat(self) -> float | None:
        """Share of 4-5 among 1-5 ratings."""
        return self.csat_satisfied / self.csat_responses if self.csat_responses else None


@dataclass(frozen=True)
class Verbatim:
    """An example text for a force, cut to a window around its evidence."""

    id: str
    text: str
    spans: tuple[tuple[int, int], ...]
    score: float
    cut_start: bool
    cut_end: bool
    sentiment: SentimentLabel | None
    rating: float | None
    channel: str | None
    created_at: str | None


@dataclass
class ReportData:
    """Everything the report shows, collected in one pass."""

    read: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    overall: GroupStats = field(default_factory=GroupStats)
    dimensions: dict[str, dict[str, GroupStats]] = field(default_factory=dict)
    topic_labels: dict[str, str] = field(default_factory=dict)
    segment_columns: list[str] = field(default_factory=list)
    verbatims: dict[tuple[CxForce, Polarity], list[Verbatim]] = field(default_factory=dict)
    drivers: dict[str, DriverAccumulator] = field(default_factory=dict)

    @property
    def analysed(self) -> int:
        return self.overall.n

    def groups(self, dimension: str) -> dict[str, GroupStats]:
        return self.dimensions.get(dimension, {})

    def timeline(self) -> tuple[Period, list[tuple[str, GroupStats]]]:
        """Days merged into periods chosen from the span, every period in the span listed."""
        days = {key: stats for key, stats in self.groups("day").items() if key != OTHER}
        if not days:
            return "month", []
        first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
        period = choose_period(first, last, sum(stats.n for stats in days.values()))
        periods: dict[str, GroupStats] = {}
        moment = first
        while moment <= last:
            periods.setdefault(_period(moment, period), GroupStats())
            moment += timedelta(days=1)
        for day, stats in days.items():
            periods[_period(date.fromisoformat(day), period)].merge(stats)
        return period, list(periods.items())


def _period(day: date, period: Period) -> str:
    return period_of(datetime(day.year, day.month, day.day), period)


def choose_period(first: date, last: date, records: int) -> Period:
    """The finest period with at most 60 periods and, on average, at least 10 records each."""
    span = (last - first).days + 1
    lengths: tuple[tuple[Period, float], ...] = (
        ("day", 1.0),
        ("week", 7.0),
        ("month", 30.44),
        ("quarter", 91.31),
    )
    for period, length in lengths:
        periods = math.ceil(span / length)
        if periods <= 60 and records / periods >= 10:
            return period
    return "year"


class _VerbatimHeap:
    """The ``size`` strongest examples seen (ties: the first one read wins)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._heap: list[tuple[float, int, Verbatim]] = []

    def wants(self, score: float, order: int) -> bool:
        return len(self._heap) < self._size or (score, -order) > self._heap[0][:2]

    def push(self, score: float, order: int, verbatim: Verbatim) -> None:
        if len(self._heap) < self._size:
            heapq.heappush(self._heap, (score, -order, verbatim))
        else:
            heapq.heapreplace(self._heap, (score, -order, verbatim))

    def best(self) -> list[Verbatim]:
        return [entry[2] for entry in sorted(self._heap, key=lambda e: (-e[0], -e[1]))]


class Collector:
    """Accumulates ``ReportData`` from chunks of records."""

    def __init__(self, segment_columns: Iterable[str] = ()) -> None:
        self.data = ReportData(segment_columns=list(segment_columns))
        self._discover_segments = not self.data.segment_columns
        self._heaps = {
            (force, polarity): _VerbatimHeap(VERBATIMS_PER_FORCE)
            for force in CxForce
            for polarity in Polarity
        }
        self.data.drivers = {target: DriverAccumulator() for target in TARGETS}

    def add_records(self, records: list[dict[str, Any] | InputError]) -> None:
        """Read one chunk of raw records (contract JSON objects or flat rows)."""
        rows = []
        for record in records:
            self.data.read += 1
            row = _row(record) if isinstance(record, dict) else None
            if row is None:
                self.data.rejected[UNREADABLE] += 1
            elif row.doc.error is not None:
                self.data.rejected[row.doc.error.code] += 1
            else:
                rows.append(row)
        self.add_rows(rows)

    def add_rows(self, rows: list[Row]) -> None:
        """Add analysed rows (without ``error``)."""
        if not rows:
            return
        first_order = self.data.read
        if self._discover_segments:
            for row in rows:
                for name in row.segments:
                    columns = self.data.segment_columns
                    if name not in columns and len(columns) < MAX_SEGMENT_COLUMNS:
                        columns.append(name)
        self.data.overall.add(rows)
        for dimension, key in self._keys():
            grouped: dict[str, list[Row]] = {}
            for row in rows:
                value = key(row)
                if value is not None:
                    grouped.setdefault(value, []).append(row)
            groups = self.data.dimensions.setdefault(dimension, {})
            for value, members in grouped.items():
                if value not in groups and len(groups) >= MAX_GROUPS and dimension != "day":
                    value = OTHER
                groups.setdefault(value, GroupStats()).add(members)
        for offset, row in enumerate(rows):
            self._add_verbatims(row, first_order + offset)
            if row.doc.topic is not None:
                self.data.topic_labels.setdefault(str(row.doc.topic.id), row.doc.topic.label)
        self._add_drivers(rows)

    def _keys(self) -> list[tuple[str, Any]]:
        keys: list[tuple[str, Any]] = [
            ("channel", _channel),
            ("language", _language),
            ("day", _day),
            ("topic", _topic),
        ]
        for name in self.data.segment_columns:
            keys.append((f"segment:{name}", _segment_key(name)))
        return keys

    def _add_verbatims(self, row: Row, order: int) -> None:
        for force, tag in row.doc.forces.items():
            heap = self._heaps[(force, tag.polarity)]
            if heap.wants(tag.score, order):
                spans = [(span.start, span.end) for span in tag.evidence]
                heap.push(tag.score, order, _verbatim(row.doc, spans, score=tag.score))

    def _add_drivers(self, rows: list[Row]) -> None:
        by_target: dict[str, list[ScoredThemes]] = {target: [] for target in TARGETS}
        for row in rows:
            mentions, references = _themes(row.doc)
            for target, value in (
                ("rating", row.doc.rating),
                ("recommend_score", row.recommend_score),
            ):
                if value is not None:
                    by_target[target].append(ScoredThemes(value, mentions, references))
        for target, scored in by_target.items():
            self.data.drivers[target].add(scored)

    def finish(self) -> ReportData:
        """The collected data, with the verbatims."""
        self.data.verbatims = {key: heap.best() for key, heap in self._heaps.items()}
        return self.data


def collect(path: Path, *, segment_columns: Iterable[str] = ()) -> ReportData:
    """Read a scored file (JSONL contract records, or the flat CSV/Parquet rows) in one pass."""
    collector = Collector(segment_columns)
    for chunk in read_chunks(path, chunk_size=CHUNK_SIZE):
        collector.add_records([record for _, record in chunk])
    return collector.finish()


# Theme keys per force, built once: _themes runs for every row with a score.
_FORCE_MENTIONS = {
    force: {polarity: ("force", force.value, polarity.value) for polarity in Polarity}
    for force in CxForce
}
_FORCE_REFERENCES = {force: tuple(_FORCE_MENTIONS[force].values()) for force in CxForce}


def _themes(doc: Doc) -> tuple[list[ThemeKey], list[ThemeKey]]:
    mentions: list[ThemeKey] = []
    references: list[ThemeKey] = []
    for force in CxForce:
        tag = doc.forces.get(force)
        if tag is not None:
            mentions.append(_FORCE_MENTIONS[force][tag.polarity])
        else:
            references.extend(_FORCE_REFERENCES[force])
    if doc.topic is not None and doc.topic.id != OUTLIER_TOPIC and doc.sentiment is not None:
        topic = str(doc.topic.id)
        if doc.sentiment.label is SentimentLabel.NEUTRAL:
            references.extend(("topic", topic, polarity) for polarity in ("negative", "positive"))
        else:
            mentions.append(("topic", topic, doc.sentiment.label.value))
    return mentions, references


def _verbatim(doc: Doc, spans: list[tuple[int, int]], *, score: float) -> Verbatim:
    text = doc.text
    start, end = 0, len(text)
    if len(text) > VERBATIM_CHARS:
        first = min((s for s, _ in spans), default=0)
        start = max(0, min(first - 80, len(text) - VERBATIM_CHARS))
        end = start + VERBATIM_CHARS
    window = tuple(
        (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
    )
    return Verbatim(
        id=doc.id,
        text=text[start:end],
        spans=window,
        score=score,
        cut_start=start > 0,
        cut_end=end < len(text),
        sentiment=doc.sentiment.label if doc.sentiment is not None else None,
        rating=doc.rating,
        channel=doc.channel.value if doc.channel is not None else None,
        created_at=doc.created_at.date().isoformat() if doc.created_at is not None else None,
    )


def _channel(row: Row) -> str | None:
    return row.doc.channel.value if row.doc.channel is not None else None


def _language(row: Row) -> str | None:
    return row.doc.language.code if row.doc.language is not None else None


def _day(row: Row) -> str | None:
    return row.doc.created_at.date().isoformat() if row.doc.created_at is not None else None


def _topic(row: Row) -> str | None:
    return str(row.doc.topic.id) if row.doc.topic is not None else None


def _segment_key(name: str) -> Any:
    def key(row: Row) -> str | None:
        value = row.segments.get(name)
        if value is None:
            value = row.doc.metadata.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return str(value).strip()

    return key


def _row(record: dict[str, Any]) -> Row | None:
    """A ``Row`` from a contract record or a flat row; None when it cannot be read."""
    if "sentiment_label" in record or "error_code" in record:
        try:
            record = _unflatten(record)
        except (TypeError, ValueError):  # a broken JSON cell or number in a flat row
            return None
    extras = {
        "recommend_score": _float(record.get("recommend_score")),
        "effort_score": _float(record.get("effort_score")),
    }
    segments = record.get("segments") or {}
    try:
        doc = Doc.model_validate({k: v for k, v in record.items() if k in _DOC_FIELDS})
    except ValidationError:
        return None
    if not isinstance(segments, dict):
        return None
    return Row(
        doc=doc,
        recommend_score=extras["recommend_score"],
        effort_score=extras["effort_score"],
        segments={str(k): str(v) for k, v in segments.items() if v not in (None, "")},
    )


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _unflatten(row: dict[str, Any]) -> dict[str, Any]:
    """The contract shape of a flat CSV/Parquet row written by ``cx-nlp score``."""

    def value(name: str) -> Any:
        item = row.get(name)
        return None if item == "" else item

    def parsed(name: str) -> Any:
        item = value(name)
        return json.loads(item) if isinstance(item, str) else item

    record: dict[str, Any] = {"id": str(value("id") or ""), "text": value("text") or ""}
    if value("language"):
        record["language"] = {
            "code": value("language"),
            "confidence": _float(value("language_confidence")) or 0.0,
        }
    if value("sentiment_label"):
        record["sentiment"] = {
            "label": value("sentiment_label"),
            "score": _float(value("sentiment_score")) or 0.0,
            "probabilities": {
                label.value: _float(value(f"sentiment_p_{label.value}")) or 0.0
                for label in SentimentLabel
            },
        }
    emotions = row.get("emotions")
    if emotions is not None and not value("error_code"):
        # "" is a text with no emotion above threshold (CSV cannot tell it from "not analysed").
        labels = [label for label in str(emotions).split(";") if label]
        record["emotions"] = {"labels": labels, "scores": {}}
    if value("topic_id") is not None:
        record["topic"] = {
            "id": int(float(value("topic_id"))),
            "label": value("topic_label") or "",
            "probability": _float(value("topic_probability")) or 0.0,
        }
    if value("error_code"):
        record["error"] = {"code": value("error_code"), "message": value("error_message") or ""}
    for name in ("forces", "metadata", "segments"):
        if value(name) is not None:
            record[name] = parsed(name)
    for name in ("channel", "created_at", "rating", "recommend_score", "effort_score"):
        if value(name) is not None:
            record[name] = value(name)
    return record
