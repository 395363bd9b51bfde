"""Shared fixtures: settings pointing at a temporary configs dir, fake and real pipelines."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import cx_nlp
from cx_nlp.artifacts import Manifest
from cx_nlp.config import PROJECT_ROOT, Settings
from cx_nlp.heads import Head
from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import Doc, Embeddings, Sentence
from tests import fakes  # noqa: F401  (registers the fake analyzers)

SAMPLES_DIR = PROJECT_ROOT / "data_samples"

FAKE_PROFILE = """
description = "Real preparation and sentences, fake language and sentiment."
[[analyzers]]
name = "prepare"
[[analyzers]]
name = "fake_language"
[[analyzers]]
name = "sentences"
[[analyzers]]
name = "fake_sentiment"
"""


@pytest.fixture
def test_settings(tmp_path: Path) -> Settings:
    """Settings whose configs dir holds the ``fake`` profile next to the real ones."""
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "fake.toml").write_text(FAKE_PROFILE, encoding="utf-8")
    for profile in (PROJECT_ROOT / "configs").glob("*.toml"):
        (configs / profile.name).write_text(profile.read_text(encoding="utf-8"), encoding="utf-8")
    return Settings(configs_dir=configs, max_text_chars=2000)


@pytest.fixture
def fake_pipeline(test_settings: Settings) -> Pipeline:
    """A pipeline with no model weights."""
    return cx_nlp.load("fake", settings=test_settings)


@pytest.fixture(scope="session")
def basic_pipeline() -> Pipeline:
    """The real ``basic`` profile (preparation, Lingua language detection, spaCy sentences)."""
    return cx_nlp.load("basic")


@pytest.fixture
def samples_csv() -> Path:
    """The sample feedback shipped in data_samples/."""
    return SAMPLES_DIR / "feedback.csv"


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write ``rows`` as a UTF-8 CSV with a header."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def make_head(task: str, labels: list[str], *, dim: int = 4, encoder: str = "stub") -> Head:
    """A small random head with a complete manifest (thresholds 0.5), for analyzer tests."""
    rng = np.random.default_rng(0)
    manifest = Manifest(
        name=f"{task}-{encoder}-v1", version=1, task=task, labels=labels,
        activation="softmax" if task == "sentiment" else "sigmoid",
        thresholds=dict.fromkeys(labels, 0.5),
        encoder={"name": encoder, "version": "0", "dim": dim},
        architecture={"type": "linear"}, languages=["it"], training_data=[],
        commercial_use=True, source_commit="test", created=date(2026, 1, 1), files={},
    )  # fmt: skip
    layers = [(rng.normal(size=(dim, len(labels))).astype(np.float32),
               np.zeros(len(labels), dtype=np.float32))]  # fmt: skip
    return Head(manifest, layers)


def encoded_docs(texts: list[list[str]], *, dim: int = 4, encoder: str = "stub") -> list[Doc]:
    """Docs whose sentences are the given strings, with unit vectors from a fixed seed."""
    rng = np.random.default_rng(1)
    docs = []
    for i, sentences in enumerate(texts):
        text = " ".join(sentences)
        spans, cursor = [], 0
        for sentence in sentences:
            spans.append(Sentence(start=cursor, end=cursor + len(sentence)))
            cursor += len(sentence) + 1
        vectors = rng.normal(size=(len(sentences), dim)).astype(np.float32)
        docs.append(
            Doc(
                id=str(i),
                text=text,
                sentences=spans,
                embeddings=Embeddings(encoder=encoder, sentences=vectors),
            )
        )
    return docs
