"""Fit a BERTopic model on precomputed sentence-encoder vectors, every sub-model explicit.

The recipe (see docs/topics.md):

1. ``embedding_model=None``: vectors come from our encoder (``cx_nlp.encoders``).
2. Reducer: UMAP (cosine, ``random_state=seed``, single-threaded so it is reproducible)
   or PCA (``random_state=seed``), to ``n_components`` dimensions.
3. Clusterer: ``hdbscan.HDBSCAN`` (EOM selection, ``min_cluster_size=min_topic_size``).
4. Vectorizer: ``CountVectorizer`` over the vocabulary view (lowercased, lemmatised by
   lookup tables) with a vocabulary fixed from the texts: words in at least ``min_df``
   texts, minus the stop words of every language present.
5. ``ClassTfidfTransformer(reduce_frequent_words=True)``; representation: plain c-TF-IDF
   keywords (``representation_model=None``: KeyBERTInspired and MMR need a word embedder).
6. Outliers: ``reduce_outliers(strategy="embeddings")`` with a cosine threshold (the 1st
   percentile of members' similarity to their topic, lowered until at most
   ``max_outlier_share`` stay outliers), then ``update_topics``; topic vectors are then
   recomputed as the mean member vector, and assignment uses the same threshold.

With ``max_cluster_rows``, steps 2-3 run on a seeded sample (UMAP is single-threaded and
slow beyond ~20k texts); the other texts start as outliers and join topics in step 6 by the
same rule as assignment; the vocabulary comes from the sample, keyword weights from every
text.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.errors import CxNlpError
from cx_nlp.topics.artifact import OUTLIER_ID
from cx_nlp.topics.vocab import (
    TOKEN_PATTERN,
    corpus_vocabulary,
    stop_words,
    vocabulary_views,
)

if TYPE_CHECKING:
    from bertopic import BERTopic

logger = logging.getLogger(__name__)

LABEL_WORDS = 3
LABEL_SEPARATOR = " / "


class TopicFitError(CxNlpError):
    """Fitting produced no usable topics (too few texts, or no cluster structure)."""

    code = "topic_fit_failed"


class TopicFitOptions(BaseModel):
    """Every knob of the recipe; the defaults are the documented ones."""

    model_config = ConfigDict(extra="forbid")

    nr_topics: int | Literal["auto"] | None = None
    min_topic_size: int = Field(default=15, ge=2)
    seed: int = 42
    reducer: Literal["umap", "pca"] = "umap"
    n_components: int = Field(default=5, ge=2)
    n_neighbors: int = Field(default=15, ge=2)
    top_n_words: int = Field(default=10, ge=3)
    min_df: int = Field(default=3, ge=1, description="Texts a keyword must occur in.")
    max_features: int = Field(default=50_000, ge=100)
    max_outlier_share: float = Field(default=0.15, ge=0.0, le=1.0)
    member_quantile: float = Field(default=0.01, ge=0.0, le=1.0)
    temperature: float = Field(default=0.05, gt=0.0)
    representative_texts: int = Field(default=3, ge=1)
    max_cluster_rows: int | None = Field(
        default=None, ge=100, description="Reduce and cluster a seeded sample of this size."
    )


@dataclass
class FittedTopics:
    """A fitted BERTopic model and the facts assignment needs."""

    model: BERTopic
    topics: list[int]
    outlier_threshold: float
    languages: list[str]
    options: TopicFitOptions

    @property
    def outlier_share(self) -> float:
        """Share of the fitted texts left in the outlier topic."""
        return sum(t == OUTLIER_ID for t in self.topics) / max(len(self.topics), 1)

    @property
    def n_topics(self) -> int:
        """Number of topics, not counting the outliers."""
        return len(set(self.topics) - {OUTLIER_ID})


def fit_topics(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    languages: Sequence[str],
    nr_topics: int | Literal["auto"] | None = None,
    min_topic_size: int = 15,
    seed: int = 42,
    options: TopicFitOptions | None = None,
) -> FittedTopics:
    """Fit topics on ``texts`` whose encoder vectors are ``embeddings`` (one row each).

    Args:
        texts: The (prepared) texts, used for keywords and representative texts.
        embeddings: float32 ``(len(texts), dim)``, L2-normalised, from our encoder.
        languages: ISO 639-1 code of each text (stop words and lemmas follow it).
        nr_topics: None keeps HDBSCAN's clusters (the default: ``"auto"`` can collapse
            a large corpus into a handful of topics), an int merges down to that many,
            ``"auto"`` merges topics BERTopic finds similar.
        min_topic_size: Smallest cluster HDBSCAN keeps.
        seed: Seed of the reducer; the same inputs and seed give the same topics.
        options: The other knobs; its nr_topics/min_topic_size/seed are overridden.

    Returns:
        The fitted model with per-text topics and the outlier threshold.

    Raises:
        TopicFitError: Fewer texts than ``2 * min_topic_size``, or no topic found.
    """
    base = options or TopicFitOptions()
    opts = base.model_copy(
        update={"nr_topics": nr_topics, "min_topic_size": min_topic_size, "seed": seed}
    )
    _check_inputs(texts, embeddings, languages, opts)
    views = vocabulary_views(texts, languages)
    present = sorted(set(languages))
    sample = _sample_rows(len(texts), opts)
    vocabulary = corpus_vocabulary(
        views if sample is None else [views[i] for i in sample],
        stop_words(present), min_df=opts.min_df, max_features=opts.max_features,
    )  # fmt: skip
    model = build_topic_model(opts, vocabulary)
    topics = _cluster(model, views, embeddings, sample)
    if set(topics) == {OUTLIER_ID}:
        raise TopicFitError(
            f"HDBSCAN found no topic in {len(texts)} texts; lower --min-topic-size."
        )
    threshold = outlier_threshold(model, topics, embeddings, opts)
    topics = _reduce_outliers(model, views, topics, embeddings, threshold, opts, vocabulary)
    _finalise(model, topics, texts, embeddings, opts)
    return FittedTopics(model, topics, threshold, present, opts)


def _sample_rows(n: int, opts: TopicFitOptions) -> np.ndarray | None:
    """Sorted indices of the seeded clustering sample, or None to cluster every text."""
    if opts.max_cluster_rows is None or n <= opts.max_cluster_rows:
        return None
    rng = np.random.default_rng(opts.seed)
    return np.sort(rng.choice(n, size=opts.max_cluster_rows, replace=False))


def _cluster(
    model: Any, views: list[str], embeddings: np.ndarray, sample: np.ndarray | None
) -> list[int]:
    """Fit on every text, or on the sample (vocabulary from it too); others start as -1."""
    if sample is None:
        return [int(t) for t in model.fit_transform(views, embeddings=embeddings)[0]]
    fitted, _ = model.fit_transform([views[i] for i in sample], embeddings=embeddings[sample])
    topics = [OUTLIER_ID] * len(views)
    for row, topic in zip(sample.tolist(), fitted, strict=True):
        topics[row] = int(topic)
    return topics


def _check_inputs(
    texts: Sequence[str], embeddings: np.ndarray, languages: Sequence[str], opts: TopicFitOptions
) -> None:
    if len(texts) != embeddings.shape[0] or len(texts) != len(languages):
        raise ValueError("texts, embeddings and languages must have the same length")
    if len(texts) < 2 * opts.min_topic_size:
        raise TopicFitError(
            f"Cannot fit topics on {len(texts)} texts with min_topic_size "
            f"{opts.min_topic_size}; give at least {2 * opts.min_topic_size} texts."
        )


def import_topic_libraries() -> None:
    """Import BERTopic, UMAP and HDBSCAN, silencing umap's "no TensorFlow" ImportWarning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Tensorflow not installed", category=ImportWarning)
        import bertopic  # noqa: F401
        import hdbscan  # noqa: F401
        import umap  # noqa: F401


