"""Fitting topics on synthetic themes: recovery, determinism, outliers, labels, errors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from cx_nlp.topics.fit import LABEL_SEPARATOR, TopicFitError, TopicFitOptions, fit_topics
from tests.topics.synthetic import FAST_OPTIONS, fitted_synthetic, synthetic_corpus


def test_fit_topics_recovers_each_theme_as_one_topic() -> None:
    fitted = fitted_synthetic()
    _, _, _, themes = synthetic_corpus()
    majority = {
        theme: Counter(t for t, th in zip(fitted.topics, themes, strict=True) if th == theme)
        for theme in set(themes)
    }
    best = {theme: counts.most_common(1)[0][0] for theme, counts in majority.items()}
    assert fitted.n_topics == 4
    assert len(set(best.values())) == 4
    assert -1 not in best.values()


@pytest.mark.parametrize("seed", [1])
def test_fit_topics_is_deterministic_for_a_seed(seed: int) -> None:
    texts, vectors, languages, _ = synthetic_corpus()
    again = fit_topics(
        texts, vectors, languages=languages, nr_topics=None, min_topic_size=10, seed=seed,
        options=FAST_OPTIONS,
    )  # fmt: skip
    first = fitted_synthetic(seed)
    assert again.topics == first.topics
    assert again.model.custom_labels_ == first.model.custom_labels_
    assert np.allclose(again.model.topic_embeddings_, first.model.topic_embeddings_)


@pytest.mark.parametrize("max_share", [0.15, 0.02])
def test_fit_topics_keeps_outliers_under_the_cap(max_share: float) -> None:
    texts, vectors, languages, _ = synthetic_corpus()
    rng = np.random.default_rng(5)
    noise = rng.normal(size=(60, vectors.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    options = TopicFitOptions(reducer="pca", max_outlier_share=max_share)
    fitted = fit_topics(
        [*texts, *(f"rumore casuale {i}" for i in range(60))], np.vstack([vectors, noise]),
        languages=[*languages, *["it"] * 60], nr_topics=None, min_topic_size=10, seed=1,
        options=options,
    )  # fmt: skip
    assert fitted.outlier_share <= max_share


def test_fit_topics_labels_join_the_best_keywords() -> None:
    labels = fitted_synthetic().model.custom_labels_
    assert all(label.count(LABEL_SEPARATOR) == 2 for label in labels)
    assert any("delivery" in label or "courier" in label for label in labels)


def test_fit_topics_rejects_too_few_texts() -> None:
    texts, vectors, languages, _ = synthetic_corpus(10)
    with pytest.raises(TopicFitError, match="at least 30 texts"):
        fit_topics(texts, vectors, languages=languages, min_topic_size=15, seed=1)


def test_fit_topics_keeps_representative_texts_of_the_topic() -> None:
    fitted = fitted_synthetic()
    for topic_id, examples in fitted.model.representative_docs_.items():
        assert 1 <= len(examples) <= 3, topic_id


def test_fit_topics_on_a_sample_assigns_every_text() -> None:
    texts, vectors, languages, _ = synthetic_corpus()
    options = TopicFitOptions(reducer="pca", max_cluster_rows=150)
    fitted = fit_topics(
        texts, vectors, languages=languages, nr_topics=None, min_topic_size=10, seed=1,
        options=options,
    )  # fmt: skip
    assert len(fitted.topics) == len(texts)
    assert fitted.n_topics == 4
    assert fitted.outlier_share <= 0.15
