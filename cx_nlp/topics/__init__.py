"""Corpus-level topics: fit BERTopic on the shared embeddings, save, load and assign.

Importing this package imports neither BERTopic, UMAP nor HDBSCAN; they load when a fit
runs. Scoring (``cx_nlp.analyzers.topics``) never imports them.
"""

from cx_nlp.topics.artifact import TopicModel, TopicsManifest, load_topic_model, topic_table
from cx_nlp.topics.edit import merge_topics, relabel_topics
from cx_nlp.topics.fit import FittedTopics, TopicFitOptions, fit_topics

__all__ = [
    "FittedTopics",
    "TopicFitOptions",
    "TopicModel",
    "TopicsManifest",
    "fit_topics",
    "load_topic_model",
    "merge_topics",
    "relabel_topics",
    "topic_table",
]
