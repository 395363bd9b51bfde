"""Shared fixtures: settings pointing at a temporary configs dir, fake and real pipelines."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import cx_nlp
from cx_nlp.config import PROJECT_ROOT, Settings
from cx_nlp.pipeline import Pipeline
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
