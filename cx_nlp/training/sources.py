"""The training sources each task can use, with their licences, and the standard mixes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cx_nlp.training import emotion_data, sentiment_data
from cx_nlp.training.data import LabelledText


@dataclass(frozen=True)
class DataSource:
    """A loader plus what the model card must say about the data."""

    name: str
    path: str  # folder under the data directory
    license: str
    commercial_use: bool
    load: Callable[[Path], list[LabelledText]]


SENTIMENT_SOURCES: dict[str, DataSource] = {
    s.name: s
    for s in (
        DataSource(
            "umsab",
            "umsab_xlmt_sentiment",
            "research only (per-language source licences; "
            "it CC BY-NC-SA 3.0, es TASS research-only)",
            False,
            sentiment_data.load_umsab,
        ),
        DataSource(
            "sentipolc",
            "sentipolc2016_it",
            "CC BY-NC-SA 3.0 IT",
            False,
            sentiment_data.load_sentipolc,
        ),
        DataSource(
            "amazon_it",
            "amazon_it_reviews_stars",
            "unclear, CC BY-NC-ND 4.0 at best",
            False,
            sentiment_data.load_amazon_it,
        ),
        DataSource(
            "ate_absita",
            "ate_absita2020_it",
            "CC BY-NC-ND 4.0",
            False,
            sentiment_data.load_ate_absita,
        ),
        DataSource(
            "m_absa",
            "m_absa_multilingual",
            "unclear (no licence upstream)",
            False,
            sentiment_data.load_m_absa,
        ),
        DataSource(
            "absita2018",
            "absita2018_it",
            "CC BY-NC-SA 3.0 IT",
            False,
            sentiment_data.load_absita2018,
        ),
        DataSource(
            "goemotions_sentiment",
            "goemotions",
            "Apache-2.0",
            True,
            sentiment_data.load_goemotions_sentiment,
        ),
    )
}
EMOTION_SOURCES: dict[str, DataSource] = {
    s.name: s
    for s in (
        DataSource("xed", "xed_emotion", "CC BY 4.0", True, emotion_data.load_xed),
        DataSource("goemotions", "goemotions", "Apache-2.0", True, emotion_data.load_goemotions),
        DataSource(
            "emoevent",
            "emoevent_es_en",
            "unclear (no licence upstream)",
            False,
            emotion_data.load_emoevent,
        ),
    )
}
TASK_SOURCES: dict[str, dict[str, DataSource]] = {
    "sentiment": SENTIMENT_SOURCES,
    "emotion": EMOTION_SOURCES,
}
# The standard mixes (measured choices; see the model cards).
STANDARD_MIX: dict[str, tuple[str, ...]] = {
    "sentiment": ("umsab", "sentipolc", "amazon_it", "ate_absita"),
    "emotion": ("xed",),
}
# Validation sets whose mean macro-F1 (over their languages) selects the epoch.
SELECT_ON: dict[str, tuple[str, ...]] = {
    "sentiment": ("umsab", "amazon_it"),
    "emotion": ("xed",),
}
