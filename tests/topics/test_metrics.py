"""Topic quality measures: NPMI coherence and topic diversity."""

from __future__ import annotations

import pytest

from cx_nlp.topics.metrics import npmi_coherence, topic_diversity

DOCS = ["taste good sushi", "sushi taste", "sabor sushi bueno", "sabor bueno", "bill charge"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [([["bill", "charge"]], 1.0), ([["bill", "taste"]], -1.0)],
)
def test_npmi_coherence_scores_always_and_never_together(
    words: list[list[str]], expected: float
) -> None:
    assert npmi_coherence(words, DOCS) == pytest.approx(expected)


def test_npmi_coherence_same_language_skips_cross_language_pairs() -> None:
    languages = ["en", "en", "es", "es", "en"]
    words = [["taste", "sushi", "sabor"]]
    assert npmi_coherence(words, DOCS, languages=languages) > npmi_coherence(words, DOCS)


@pytest.mark.parametrize(
    ("words", "expected"),
    [([["a", "b"], ["c", "d"]], 1.0), ([["a", "b"], ["a", "b"]], 0.5), ([], 0.0)],
)
def test_topic_diversity_is_the_unique_share(words: list[list[str]], expected: float) -> None:
    assert topic_diversity(words) == expected
