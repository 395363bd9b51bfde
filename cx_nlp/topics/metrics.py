"""Topic quality: NPMI coherence over the corpus, topic diversity, fit/assign agreement."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cx_nlp.topics.vocab import vocabulary_views

if TYPE_CHECKING:
    from cx_nlp.topics.fit import FittedTopics


def npmi_coherence(
    topic_words: Sequence[Sequence[str]],
    documents: Sequence[str],
    *,
    languages: Sequence[str] | None = None,
) -> float:
    """Mean NPMI of word pairs within each topic, with document co-occurrence.

    Args:
        topic_words: The top words of each topic (typically 10).
        documents: The corpus as whitespace-tokenised text (the vocabulary view).
        languages: The language of each document. When given, only pairs of words whose
            dominant language (where they occur most) is the same are scored: translations
            never share a document, so a multilingual topic ("taste", "sabor", "goût")
            would otherwise score -1 for being multilingual.

    Returns:
        The mean over topics of the mean pairwise NPMI, in [-1, 1]; pairs that never
        co-occur score -1.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    vocabulary = sorted({word for words in topic_words for word in words})
    if not vocabulary or not documents:
        return 0.0
    vectorizer = CountVectorizer(vocabulary=vocabulary, binary=True, token_pattern=r"\S+")
    matrix = vectorizer.transform(documents).tocsc().astype(np.float64)
    joint = (matrix.T @ matrix).toarray() / matrix.shape[0]
    index = {word: i for i, word in enumerate(vocabulary)}
    home = _dominant_languages(matrix, languages) if languages is not None else None
    scores = []
    for words in topic_words:
        pairs = [
            _npmi(joint, index[a], index[b])
            for a, b in itertools.combinations(words, 2)
            if home is None or home[index[a]] == home[index[b]]
        ]
        if pairs:
            scores.append(sum(pairs) / len(pairs))
    return float(np.mean(scores)) if scores else 0.0


def _dominant_languages(matrix: Any, languages: Sequence[str]) -> list[str]:
    codes = sorted(set(languages))
    rows = np.array([codes.index(code) for code in languages])
    counts = np.vstack(
        [np.asarray(matrix[rows == k].sum(axis=0)).ravel() for k in range(len(codes))]
    )
    return [codes[k] for k in counts.argmax(axis=0)]


def _npmi(joint: np.ndarray, i: int, j: int) -> float:
    p_ij, p_i, p_j = joint[i, j], joint[i, i], joint[j, j]
    if p_ij <= 0.0:
        return -1.0
    if p_ij >= 1.0:
        return 1.0
    return float(math.log(p_ij / (p_i * p_j)) / -math.log(p_ij))


def topic_diversity(topic_words: Sequence[Sequence[str]]) -> float:
    """Share of unique words among all topics' top words (1.0: no word shared)."""
    words = [word for topic in topic_words for word in topic]
    return len(set(words)) / len(words) if words else 0.0


def top_words(fitted: FittedTopics, n: int) -> list[list[str]]:
    """The ``n`` best c-TF-IDF words of each non-outlier topic."""
    ids = sorted(set(fitted.topics) - {-1})
    return [[w for w, _s in fitted.model.get_topic(i)[:n] if w] for i in ids]


def topic_metrics(
    fitted: FittedTopics, texts: Sequence[str], languages: Sequence[str]
) -> dict[str, float]:
    """NPMI (top 10), diversity (top 10 of the stored words), outliers and topic count."""
    documents = vocabulary_views(texts, languages)
    return {
        "npmi_top10": round(npmi_coherence(top_words(fitted, 10), documents), 4),
        "diversity_top10": round(topic_diversity(top_words(fitted, 10)), 4),
        "outlier_share": round(fitted.outlier_share, 4),
        "n_topics": float(fitted.n_topics),
    }
