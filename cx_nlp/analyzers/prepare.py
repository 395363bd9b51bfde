"""Text preparation: Unicode normalisation, markup removal, whitespace, PII masking, length cap."""

from __future__ import annotations

import html
import re
import unicodedata

from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.config import Settings
from cx_nlp.errors import EmptyTextError
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import Doc, ErrorInfo, PiiKind, PiiSpan

TRUNCATED = "truncated"
MARKUP_REMOVED = "markup_removed"

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,500}>|<!--.*?-->", re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^<>]*>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")

# Order matters: e-mail before URL (an address has a dot-separated domain), URL before phone.
_PII_PATTERNS: tuple[tuple[PiiKind, re.Pattern[str]], ...] = (
    (PiiKind.EMAIL, re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    (
        PiiKind.URL,
        re.compile(
            r"\b(?:https?://|www\.)[^\s<>\"']+"
            r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|it|org|net|eu|de|fr|es|pt)/[^\s<>\"']*"
        ),
    ),
    (PiiKind.PHONE, re.compile(r"(?<![\w+])\+?\d[\d .\-/()]{7,}\d(?!\w)")),
)
_PLACEHOLDERS = {kind: f"[{kind.value.upper()}]" for kind in PiiKind}


class PrepareConfig(BaseModel):
    """Options of the ``prepare`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    mask_pii: bool = True
    max_chars: int | None = Field(
        default=None, ge=1, description="Cap on prepared text length; default: settings."
    )
    strip_markup: bool = True


class PrepareAnalyzer:
    """Cleans ``raw_text`` into ``text``; records masking in ``pii`` and changes in ``warnings``."""

    name = "prepare"
    requires: tuple[str, ...] = ("raw_text",)
    assigns: tuple[str, ...] = ("text", "pii", "error")

    def __init__(self, config: PrepareConfig, *, max_chars: int) -> None:
        self.config = config
        self.max_chars = config.max_chars or max_chars

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        for doc in docs:
            self._prepare(doc)
        return docs

    def _prepare(self, doc: Doc) -> None:
        text, warnings = clean_text(doc.raw_text or "", strip_markup=self.config.strip_markup)
        if len(text) > self.max_chars:
            text = text[: self.max_chars].rstrip()
            warnings.append(TRUNCATED)
        if not text:
            error = EmptyTextError(
                f"Feedback item '{doc.id}' has no text left after removing markup and "
                "whitespace; send non-empty text.",
                item_id=doc.id,
            )
            doc.error = ErrorInfo(code=error.code, message=error.message)
        spans: list[PiiSpan] = []
        if self.config.mask_pii:
            text, spans = mask_pii(text)
        doc.text = text
        doc.pii = spans
        doc.warnings = [*doc.warnings, *warnings]


def clean_text(text: str, *, strip_markup: bool = True) -> tuple[str, list[str]]:
    """Normalise Unicode (NFC), drop markup and control characters, tidy whitespace.

    Returns:
        The cleaned text and warning codes for any content removed.
    """
    warnings: list[str] = []
    text = unicodedata.normalize("NFC", text)
    if strip_markup and ("<" in text or "&" in text):
        without_tags = _TAG.sub(" ", _BLOCK_TAG.sub("\n", text))
        if without_tags != text:
            warnings.append(MARKUP_REMOVED)
        text = html.unescape(without_tags)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text).strip()
    return text, warnings


def mask_pii(text: str) -> tuple[str, list[PiiSpan]]:
    """Replace e-mail addresses, URLs and phone numbers with placeholders such as ``[EMAIL]``.

    Returns:
        The masked text and the placeholder spans in it.
    """
    matches: list[tuple[int, int, PiiKind]] = []
    for kind, pattern in _PII_PATTERNS:
        for match in pattern.finditer(text):
            if kind is PiiKind.PHONE and sum(char.isdigit() for char in match.group()) < 9:
                continue  # dates and order numbers have fewer digits than a phone number
            if not any(start < match.end() and match.start() < end for start, end, _ in matches):
                matches.append((match.start(), match.end(), kind))
    if not matches:
        return text, []
    pieces: list[str] = []
    spans: list[PiiSpan] = []
    cursor = 0
    length = 0
    for start, end, kind in sorted(matches):
        pieces.append(text[cursor:start])
        length += start - cursor
        placeholder = _PLACEHOLDERS[kind]
        spans.append(PiiSpan(start=length, end=length + len(placeholder), kind=kind))
        pieces.append(placeholder)
        length += len(placeholder)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), spans


@register_analyzer("prepare", config=PrepareConfig)
def make_prepare(config: PrepareConfig, settings: Settings) -> PrepareAnalyzer:
    """Build the ``prepare`` analyzer."""
    return PrepareAnalyzer(config, max_chars=settings.max_text_chars)
