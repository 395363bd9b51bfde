"""Request and response models of the HTTP API.

The limits (items per request, characters per text) and the loadable profiles are
deployment settings, so the request models are built per app by :func:`build_schemas`:
pydantic enforces them, and the OpenAPI document shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from cx_nlp.aggregate import ForceIndex
from cx_nlp.config import Settings
from cx_nlp.errors import EmptyTextError
from cx_nlp.schema import Channel, Doc, Emotion, FeedbackIn, SentimentLabel

ITEM_EXAMPLE: dict[str, Any] = {
    "id": "A-17",
    "text": "Consegna puntuale, ma il servizio clienti non risponde.",
    "language": "it",
    "channel": "review",
}
# Column names of a job's JSONL input; metadata keys must not shadow them.
RESERVED_KEYS = frozenset({"id", "text", "language", "channel", "created_at", "rating"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemIn(FeedbackIn):
    """One feedback item of a request: a ``FeedbackIn`` with the API's limits."""

    text: str = Field(min_length=1, examples=[ITEM_EXAMPLE["text"]])
    language: str | None = Field(
        default=None, min_length=2, max_length=16, description="ISO 639-1 hint.", examples=["it"]
    )
    channel: Channel | None = None
    created_at: datetime | None = None
    rating: float | None = Field(default=None, allow_inf_nan=False)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _text_not_blank(self) -> ItemIn:
        if not self.text.strip():
            raise PydanticCustomError(
                EmptyTextError.code,
                "Feedback item '{item_id}' is empty after stripping whitespace; "
                "send non-empty text.",
                {"item_id": self.id},
            )
        shadowed = RESERVED_KEYS & set(self.metadata)
        if shadowed:
            raise PydanticCustomError(
                "invalid_input",
                "Feedback item '{item_id}' has metadata keys that shadow item fields: {keys}.",
                {"item_id": self.id, "keys": ", ".join(sorted(shadowed))},
            )
        return self


class Options(_Strict):
    """How to analyze the items."""

    profile: str | None = Field(default=None, description="A loaded profile; default: the first.")
    include_sentences: bool = Field(default=False, description="Return per-sentence analyses.")


class AnalyzeRequest(_Strict):
    """Items to analyze now, in one call."""

    items: list[ItemIn] = Field(min_length=1)
    options: Options = Field(default_factory=Options)

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"items": [dict(ITEM_EXAMPLE)]}]}
    )


class JobRequest(AnalyzeRequest):
    """Items to score asynchronously; the job's result is a file of records."""


class AnalyzeResponse(_Strict):
    """One output record per item, in request order (the output contract)."""

    profile: str
    records: list[Doc]


class SentimentShare(_Strict):
    """How many scored items carry a sentiment label, and their share."""

    count: int = Field(ge=0)
    share: float = Field(ge=0.0, le=1.0)


class AggregateResponse(_Strict):
    """Corpus-level summary of the items."""

    profile: str
    items: int = Field(ge=0)
    scored: int = Field(ge=0)
    rejected: int = Field(ge=0)
    languages: dict[str, int]
    sentiment: dict[SentimentLabel, SentimentShare] | None
    mean_sentiment_score: float | None
    emotions: dict[Emotion, float] | None = Field(description="Share of items with each emotion.")
    forces_index: dict[str, ForceIndex] | None = Field(
        description="Per CX force: 100 x (share positive - share negative) with the counts; "
        "null when the profile has no forces analyzer."
    )
    topics: list[dict[str, Any]] | None = Field(description="Not available yet: always null.")


class JobState(StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobStatus(_Strict):
    """A job's state and counts."""

    id: str
    state: JobState
    profile: str
    total: int | None = Field(description="Rows in the input, once known.")
    read: int = Field(ge=0)
    scored: int = Field(ge=0)
    rejected: int = Field(ge=0)
    progress: float | None = Field(ge=0.0, le=1.0)
    attempts: int = Field(ge=0)
    error: str | None
    created_at: datetime
    updated_at: datetime


class LoadedModelInfo(_Strict):
    """A trained model a loaded profile runs (from its manifest)."""

    analyzer: str
    name: str
    task: str
    version: int | None
    encoder: str
    metrics: dict[str, float] = Field(description="Headline validation figures.")


class ModelInfo(_Strict):
    """A loaded profile and what it runs."""

    profile: str
    analyzers: list[str]
    default: bool
    models: list[LoadedModelInfo] = Field(default_factory=list)


class ModelsResponse(_Strict):
    """Loaded profiles and the model cards found under the models directory."""

    profiles: list[ModelInfo]
    model_cards: list[dict[str, Any]]


class ReloadResponse(_Strict):
    """The profiles now served, after a reload."""

    profiles: list[ModelInfo]
    seconds: float


class Health(_Strict):
    """Liveness or readiness."""

    status: Literal["ok", "ready", "not_ready"]


@dataclass(frozen=True)
class ApiSchemas:
    """The request models of one app, with the deployment's limits built in."""

    analyze: type[AnalyzeRequest]
    job: type[JobRequest]


def build_schemas(settings: Settings, profiles: list[str]) -> ApiSchemas:
    """Request models whose limits come from ``settings`` and profiles from ``profiles``."""
    text: Any = (str, Field(min_length=1, max_length=settings.api_max_text_chars))
    item: Any = create_model("ItemIn", __base__=ItemIn, text=text)
    profile: Any = (
        Literal[tuple(profiles)] | None,
        Field(default=None, description=f"One of {', '.join(profiles)}; default: the first."),
    )
    options: Any = create_model("Options", __base__=Options, profile=profile)
    items: Any = (list[item], Field(min_length=1, max_length=settings.api_max_items))
    job_items: Any = (list[item], Field(min_length=1))
    option_field: Any = (options, Field(default_factory=options))
    return ApiSchemas(
        analyze=create_model(
            "AnalyzeRequest", __base__=AnalyzeRequest, items=items, options=option_field
        ),
        job=create_model("JobRequest", __base__=JobRequest, items=job_items, options=option_field),
    )