def build_topic_model(opts: TopicFitOptions, vocabulary: list[str]) -> Any:
    """A BERTopic instance with every sub-model passed explicitly."""
    import_topic_libraries()
    from bertopic import BERTopic

    return BERTopic(
        embedding_model=None,
        umap_model=_reducer(opts),
        hdbscan_model=_clusterer(opts),
        vectorizer_model=_vectorizer(vocabulary),
        ctfidf_model=_ctfidf(),
        representation_model=None,
        language="multilingual",
        top_n_words=opts.top_n_words,
        n_gram_range=(1, 1),
        min_topic_size=opts.min_topic_size,
        nr_topics=opts.nr_topics,
        calculate_probabilities=False,
        low_memory=True,
        verbose=False,
    )


def _reducer(opts: TopicFitOptions) -> Any:
    if opts.reducer == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=opts.n_components, random_state=opts.seed)
    from umap import UMAP

    return UMAP(
        n_neighbors=opts.n_neighbors,
        n_components=opts.n_components,
        min_dist=0.0,
        metric="cosine",
        random_state=opts.seed,
        n_jobs=1,
        low_memory=True,
    )


def _clusterer(opts: TopicFitOptions) -> Any:
    from hdbscan import HDBSCAN

    return HDBSCAN(
        min_cluster_size=opts.min_topic_size,
        min_samples=None,
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=False,
        core_dist_n_jobs=1,
    )


def _vectorizer(vocabulary: list[str]) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        vocabulary=vocabulary,  # fixed from the texts, see corpus_vocabulary
        token_pattern=TOKEN_PATTERN,
        lowercase=False,  # the vocabulary view is already lowercased and lemmatised
        ngram_range=(1, 1),
    )


def _ctfidf() -> Any:
    from bertopic.vectorizers import ClassTfidfTransformer

    return ClassTfidfTransformer(bm25_weighting=False, reduce_frequent_words=True)


def _similarity_to_topics(model: Any, embeddings: np.ndarray) -> np.ndarray:
    vectors = np.asarray(model.topic_embeddings_, dtype=np.float32)[model._outliers :]
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return np.asarray(embeddings @ vectors.T)


