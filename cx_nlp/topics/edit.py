"""Edit a fitted topic model before saving it: merge topics, relabel them.

Both work on :class:`~cx_nlp.topics.fit.FittedTopics` (the result of ``fit_topics``), so
the saved folder (``save_topics``) and assignment stay consistent: a merge recomputes the
keywords, topic vectors, representative texts and outlier threshold; a relabel changes
only the short labels that records carry (``topic.label``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from cx_nlp.topics.artifact import OUTLIER_ID
from cx_nlp.topics.fit import FittedTopics, TopicFitError, reassign_topics


def topic_labels_of(fitted: FittedTopics) -> dict[int, str]:
    """The current short label of every topic id (custom labels when set)."""
    ids = sorted(set(fitted.topics))
    custom = fitted.model.custom_labels_
    if custom:
        return {topic_id: str(label) for topic_id, label in zip(ids, custom, strict=True)}
    return {topic_id: str(fitted.model.topic_labels_[topic_id]) for topic_id in ids}


def merge_topics(
    fitted: FittedTopics,
    merge: Sequence[int],
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    languages: Sequence[str],
) -> FittedTopics:
    """Merge the topics ``merge`` into one; ids are then renumbered ``0..K-1`` in order.

    The merged topic takes the place of the first id of ``merge``; the outlier threshold is
    recomputed (a merged topic is wider, so its members are less similar to its vector).

    Args:
        fitted: The fitted model (changed in place and returned).
        merge: Two or more existing topic ids, not the outlier id.
        texts, embeddings, languages: What the model was fitted on.

    Raises:
        TopicFitError: Fewer than two ids, an unknown id, or the outlier id.
    """
    known = set(fitted.topics) - {OUTLIER_ID}
    wanted = list(dict.fromkeys(int(topic_id) for topic_id in merge))
    if len(wanted) < 2 or not set(wanted) <= known:
        raise TopicFitError(
            f"Cannot merge topics {list(merge)}: give two or more of the topic ids "
            f"{sorted(known)} (the outlier id {OUTLIER_ID} cannot be merged)."
        )
    target, others = wanted[0], set(wanted[1:])
    topics = [target if topic in others else topic for topic in fitted.topics]
    return reassign_topics(fitted, topics, texts, embeddings, languages=languages)


def relabel_topics(fitted: FittedTopics, labels: Mapping[int, str]) -> dict[int, str]:
    """Set the short labels of some topics (e.g. ``{3: "delivery delays"}``); keep the rest.

    Returns:
        Every topic's label after the change.

    Raises:
        TopicFitError: An unknown topic id or an empty label.
    """
    current = topic_labels_of(fitted)
    unknown = sorted(set(labels) - set(current))
    if unknown or any(not label.strip() for label in labels.values()):
        raise TopicFitError(
            f"Cannot relabel topics {dict(labels)}: ids must be among {sorted(current)} and "
            "labels non-empty."
        )
    updated = {**current, **{int(k): v.strip() for k, v in labels.items()}}
    fitted.model.set_topic_labels(updated)
    return updated


def most_similar_topics(fitted: FittedTopics) -> tuple[int, int]:
    """The two distinct topics (outliers aside) whose topic vectors are most cosine-similar."""
    ids = sorted(set(fitted.topics))
    vectors = np.asarray(fitted.model.topic_embeddings_, dtype=np.float32)
    keep = [row for row, topic_id in enumerate(ids) if topic_id != OUTLIER_ID]
    if len(keep) < 2:
        raise TopicFitError("The model has fewer than two topics; nothing to merge.")
    similarity = vectors[keep] @ vectors[keep].T
    np.fill_diagonal(similarity, -np.inf)
    first, second = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
    return ids[keep[int(first)]], ids[keep[int(second)]]
