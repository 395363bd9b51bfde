"""Saving and loading topic model folders, and assigning topics without refitting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cx_nlp.errors import ModelLoadError
from cx_nlp.topics.artifact import OUTLIER_ID, load_topic_model, topic_table
from tests.topics.synthetic import fitted_synthetic, saved_synthetic, synthetic_corpus


@pytest.mark.parametrize(
    "filename",
    ["manifest.json", "MODEL_CARD.md", "topic_embeddings.safetensors", "ctfidf.safetensors"],
)
def test_save_topics_writes_file(tmp_path: Path, filename: str) -> None:
    assert (saved_synthetic(tmp_path) / filename).is_file()


def test_save_topics_writes_no_pickle(tmp_path: Path) -> None:
    model_dir = saved_synthetic(tmp_path)
    assert not [p for p in model_dir.iterdir() if p.suffix in {".pkl", ".pickle", ".bin"}]


def test_load_topic_model_assigns_the_fitted_topics(tmp_path: Path) -> None:
    model = load_topic_model(saved_synthetic(tmp_path))
    _, vectors, _, _ = synthetic_corpus()
    assigned = [topic.id for topic in model.assign(vectors)]
    fitted = fitted_synthetic().topics
    agreement = np.mean([a == f for a, f in zip(assigned, fitted, strict=True)])
    assert agreement >= 0.95


def test_assign_gives_probabilities_in_unit_interval(tmp_path: Path) -> None:
    model = load_topic_model(saved_synthetic(tmp_path))
    _, vectors, _, _ = synthetic_corpus(40, seed=3)
    assert all(0.0 <= topic.probability <= 1.0 for topic in model.assign(vectors))


def test_assign_marks_vectors_far_from_every_topic_as_outliers(tmp_path: Path) -> None:
    model = load_topic_model(saved_synthetic(tmp_path))
    far = -model.vectors.mean(axis=0, keepdims=True)
    far /= np.linalg.norm(far)
    (topic,) = model.assign(far.astype(np.float32))
    assert (topic.id, topic.label) == (OUTLIER_ID, "outlier")


def test_load_topic_model_rejects_a_modified_file(tmp_path: Path) -> None:
    model_dir = saved_synthetic(tmp_path)
    (model_dir / "topics.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="differs from its manifest"):
        load_topic_model(model_dir)


def test_load_topic_model_rejects_a_head_manifest(tmp_path: Path) -> None:
    model_dir = saved_synthetic(tmp_path)
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["task"] = "sentiment"
    (model_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="invalid"):
        load_topic_model(model_dir)


def test_topic_table_lists_every_topic_with_keywords(tmp_path: Path) -> None:
    rows = topic_table(saved_synthetic(tmp_path))
    assert [row["id"] for row in rows] == [0, 1, 2, 3]
    assert all(row["keywords"] and row["examples"] for row in rows)
    assert sum(row["size"] for row in rows) == 300
