"""Offline language identification with Lingua, tuned for short feedback."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import UNDETERMINED_LANGUAGE, Doc, LanguageResult

logger = logging.getLogger(__name__)

LANGUAGE_UNDETERMINED = "language_undetermined"

# The six product languages first, then the languages most often met in European
# customer feedback; texts in any other language degrade to the closest or to "und".
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "it", "en", "es", "fr", "de", "pt", "nl", "ca", "ro", "pl", "sv", "da", "nb", "fi",
    "cs", "sk", "sl", "hr", "hu", "el", "tr", "ru", "uk", "bg", "ar", "he", "hi", "zh",
    "ja", "ko", "sq", "eu", "la",
)  # fmt: skip

_PLACEHOLDER = re.compile(r"\[(?:URL|EMAIL|PHONE)\]|[@#]\w+")
_LETTER = re.compile(r"[^\W\d_]")


class LanguageConfig(BaseModel):
    """Options of the ``language`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES), min_length=2)
    min_confidence: float = Field(default=0.35, ge=0.0, le=1.0)
    max_chars: int = Field(
        default=400, ge=20, description="Only the first characters are read: enough, and fast."
    )


class LanguageAnalyzer:
    """Sets ``language`` for docs without a caller's hint; ``und`` below ``min_confidence``."""

    name = "language"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("language",)

    def __init__(self, detector: Any, config: LanguageConfig) -> None:
        self._detector = detector
        self.config = config

    @classmethod
    def load(cls, config: LanguageConfig) -> LanguageAnalyzer:
        """Build a Lingua detector restricted to ``config.languages`` with models preloaded."""
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        started = time.perf_counter()
        languages = []
        for code in config.languages:
            try:
                languages.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
            except (AttributeError, ValueError) as exc:
                raise ConfigError(f"Language '{code}' is not supported by the detector.") from exc
        detector = (
            LanguageDetectorBuilder.from_languages(*languages)
            .with_preloaded_language_models()
            .build()
        )
        logger.info(
            "loaded language detector (%d languages) in %.2fs",
            len(languages),
            time.perf_counter() - started,
        )
        return cls(detector, config)

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        pending = [doc for doc in docs if doc.language is None]
        samples = [detection_sample(doc.text, self.config.max_chars) for doc in pending]
        results = self.detect(samples)
        for doc, result in zip(pending, results, strict=True):
            doc.language = result
            if result.code == UNDETERMINED_LANGUAGE:
                doc.warnings = [*doc.warnings, LANGUAGE_UNDETERMINED]
        return docs

    def detect(self, samples: Sequence[str]) -> list[LanguageResult]:
        """Detect the language of each sample; samples without letters are ``und``."""
        results = [LanguageResult(code=UNDETERMINED_LANGUAGE, confidence=0.0) for _ in samples]
        positions = [i for i, sample in enumerate(samples) if _LETTER.search(sample)]
        if not positions:
            return results
        batch = [samples[i] for i in positions]
        for position, values in zip(
            positions,
            self._detector.compute_language_confidence_values_in_parallel(batch),
            strict=True,
        ):
            results[position] = self._decide(values)
        return results

    def _decide(self, values: Sequence[Any]) -> LanguageResult:
        best = values[0]
        confidence = round(float(best.value), 4)
        if confidence < self.config.min_confidence:
            return LanguageResult(code=UNDETERMINED_LANGUAGE, confidence=confidence)
        code = best.language.iso_code_639_1.name.lower()
        return LanguageResult(code=code, confidence=confidence)


def detection_sample(text: str, max_chars: int) -> str:
    """The part of ``text`` worth reading: no placeholders, mentions or hashtags."""
    return _PLACEHOLDER.sub(" ", text[: max_chars + 40])[:max_chars]


@register_analyzer("language", config=LanguageConfig)
def make_language(config: LanguageConfig, settings: Settings) -> LanguageAnalyzer:
    """Build the ``language`` analyzer."""
    return LanguageAnalyzer.load(config)
