"""Exceptions raised by cx_nlp.

Every error carries a stable ``code`` that the API and the CLI expose::

    CxNlpError                       code
    ├── InputError                   invalid_input     a feedback item is unusable
    │   ├── EmptyTextError           empty_text        empty or whitespace-only text
    │   ├── TextTypeError            invalid_text_type text is not a string
    │   ├── EncodingError            invalid_encoding  bytes that are not valid text
    │   └── FileInputError           invalid_file      missing/unreadable file or column
    ├── ConfigError                  config_error      unknown analyzer, bad option, unmet requires
    ├── ModelLoadError               model_load_error  artifact missing, checksum or labels differ
    └── AnalyzerError                analyzer_error    a model failed while scoring a batch
"""

from __future__ import annotations


class CxNlpError(Exception):
    """Base class of every error cx_nlp raises on purpose."""

    code = "cx_nlp_error"

    def __init__(self, message: str, *, item_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.item_id = item_id


class InputError(CxNlpError):
    """A feedback item or input file is unusable."""

    code = "invalid_input"


class EmptyTextError(InputError):
    """The text is empty or whitespace only."""

    code = "empty_text"


class TextTypeError(InputError):
    """The text field is missing or not a string."""

    code = "invalid_text_type"


class EncodingError(InputError):
    """The text holds bytes that do not decode as text."""

    code = "invalid_encoding"


class FileInputError(InputError):
    """An input file or one of its columns cannot be used."""

    code = "invalid_file"


class ConfigError(CxNlpError):
    """The pipeline configuration or settings are invalid."""

    code = "config_error"


class ModelLoadError(CxNlpError):
    """A model artifact is missing or does not match its manifest."""

    code = "model_load_error"


class AnalyzerError(CxNlpError):
    """A model failed while scoring a batch."""

    code = "analyzer_error"
