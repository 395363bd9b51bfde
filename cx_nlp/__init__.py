"""cx_nlp: customer-experience insight from free-text feedback.

Quick start::

    import cx_nlp

    pipeline = cx_nlp.load("fast")
    docs = pipeline.analyze(["Consegna puntuale, ottimo servizio!"])
"""

from cx_nlp.config import PipelineConfig, Settings, get_settings
from cx_nlp.errors import (
    AnalyzerError,
    ConfigError,
    CxNlpError,
    EmptyTextError,
    EncodingError,
    FileInputError,
    InputError,
    ModelLoadError,
    TextTypeError,
)
from cx_nlp.pipeline import Pipeline, load
from cx_nlp.schema import (
    Channel,
    CxForce,
    Doc,
    Emotion,
    Emotions,
    FeedbackIn,
    ForceTag,
    JourneyStage,
    LanguageResult,
    Polarity,
    Sentence,
    Sentiment,
    SentimentLabel,
    Topic,
)

__version__ = "0.1.0"

__all__ = [
    "AnalyzerError",
    "Channel",
    "ConfigError",
    "CxForce",
    "CxNlpError",
    "Doc",
    "Emotion",
    "Emotions",
    "EmptyTextError",
    "EncodingError",
    "FeedbackIn",
    "FileInputError",
    "ForceTag",
    "InputError",
    "JourneyStage",
    "LanguageResult",
    "ModelLoadError",
    "Pipeline",
    "PipelineConfig",
    "Polarity",
    "Sentence",
    "Sentiment",
    "SentimentLabel",
    "Settings",
    "TextTypeError",
    "Topic",
    "__version__",
    "get_settings",
    "load",
]
