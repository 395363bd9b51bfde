"""Data crossing a boundary: the input item, the output record and every label set.

The enums here are the only lists of labels in the project: the API, the CLI, model
manifests and training code import them. The output record (``Doc``) is the public
output contract documented in README.md and ``docs/output.schema.json``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema


class SentimentLabel(StrEnum):
    """Three-way polarity, in head order."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Emotion(StrEnum):
    """Plutchik's eight basic emotions, in head order."""

    ANGER = "anger"
    ANTICIPATION = "anticipation"
    DISGUST = "disgust"
    FEAR = "fear"
    JOY = "joy"
    SADNESS = "sadness"
    SURPRISE = "surprise"
    TRUST = "trust"


class CxForce(StrEnum):
    """The six Ipsos forces of customer experience (see docs/forces.md)."""

    FAIRNESS = "fairness"
    CERTAINTY = "certainty"
    CONTROL = "control"
    STATUS = "status"
    BELONGING = "belonging"
    ENJOYMENT = "enjoyment"


class Polarity(StrEnum):
    """Whether a force is fulfilled (positive) or violated (negative)."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class JourneyStage(StrEnum):
    """The 5A customer journey stages."""

    AWARE = "aware"
    APPEAL = "appeal"
    ASK = "ask"
    ACT = "act"
    ADVOCATE = "advocate"


class Channel(StrEnum):
    """Where a piece of feedback came from."""

    REVIEW = "review"
    SOCIAL = "social"
    SURVEY = "survey"
    SMS = "sms"
    EMAIL = "email"
    CHAT = "chat"
    OTHER = "other"


class PiiKind(StrEnum):
    """Kinds of personal data masked by text preparation."""

    URL = "url"
    EMAIL = "email"
    PHONE = "phone"


UNDETERMINED_LANGUAGE = "und"


class _Strict(BaseModel):
    # Serialised records always carry every field, so the JSON Schema marks them required.
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


class FeedbackIn(_Strict):
    """One piece of customer feedback as it enters the engine."""

    id: str = Field(min_length=1, max_length=256, examples=["A-17"])
    text: str = Field(examples=["Consegna puntuale, ma il servizio clienti non risponde."])
    language: str | None = Field(
        default=None, description="ISO 639-1 hint; when given it wins over detection."
    )
    channel: Channel | None = None
    created_at: datetime | None = None
    rating: float | None = Field(default=None, description="Star rating or score, passed through.")
    recommend_score: float | None = Field(
        default=None, ge=0, le=10, description="0-10 likelihood to recommend (NPS), passed through."
    )
    effort_score: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="Customer effort score (CES, any scale), passed through.",
    )
    segments: dict[str, str] = Field(
        default_factory=dict, description="Segment columns (product, store, country, ...)."
    )
    metadata: dict[str, Any] = Field(default_factory=dict)


class Span(_Strict):
    """Half-open character range ``[start, end)`` into ``Doc.text``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class PiiSpan(Span):
    """A masked piece of personal data; offsets point at the placeholder in ``Doc.text``."""

    kind: PiiKind


class LanguageResult(_Strict):
    """Detected (or hinted) language with its confidence in [0, 1]."""

    code: str
    confidence: float = Field(ge=0.0, le=1.0)


class Sentiment(_Strict):
    """Polarity with class probabilities; ``score = p(positive) - p(negative)``."""

    label: SentimentLabel
    score: float = Field(ge=-1.0, le=1.0)
    probabilities: dict[SentimentLabel, float]


class Emotions(_Strict):
    """Multi-label emotions: labels above their thresholds, and every label's probability."""

    labels: list[Emotion]
    scores: dict[Emotion, float]


class ForceTag(_Strict):
    """One CX force found in a text, with the spans that show it."""

    polarity: Polarity
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[Span] = Field(default_factory=list)


class Topic(_Strict):
    """The topic a text was assigned to."""

    id: int
    label: str
    probability: float = Field(ge=0.0, le=1.0)


class Sentence(_Strict):
    """A sentence of ``Doc.text`` with its own analyses."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    sentiment: Sentiment | None = None
    forces: dict[CxForce, ForceTag] = Field(default_factory=dict)


class ErrorInfo(_Strict):
    """Why a row could not be scored."""

    code: str
    message: str


class Embeddings(BaseModel):
    """Sentence vectors computed once per doc and shared by every head (never serialised)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)

    encoder: str
    sentences: np.ndarray = Field(description="float32 array, one row per sentence")
    document: np.ndarray | None = Field(
        default=None,
        description="float32 vector pooled from the sentences' (cx_nlp.encoders.concat."
        "pool_sentences, weighted by sentence length); None without sentences.",
    )


class Doc(_Strict):
    """The record analyzers fill in and every interface returns (the output contract).

    All offsets index into ``text``: the prepared text (normalised, markup removed and,
    with ``mask_pii``, personal data replaced by placeholders such as ``[EMAIL]``).
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, json_schema_serialization_defaults_required=True
    )

    id: str
    text: str = ""
    language: LanguageResult | None = None
    sentiment: Sentiment | None = None
    emotions: Emotions | None = None
    forces: dict[CxForce, ForceTag] = Field(default_factory=dict)
    journey: list[JourneyStage] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    topic: Topic | None = None
    channel: Channel | None = None
    created_at: datetime | None = None
    rating: float | None = None
    recommend_score: float | None = Field(default=None, ge=0, le=10)
    effort_score: float | None = Field(default=None, allow_inf_nan=False)
    segments: dict[str, str] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    pii: list[PiiSpan] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error: ErrorInfo | None = None
    embeddings: SkipJsonSchema[Embeddings | None] = Field(default=None, exclude=True)
    raw_text: SkipJsonSchema[str | None] = Field(default=None, exclude=True)


OUTPUT_FIELDS: tuple[str, ...] = tuple(
    name for name, field in Doc.model_fields.items() if not field.exclude
)

# Output order of the CX-forces head: every force with each polarity ("fairness:positive", ...).
FORCE_HEAD_LABELS: tuple[str, ...] = tuple(
    f"{force.value}:{polarity.value}" for force in CxForce for polarity in Polarity
)
