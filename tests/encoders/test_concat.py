"""Concatenated encoders (``usem3+e5-small-cx``): unit rows, exact head widening, per-part cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from cx_nlp.encoders.base import load_encoder
from cx_nlp.encoders.concat import ConcatEncoder, widen_head_layer
from cx_nlp.errors import ModelLoadError
from cx_nlp.training.cache import embed_cached


class HashEncoder:
    """Deterministic unit vectors from a text's hash; counts its calls."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim, self.version = name, dim, "1"
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            seed = int(hashlib.sha256((self.name + text).encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=self.dim).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)


def test_concatenation_has_unit_rows_name_and_dim() -> None:
    enc = ConcatEncoder([HashEncoder("a", 5), HashEncoder("b", 3)])
    out = enc.encode(["uno", "due", "tre"])
    assert (enc.name, enc.dim, out.shape) == ("a+b", 8, (3, 8))
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)


def test_widened_head_gives_the_part_heads_logits() -> None:
    a, b = HashEncoder("a", 5), HashEncoder("b", 3)
    texts = ["ottimo", "pessimo", "così così"]
    weight = np.random.default_rng(0).normal(size=(3, 3)).astype(np.float32)
    narrow = b.encode(texts) @ weight.T
    wide = ConcatEncoder([a, b]).encode(texts) @ widen_head_layer(weight, [5, 3], 1).T
    np.testing.assert_allclose(wide, narrow, rtol=1e-5, atol=1e-6)


def test_cache_stores_each_part_once(tmp_path: Path) -> None:
    a, b = HashEncoder("a", 5), HashEncoder("b", 3)
    first = embed_cached(ConcatEncoder([a, b]), ["x", "y"], dataset="d", cache_dir=tmp_path)
    again = embed_cached(ConcatEncoder([a, b]), ["x", "y"], dataset="d", cache_dir=tmp_path)
    np.testing.assert_array_equal(first, again)
    assert (a.calls, b.calls) == (1, 1)
    assert {p.parent.name for p in tmp_path.rglob("*.npy")} == {"a", "b"}


def test_unknown_part_is_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="Unknown encoder spec 'usem3\\+nope'"):
        load_encoder("usem3+nope")
