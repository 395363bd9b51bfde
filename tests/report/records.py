"""Crafted scored records (the output contract of ``cx-nlp score``) for report tests."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cx_nlp.schema import Emotion, SentimentLabel


def scored_record(
    record_id: str,
    text: str = "Testo di prova.",
    *,
    sentiment: str | None = "neutral",
    emotions: Iterable[str] = (),
    forces: Mapping[str, tuple[str, list[tuple[int, int]]]] | None = None,
    topic: tuple[int, str] | None = None,
    channel: str | None = "review",
    created_at: str | None = "2025-03-01T10:00:00",
    rating: float | None = None,
    recommend_score: float | None = None,
    effort_score: float | None = None,
    segments: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """One contract record; ``forces`` maps force -> (polarity, evidence spans)."""
    score = {"negative": -0.8, "neutral": 0.0, "positive": 0.8}
    labels = list(emotions)
    return {
        "id": record_id,
        "text": text,
        "language": {"code": "it", "confidence": 1.0},
        "sentiment": None
        if sentiment is None or error
        else {
            "label": sentiment,
            "score": score[sentiment],
            "probabilities": {label.value: 1 / 3 for label in SentimentLabel},
        },
        "emotions": None
        if error
        else {"labels": labels, "scores": {e.value: float(e.value in labels) for e in Emotion}},
        "forces": {
            force: {
                "polarity": polarity,
                "score": 0.9,
                "evidence": [{"start": s, "end": e} for s, e in spans],
            }
            for force, (polarity, spans) in (forces or {}).items()
        },
        "journey": [],
        "sentences": [],
        "topic": {"id": topic[0], "label": topic[1], "probability": 0.9} if topic else None,
        "channel": channel,
        "created_at": created_at,
        "rating": rating,
        "recommend_score": recommend_score,
        "effort_score": effort_score,
        "segments": dict(segments or {}),
        "metadata": dict(metadata or {}),
        "pii": [],
        "warnings": [],
        "error": {"code": error, "message": "rejected"} if error else None,
    }


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> Path:
    """Write ``records`` one JSON object per line."""
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
