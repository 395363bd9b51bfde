"""Dataset loaders return the schema's label sets, the expected splits and languages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from cx_nlp.errors import FileInputError
from cx_nlp.schema import Emotion, SentimentLabel
from cx_nlp.training import emotion_data, sentiment_data
from cx_nlp.training.data import DEFAULT_DATA_DIR, LabelledText, read_labelled_file, seeded_split

needs_data = pytest.mark.skipif(not DEFAULT_DATA_DIR.is_dir(), reason="shared/data not present")
SENTIMENT = {s.value for s in SentimentLabel}
EMOTIONS = {e.value for e in Emotion}


@needs_data
@pytest.mark.parametrize(
    ("loader", "languages", "labels"),
    [
        (sentiment_data.load_umsab, {"ar", "de", "en", "es", "fr", "hi", "it", "pt"}, SENTIMENT),
        (sentiment_data.load_amazon_it, {"it"}, SENTIMENT),
        (sentiment_data.load_ate_absita, {"it"}, SENTIMENT),
        (sentiment_data.load_sentipolc, {"it"}, SENTIMENT),
        (sentiment_data.load_m_absa, {"de", "en", "es", "fr", "pt"}, SENTIMENT),
        (sentiment_data.load_absita2018, {"it"}, {"negative", "positive"}),
        (sentiment_data.load_goemotions_sentiment, {"en"}, SENTIMENT),
        (emotion_data.load_xed, {"de", "en", "es", "fr", "it", "pt"}, EMOTIONS),
        (emotion_data.load_goemotions, {"en"}, EMOTIONS),
        (emotion_data.load_emoevent, {"en", "es"}, EMOTIONS - {"anticipation", "trust"}),
    ],
)
def test_loader_label_sets(
    loader: Callable[[Path], list[LabelledText]], languages: set[str], labels: set[str]
) -> None:
    rows = loader(DEFAULT_DATA_DIR)
    assert {r.language for r in rows} == languages
    assert {label for r in rows for label in r.labels} == labels
    assert {r.split for r in rows} <= {"train", "val"}
    assert all(r.text for r in rows)


@needs_data
def test_umsab_val_is_balanced_per_language() -> None:
    rows = [r for r in sentiment_data.load_umsab(DEFAULT_DATA_DIR) if r.split == "val"]
    assert len(rows) == 8 * 324
    assert sum(r.labels == ("neutral",) for r in rows) == 8 * 108


@needs_data
def test_sentipolc_excludes_umsab_val_tweets() -> None:
    val = {
        r.text
        for r in sentiment_data.load_umsab(DEFAULT_DATA_DIR, languages=("it",))
        if r.split == "val"
    }
    assert not val & {r.text for r in sentiment_data.load_sentipolc(DEFAULT_DATA_DIR)}


@needs_data
def test_goemotions_mapping_covers_every_label() -> None:
    names = (DEFAULT_DATA_DIR / "goemotions" / "emotions.txt").read_text().split()
    assert set(names) == set(emotion_data.GOEMOTIONS_TO_PLUTCHIK)


def test_xed_ids_are_the_schema_emotions_in_order() -> None:
    assert list(emotion_data.XED_IDS.values()) == [e.value for e in Emotion]


@pytest.mark.parametrize("text", ["Ottimo prodotto", "  Ottimo   prodotto "])
def test_seeded_split_ignores_whitespace_and_is_stable(text: str) -> None:
    assert seeded_split(text, seed=3) == seeded_split("Ottimo prodotto", seed=3)


def test_read_labelled_file_reads_csv_and_jsonl(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text('text,label,language\nBello,positive,it\nOk,"joy|trust",en\n')
    jsonl = tmp_path / "b.jsonl"
    jsonl.write_text(json.dumps({"text": "Nul", "label": "negative"}) + "\n")
    rows = read_labelled_file(csv_path) + read_labelled_file(jsonl)
    assert [r.labels for r in rows] == [("positive",), ("joy", "trust"), ("negative",)]
    assert [r.language for r in rows] == ["it", "en", "und"]


def test_read_labelled_file_requires_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("comment,stars\nx,5\n")
    with pytest.raises(FileInputError, match="text,label"):
        read_labelled_file(path)