def outlier_threshold(
    model: Any, topics: list[int], embeddings: np.ndarray, opts: TopicFitOptions
) -> float:
    """The cosine an outlier needs to join its nearest topic (see the module docstring)."""
    similarity = _similarity_to_topics(model, embeddings)
    labels = np.asarray(topics)
    members = labels != OUTLIER_ID
    own = similarity[members, labels[members]]
    threshold = float(np.quantile(own, opts.member_quantile))
    best = similarity[~members].max(axis=1) if (~members).any() else np.zeros(0)
    allowed = int(opts.max_outlier_share * len(topics))
    if best.size > allowed:
        # keep at most `allowed` outliers: those least similar to every topic
        cut = float(np.sort(best)[::-1][best.size - allowed - 1])
        threshold = min(threshold, cut)
    return max(min(threshold, 1.0), -1.0)


def _reduce_outliers(
    model: Any,
    views: list[str],
    topics: list[int],
    embeddings: np.ndarray,
    threshold: float,
    opts: TopicFitOptions,
    vocabulary: list[str],
) -> list[int]:
    if OUTLIER_ID not in topics:
        return topics
    if model._outliers:
        new_topics = model.reduce_outliers(
            views, topics, strategy="embeddings", embeddings=embeddings, threshold=threshold
        )
    else:  # the sample had no outliers, so BERTopic refuses; same rule, by hand
        similarity = _similarity_to_topics(model, embeddings)
        best, score = similarity.argmax(axis=1), similarity.max(axis=1)
        new_topics = [int(b) if t == OUTLIER_ID and s >= threshold else t
                      for t, b, s in zip(topics, best, score, strict=True)]  # fmt: skip
    new_topics = [int(t) for t in new_topics]
    model.update_topics(
        views,
        topics=new_topics,
        top_n_words=opts.top_n_words,
        n_gram_range=(1, 1),
        vectorizer_model=_vectorizer(vocabulary),
        ctfidf_model=_ctfidf(),
        representation_model=None,
    )
    logger.info(
        "outliers: %d -> %d (threshold %.3f)",
        topics.count(OUTLIER_ID),
        new_topics.count(OUTLIER_ID),
        threshold,
    )
    return new_topics


def _finalise(
    model: Any,
    topics: list[int],
    texts: Sequence[str],
    embeddings: np.ndarray,
    opts: TopicFitOptions,
) -> None:
    """Topic vectors = mean member vector; representative texts; short labels."""
    labels = np.asarray(topics)
    ids = sorted(set(topics))
    vectors, examples = [], {}
    for topic_id in ids:
        rows = np.flatnonzero(labels == topic_id)
        centre = embeddings[rows].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        vectors.append(centre)
        nearest = rows[np.argsort(-(embeddings[rows] @ centre), kind="stable")]
        examples[topic_id] = list(dict.fromkeys(texts[i] for i in nearest))[
            : opts.representative_texts
        ]
    model.topic_embeddings_ = np.asarray(vectors, dtype=np.float32)
    model.representative_docs_ = examples
    model.set_topic_labels({topic_id: short_label(model, topic_id) for topic_id in ids})


def short_label(model: Any, topic_id: int) -> str:
    """The 2-3 best keywords joined with " / " ("outlier" for -1)."""
    if topic_id == OUTLIER_ID:
        return "outlier"
    words = [word for word, _score in model.get_topic(topic_id) or [] if word]
    return LABEL_SEPARATOR.join(words[:LABEL_WORDS]) or f"topic {topic_id}"


def reassign_topics(
    fitted: FittedTopics,
    topics: Sequence[int],
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    languages: Sequence[str],
) -> FittedTopics:
    """Give the fitted texts new topics; keywords, vectors, examples, labels and threshold follow.

    Ids are renumbered ``0..K-1`` in their order (``-1`` stays the outliers), and the outlier
    threshold is recomputed by the fitting rule. ``texts``, ``embeddings`` and ``languages``
    must be those the model was fitted on. Custom labels are reset to keyword labels.
    """
    model = fitted.model
    order = sorted(set(topics) - {OUTLIER_ID})
    renumber = {OUTLIER_ID: OUTLIER_ID} | {old: new for new, old in enumerate(order)}
    new_topics = [renumber[int(t)] for t in topics]
    vocabulary = [str(word) for word in model.vectorizer_model.get_feature_names_out()]
    model.update_topics(
        vocabulary_views(texts, languages),
        topics=new_topics,
        top_n_words=fitted.options.top_n_words,
        n_gram_range=(1, 1),
        vectorizer_model=_vectorizer(vocabulary),
        ctfidf_model=_ctfidf(),
        representation_model=None,
    )
    _finalise(model, new_topics, texts, embeddings, fitted.options)
    threshold = outlier_threshold(model, new_topics, embeddings, fitted.options)
    return FittedTopics(model, new_topics, threshold, fitted.languages, fitted.options)
