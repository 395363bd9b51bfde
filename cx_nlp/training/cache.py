"""On-disk cache of text embeddings, so experiments do not re-encode the same texts.

Files live at ``.cache/embeddings/<encoder>/<dataset>-<sha256 of the texts>.npy`` under
the repository root (git-ignored). The key covers every text in order, so any change to
a loader produces a new file.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from pathlib import Path

import numpy as np

from cx_nlp.encoders.base import Encoder
from cx_nlp.training.data import REPO_ROOT

logger = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "embeddings"
_CHUNK = 2048  # texts per encode call: bounds memory and gives progress logs


def texts_digest(texts: list[str]) -> str:
    """SHA-256 over the texts, NUL-separated (first 16 hex digits)."""
    sha = hashlib.sha256()
    for text in texts:
        sha.update(text.encode("utf-8"))
        sha.update(b"\0")
    return sha.hexdigest()[:16]


def cache_path(encoder_name: str, dataset: str, texts: list[str], cache_dir: Path) -> Path:
    """Where the embeddings of ``texts`` by ``encoder_name`` are stored."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder_name)
    return cache_dir / safe / f"{dataset}-{texts_digest(texts)}.npy"


def embed_cached(
    encoder: Encoder,
    texts: list[str],
    *,
    dataset: str,
    cache_dir: Path = DEFAULT_CACHE_DIR,
) -> np.ndarray:
    """Return ``encoder``'s embeddings of ``texts``, computing and storing them if needed.

    Args:
        encoder: The encoder to use; its ``name`` keys the cache folder.
        texts: Texts to embed, in order.
        dataset: A short name for the file (e.g. ``"umsab"``).
        cache_dir: Root of the cache.

    Returns:
        float32 array ``(len(texts), encoder.dim)``.
    """
    parts = getattr(encoder, "parts", None)
    if parts:  # a concatenated encoder: each part through its own cache
        from cx_nlp.encoders.concat import combine

        blocks = [embed_cached(p, texts, dataset=dataset, cache_dir=cache_dir) for p in parts]
        return combine(blocks)
    path = cache_path(encoder.name, dataset, texts, cache_dir)
    if path.exists():
        vectors = np.asarray(np.load(path), dtype=np.float32)
        if vectors.shape == (len(texts), encoder.dim):
            return vectors
        logger.warning("ignoring cache file %s with shape %s", path, vectors.shape)
    vectors = _encode_chunks(encoder, texts, dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _encode_chunks(encoder: Encoder, texts: list[str], dataset: str) -> np.ndarray:
    t0 = time.perf_counter()
    parts = [np.zeros((0, encoder.dim), np.float32)]
    for start in range(0, len(texts), _CHUNK):
        parts.append(encoder.encode(texts[start : start + _CHUNK]))
        logger.info("%s/%s: %d/%d texts", encoder.name, dataset, start + len(parts[-1]), len(texts))
    seconds = time.perf_counter() - t0
    logger.info("encoded %d %s texts in %.1fs", len(texts), dataset, seconds)
    return np.concatenate(parts).astype(np.float32)
