"""Sentence segmentation with spaCy, with character offsets into ``Doc.text``."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.config import Settings
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import Doc, Sentence

logger = logging.getLogger(__name__)

SENTENCES_CAPPED = "sentences_capped"
MULTILINGUAL = "xx"


class SentencesConfig(BaseModel):
    """Options of the ``sentences`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    max_sentences: int = Field(default=200, ge=1, description="Later sentences merge into one.")
    batch_size: int = Field(default=256, ge=1)


class SentencesAnalyzer:
    """Splits each doc into sentences: line breaks first, then spaCy's rule-based sentencizer.

    Uses a blank spaCy pipeline of the doc's language (the multilingual ``xx`` one for
    languages spaCy does not know and for ``und``), so it needs no trained pipeline.
    """

    name = "sentences"
    requires: tuple[str, ...] = ("text", "language")
    assigns: tuple[str, ...] = ("sentences",)

    def __init__(self, config: SentencesConfig) -> None:
        self.config = config
        self._pipelines: dict[str, Any] = {}

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        paragraphs: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for index, doc in enumerate(docs):
            language = doc.language.code if doc.language else MULTILINGUAL
            for start, text in _paragraphs(doc.text):
                paragraphs[language].append((index, start, text))
        spans: list[list[tuple[int, int]]] = [[] for _ in docs]
        for language, rows in paragraphs.items():
            nlp = self._pipeline(language)
            texts = [text for _, _, text in rows]
            for (index, offset, _), parsed in zip(
                rows, nlp.pipe(texts, batch_size=self.config.batch_size), strict=True
            ):
                spans[index].extend(
                    (offset + sent.start_char, offset + sent.end_char) for sent in parsed.sents
                )
        for doc, doc_spans in zip(docs, spans, strict=True):
            doc.sentences = self._to_sentences(doc, doc_spans)
        return docs

    def _to_sentences(self, doc: Doc, spans: list[tuple[int, int]]) -> list[Sentence]:
        limit = self.config.max_sentences
        if len(spans) > limit:
            spans = [*spans[: limit - 1], (spans[limit - 1][0], spans[-1][1])]
            doc.warnings = [*doc.warnings, SENTENCES_CAPPED]
        return [Sentence(start=start, end=end) for start, end in spans]

    def _pipeline(self, language: str) -> Any:
        if language not in self._pipelines:
            self._pipelines[language] = _blank_pipeline(language)
        return self._pipelines[language]


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """Non-empty lines of ``text`` with their start offsets (a line break ends a sentence)."""
    result: list[tuple[int, str]] = []
    start = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            result.append((start + line.index(stripped), stripped))
        start += len(line) + 1
    return result


def _blank_pipeline(language: str) -> Any:
    import spacy

    try:
        nlp = spacy.blank(language)
    except (ImportError, ValueError):
        # Unknown code, or a language whose tokenizer needs an extra package (ja, ko, th).
        logger.debug("no blank spaCy pipeline for '%s'; using the multilingual one", language)
        nlp = spacy.blank(MULTILINGUAL)
    nlp.add_pipe("sentencizer")
    return nlp


@register_analyzer("sentences", config=SentencesConfig)
def make_sentences(config: SentencesConfig, settings: Settings) -> SentencesAnalyzer:
    """Build the ``sentences`` analyzer."""
    analyzer = SentencesAnalyzer(config)
    analyzer._pipeline(MULTILINGUAL)  # fail at start-up, not on the first batch, if spaCy is broken
    return analyzer
