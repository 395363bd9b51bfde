"""Merging and relabelling fitted topics, then saving and assigning with the result."""

from __future__ import annotations

from pathlib import Path

import pytest

from cx_nlp.artifacts import EncoderInfo
from cx_nlp.topics.artifact import load_topic_model, topic_table
from cx_nlp.topics.edit import (
    merge_topics,
    most_similar_topics,
    relabel_topics,
    topic_labels_of,
)
from cx_nlp.topics.export import save_topics
from cx_nlp.topics.fit import FittedTopics, TopicFitError, fit_topics
from tests.topics.synthetic import DIM, FAST_OPTIONS, synthetic_corpus


def _fit() -> FittedTopics:
    texts, vectors, languages, _ = synthetic_corpus()
    return fit_topics(
        texts, vectors, languages=languages, nr_topics=None, min_topic_size=10, seed=1,
        options=FAST_OPTIONS,
    )  # fmt: skip


def test_merge_topics_folds_the_second_into_the_first() -> None:
    texts, vectors, languages, _ = synthetic_corpus()
    fitted = _fit()
    size = fitted.topics.count(1) + fitted.topics.count(2)
    last = fitted.topics.count(3)
    merged = merge_topics(fitted, [1, 2], texts, vectors, languages=languages)
    assert merged.n_topics == 3
    assert sorted(set(merged.topics) - {-1}) == [0, 1, 2]
    assert (merged.topics.count(1), merged.topics.count(2)) == (size, last)
    assert merged.model.topic_embeddings_.shape == (len(set(merged.topics)), DIM)


def test_merged_model_saves_and_assigns(tmp_path: Path) -> None:
    texts, vectors, languages, _ = synthetic_corpus()
    fitted = _fit()
    merged = merge_topics(
        fitted, list(most_similar_topics(fitted)), texts, vectors, languages=languages
    )
    relabel_topics(merged, {merged.topics[0]: "my label"})
    save_topics(
        merged, tmp_path / "m-v1", encoder=EncoderInfo(name="stub", version="0", dim=DIM),
        corpus="synthetic",
    )  # fmt: skip
    model = load_topic_model(tmp_path / "m-v1")
    assert len(model.ids) == 3
    assert "my label" in {row["label"] for row in topic_table(tmp_path / "m-v1")}
    assigned = [topic.id for topic in model.assign(vectors)]
    agree = sum(a == t for a, t in zip(assigned, merged.topics, strict=True))
    assert agree >= 0.95 * len(assigned)


def test_relabel_topics_keeps_other_labels() -> None:
    fitted = _fit()
    before = topic_labels_of(fitted)
    target = min(before)
    after = relabel_topics(fitted, {target: "  consegne in ritardo "})
    assert after[target] == "consegne in ritardo"
    assert {k: v for k, v in after.items() if k != target} == {
        k: v for k, v in before.items() if k != target
    }


@pytest.mark.parametrize("merge", [[0], [0, 99], [-1, 0]])
def test_merge_topics_rejects_bad_ids(merge: list[int]) -> None:
    texts, vectors, languages, _ = synthetic_corpus()
    with pytest.raises(TopicFitError, match="Cannot merge"):
        merge_topics(_fit(), merge, texts, vectors, languages=languages)
