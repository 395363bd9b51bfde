"""The pipeline: validates input, runs the configured analyzers over batches, keeps order."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import ValidationError

from cx_nlp.config import (
    DEFAULT_PROFILE,
    AnalyzerSpec,
    PipelineConfig,
    Settings,
    get_settings,
    load_pipeline_config,
)
from cx_nlp.errors import (
    AnalyzerError,
    ConfigError,
    CxNlpError,
    EmptyTextError,
    EncodingError,
    InputError,
    ModelLoadError,
    TextTypeError,
)
from cx_nlp.registry import Analyzer, get_registration
from cx_nlp.schema import Doc, ErrorInfo, FeedbackIn, LanguageResult

logger = logging.getLogger(__name__)

# Doc fields set from the input item before any analyzer runs.
INPUT_FIELDS: tuple[str, ...] = (
    "id", "raw_text", "channel", "created_at", "rating", "recommend_score", "effort_score",
    "segments", "metadata",
)  # fmt: skip
# Every analyzer may append to these.
SHARED_FIELDS: tuple[str, ...] = ("warnings",)

OnInvalid = Literal["raise", "record"]
ItemLike = FeedbackIn | Mapping[str, Any] | str


class Pipeline:
    """An ordered list of analyzers that turns feedback items into ``Doc`` records.

    Build it with :func:`load` (from a profile) or directly from analyzers; the
    constructor checks that every analyzer's ``requires`` is assigned earlier.
    """

    def __init__(
        self,
        analyzers: Sequence[Analyzer],
        *,
        settings: Settings | None = None,
        profile: str = "custom",
    ) -> None:
        self.analyzers: list[Analyzer] = list(analyzers)
        self.settings = settings or get_settings()
        self.profile = profile
        _check_requires(self.analyzers)
        _check_encoders(self.analyzers)

    @property
    def names(self) -> list[str]:
        """Names of the analyzers, in run order."""
        return [analyzer.name for analyzer in self.analyzers]

    def analyze(self, items: Iterable[ItemLike], *, on_invalid: OnInvalid = "raise") -> list[Doc]:
        """Analyze feedback items and return one ``Doc`` per item, in input order.

        Args:
            items: ``FeedbackIn`` objects, mappings with the same fields, or plain strings
                (their ids are the 1-based positions).
            on_invalid: ``"raise"`` raises the first ``InputError``; ``"record"`` returns
                unusable items as docs whose ``error`` is set, and scores the rest.

        Raises:
            InputError: an item is unusable and ``on_invalid`` is ``"raise"``.
            AnalyzerError: a model failed while scoring.
        """
        docs = [_to_doc(item, position, on_invalid) for position, item in enumerate(items, 1)]
        valid = [doc for doc in docs if doc.error is None]
        for analyzer in self.analyzers:
            valid = _run_analyzer(analyzer, valid)
        scored = {id(doc): doc for doc in valid}
        return [scored.get(id(doc), doc) for doc in docs]


def load(
    profile: str = DEFAULT_PROFILE,
    *,
    settings: Settings | None = None,
    extra_analyzers: Sequence[AnalyzerSpec] = (),
) -> Pipeline:
    """Build a ready pipeline from a profile (``fast``, ``basic``, ... or a TOML path).

    Args:
        profile: Profile name under the configs directory, or a path to a TOML file.
        settings: Process settings; default: ``get_settings()``.
        extra_analyzers: Analyzers appended after the profile's (e.g. ``topics``).

    Raises:
        ConfigError: the profile is missing or invalid.
        ModelLoadError: a model artifact is missing or does not match its manifest.
    """
    settings = settings or get_settings()
    config = load_pipeline_config(profile, settings)
    if extra_analyzers:
        config = config.model_copy(update={"analyzers": [*config.analyzers, *extra_analyzers]})
    return build_pipeline(config, settings)


def build_pipeline(config: PipelineConfig, settings: Settings) -> Pipeline:
    """Instantiate every analyzer of ``config`` through the registry."""
    analyzers: list[Analyzer] = []
    for spec in config.analyzers:
        registration = get_registration(spec.name)
        try:
            options = registration.config.model_validate(spec.options)
        except ValidationError as exc:
            raise ConfigError(f"Invalid options for analyzer '{spec.name}': {exc}") from exc
        started = time.perf_counter()
        analyzers.append(registration.factory(options, settings))
        logger.info("built analyzer %s in %.2fs", spec.name, time.perf_counter() - started)
    return Pipeline(analyzers, settings=settings, profile=config.profile)


def validate_item(item: ItemLike, position: int) -> FeedbackIn:
    """Turn one raw item into a checked ``FeedbackIn``; raise the precise ``InputError``."""
    if isinstance(item, str):
        item = FeedbackIn(id=str(position), text=item)
    elif not isinstance(item, FeedbackIn):
        item = _feedback_from_mapping(item, position)
    if "\ufffd" in item.text or _has_surrogates(item.text):
        raise EncodingError(
            f"Feedback item '{item.id}' contains bytes that are not valid text; "
            "re-export the file as UTF-8.",
            item_id=item.id,
        )
    if not item.text.strip():
        raise EmptyTextError(
            f"Feedback item '{item.id}' is empty after stripping whitespace; send non-empty text.",
            item_id=item.id,
        )
    return item


def error_doc(item_id: str, error: CxNlpError, *, metadata: Any = None) -> Doc:
    """The record of an item that could not be scored; its metadata is kept when usable."""
    return Doc(
        id=item_id,
        metadata=metadata if isinstance(metadata, dict) else {},
        error=ErrorInfo(code=error.code, message=error.message),
    )


def _feedback_from_mapping(item: Mapping[str, Any], position: int) -> FeedbackIn:
    item_id = str(item.get("id") or position)
    text = item.get("text")
    if not isinstance(text, str):
        raise TextTypeError(
            f"Feedback item '{item_id}' has text of type {type(text).__name__}; send a string.",
            item_id=item_id,
        )
    try:
        return FeedbackIn.model_validate({**item, "id": item_id})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise InputError(
            f"Feedback item '{item_id}' is invalid: {problems}.", item_id=item_id
        ) from exc


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _to_doc(item: ItemLike, position: int, on_invalid: OnInvalid) -> Doc:
    try:
        feedback = validate_item(item, position)
    except InputError as exc:
        if on_invalid == "raise":
            raise
        metadata = item.get("metadata") if isinstance(item, Mapping) else None
        return error_doc(exc.item_id or str(position), exc, metadata=metadata)
    doc = Doc(
        id=feedback.id,
        raw_text=feedback.text,
        channel=feedback.channel,
        created_at=feedback.created_at,
        rating=feedback.rating,
        recommend_score=feedback.recommend_score,
        effort_score=feedback.effort_score,
        segments=feedback.segments,
        metadata=feedback.metadata,
    )
    if feedback.language:
        doc.language = LanguageResult(code=feedback.language.lower(), confidence=1.0)
    return doc


def _run_analyzer(analyzer: Analyzer, docs: list[Doc]) -> list[Doc]:
    if not docs:
        return docs
    ids = [doc.id for doc in docs]
    try:
        result = analyzer(docs)
    except CxNlpError:
        raise
    except (RuntimeError, ValueError, OSError, MemoryError) as exc:
        raise AnalyzerError(f"Analyzer '{analyzer.name}' failed on a batch: {exc}") from exc
    if [doc.id for doc in result] != ids:
        raise AnalyzerError(
            f"Analyzer '{analyzer.name}' returned {len(result)} docs for {len(ids)} "
            "or changed their order; analyzers must keep length and order."
        )
    return result


def _check_requires(analyzers: Sequence[Analyzer]) -> None:
    available = set(INPUT_FIELDS) | set(SHARED_FIELDS)
    for analyzer in analyzers:
        missing = [name for name in analyzer.requires if name not in available]
        if missing:
            raise ConfigError(
                f"Analyzer '{analyzer.name}' requires {', '.join(missing)}, which no earlier "
                f"analyzer assigns; available fields: {', '.join(sorted(available))}."
            )
        available.update(analyzer.assigns)


def _check_encoders(analyzers: Sequence[Analyzer]) -> None:
    """Heads must read vectors of the encoder (name and dimension) they were trained on."""
    provided: tuple[str, int] | None = None
    for analyzer in analyzers:
        provided = getattr(analyzer, "provides_encoder", provided)
        expected = getattr(analyzer, "consumes_encoder", None)
        if expected is not None and tuple(expected) != provided:
            raise ModelLoadError(
                f"Analyzer '{analyzer.name}' has a head trained on encoder {expected}, but the "
                f"pipeline encodes with {provided}; pick the head trained for that encoder."
            )
