"""What every head-based analyzer shares: loading its head and reading the sentence vectors."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np

from cx_nlp.artifacts import load_manifest, resolve_model_dir
from cx_nlp.errors import ConfigError
from cx_nlp.heads import Head
from cx_nlp.schema import Doc


def load_trained_head(model: str, *, task: str, models_dir: Path) -> Head:
    """Load the head named ``model`` (under ``models_dir``, or a path) for ``task``.

    The head is checked against its manifest here; that its encoder matches the pipeline's
    is checked when the pipeline is built (``consumes_encoder``).

    Raises:
        ModelLoadError: the directory, a checksum, the task or the labels do not match.
    """
    model_dir = resolve_model_dir(model, models_dir)
    manifest = load_manifest(model_dir)
    return Head.load(model_dir, encoder=(manifest.encoder.name, manifest.encoder.dim), task=task)


def head_encoder(head: Head) -> tuple[str, int]:
    """Name and dimension of the encoder ``head`` was trained on."""
    return head.manifest.encoder.name, head.manifest.encoder.dim


def split_rows(rows: np.ndarray, counts: list[int]) -> list[np.ndarray]:
    """Split rows stacked over documents back into one block per document (``counts`` rows each)."""
    bounds = np.cumsum([0, *counts])
    return [rows[start:end] for start, end in pairwise(bounds)]


def stacked_sentence_vectors(docs: list[Doc], expected: tuple[str, int]) -> np.ndarray:
    """All sentence vectors of ``docs`` stacked, after checking they come from ``expected``.

    Raises:
        ConfigError: a doc has no vectors, or vectors of another encoder.
    """
    blocks = []
    for doc in docs:
        if doc.embeddings is None:
            raise ConfigError(f"Doc '{doc.id}' has no embeddings; run the encoder analyzer first.")
        if doc.embeddings.encoder != expected[0]:
            raise ConfigError(
                f"Doc '{doc.id}' was encoded with '{doc.embeddings.encoder}', but the head "
                f"expects '{expected[0]}'; use a profile whose encoder matches its heads."
            )
        blocks.append(doc.embeddings.sentences)
    if not blocks:
        return np.zeros((0, expected[1]), dtype=np.float32)
    return np.concatenate(blocks, axis=0)
