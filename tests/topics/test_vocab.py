"""The topic vocabulary: stop words per language and lookup lemmatisation."""

from __future__ import annotations

import pytest

from cx_nlp.topics.vocab import corpus_vocabulary, stop_words, vocabulary_view


@pytest.mark.parametrize(
    ("language", "word"), [("en", "the"), ("it", "della"), ("de", "und"), ("fr", "les")]
)
def test_stop_words_cover_each_language(language: str, word: str) -> None:
    assert word in stop_words([language])


def test_stop_words_of_unknown_language_are_empty() -> None:
    assert stop_words(["und"]) == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [("The deliveries were LATE!", "en", "the delivery be late"),
     ("Die Lieferungen kamen", "de", "der lieferungen kommen"),
     ("Le consegne 49 €", "it", "le consegne")],
)  # fmt: skip
def test_vocabulary_view_lowercases_lemmatises_and_drops_numbers(
    text: str, language: str, expected: str
) -> None:
    assert vocabulary_view(text, language) == expected


def test_corpus_vocabulary_drops_rare_and_stop_words() -> None:
    views = ["pacco ritardo"] * 30 + ["pacco unico"] + ["il pacco"] * 3
    assert corpus_vocabulary(views, ["il"], min_df=3, max_features=100) == ["pacco", "ritardo"]
