"""The hashed n-gram sentiment model: features, blend, training, export, loading, analyzer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from cx_nlp.analyzers.sentiment import SentimentAnalyzer, SentimentConfig, make_sentiment
from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError, ModelLoadError
from cx_nlp.lexical import LexicalModel, blend, hashed_ngrams
from cx_nlp.schema import SentimentLabel
from cx_nlp.training.lexical import LexicalRequest, export_lexical, train_lexical
from tests.conftest import encoded_docs, make_head

LABELS = [label.value for label in SentimentLabel]
_WORDS = {
    "positive": ["ottimo", "great"],
    "negative": ["pessimo", "terrible"],
    "neutral": ["arrivato", "package"],
}


def _labelled_file(path: Path) -> Path:
    """120 short texts whose label a single word decides."""
    rng = np.random.default_rng(0)
    fillers = ["il", "prodotto", "the", "item", "el", "das", "le", "servizio"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "language"])
        for i in range(120):
            label = ("positive", "negative", "neutral")[i % 3]
            words = [*rng.choice(fillers, size=3), rng.choice(_WORDS[label])]
            rng.shuffle(words)
            writer.writerow([" ".join(words) + f" n{i}", label, "it"])
    return path


@pytest.fixture(scope="module")
def lexical_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lexical")
    request = LexicalRequest(
        out_dir=root / "sentiment-lexical-v1",
        data=_labelled_file(root / "labels.csv"),
        command="cx-nlp train sentiment-lexical (test)",
    )
    export_lexical(request, train_lexical(request))
    return request.out_dir


def test_features_lowercase_and_reduce_mentions_and_urls() -> None:
    a = hashed_ngrams(["Grazie @Marco, vedi https://x.it/a?b=1 !!"])
    b = hashed_ngrams(["grazie @user, vedi http !!"])
    assert (a != b).nnz == 0
    assert a.nnz > 0
    assert np.isclose(float(a.multiply(a).sum()), 1.0)  # L2-normalised row


def test_features_count_emoji_as_words_and_skip_ascii_punctuation() -> None:
    plain, marked, punctuated = hashed_ngrams(["bello", "bello 👎", "bello!!"])
    assert marked.nnz > plain.nnz
    assert (punctuated != plain).nnz == 0


def test_blend_weights_move_between_the_two_models() -> None:
    head = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], dtype=np.float32)
    lexical = np.array([[0.2, 0.2, 0.6], [0.05, 0.15, 0.8]], dtype=np.float32)
    assert np.allclose(blend(head, lexical, 0.0), head, atol=1e-5)
    assert np.allclose(blend(head, lexical, 1.0), lexical, atol=1e-5)
    mixed = blend(head, lexical, 0.5)
    assert np.allclose(mixed.sum(axis=1), 1.0, atol=1e-5)
    assert mixed[0].argmax() == 0
    assert mixed[0, 2] > head[0, 2]
    assert mixed[1, 2] > head[1, 2]  # agreeing models: more confident than either alone


def test_trained_model_loads_and_reads_the_deciding_word(lexical_dir: Path) -> None:
    model = LexicalModel.load(lexical_dir)
    probs = model.predict_proba(["prodotto ottimo", "servizio pessimo", "ordine arrivato", ""])
    assert [LABELS[i] for i in probs[:3].argmax(axis=1)] == ["positive", "negative", "neutral"]
    assert probs.shape == (4, 3)
    assert model.predict_proba([]).shape == (0, 3)
    card = (lexical_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "hashed" in card
    assert "cx-nlp train sentiment-lexical (test)" in card


def test_load_refuses_another_featuriser(lexical_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "sentiment-lexical-v1"
    copy.mkdir()
    for path in lexical_dir.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["encoder"]["version"] = "char-2-5-v0"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="reads features"):
        LexicalModel.load(copy)


def test_load_refuses_modified_weights(lexical_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "sentiment-lexical-v1"
    copy.mkdir()
    for path in lexical_dir.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "head.safetensors").write_bytes(b"broken")
    with pytest.raises(ModelLoadError, match="SHA-256"):
        LexicalModel.load(copy)


def test_analyzer_blends_each_sentence_with_the_lexical_model(lexical_dir: Path) -> None:
    lexical = LexicalModel.load(lexical_dir)
    head = make_head("sentiment", LABELS)
    texts = [["prodotto ottimo", "servizio pessimo"]]
    plain = SentimentAnalyzer(head, SentimentConfig())(encoded_docs(texts))[0]
    only_lexical = SentimentAnalyzer(head, SentimentConfig(lexical_weight=1.0), lexical)(
        encoded_docs(texts)
    )[0]
    expected = lexical.predict_proba(texts[0])
    for sentence, row in zip(only_lexical.sentences, expected, strict=True):
        assert sentence.sentiment is not None
        got = [sentence.sentiment.probabilities[label] for label in LABELS]
        assert np.allclose(got, row, atol=1e-3)
    assert [s.sentiment.label for s in only_lexical.sentences if s.sentiment] == [
        SentimentLabel.POSITIVE,
        SentimentLabel.NEGATIVE,
    ]
    assert plain.sentences[0].sentiment != only_lexical.sentences[0].sentiment


def test_lexical_with_transformers_backend_is_a_config_error(tmp_path: Path) -> None:
    config = SentimentConfig(backend="transformers", model="x", lexical="sentiment-lexical-v1")
    with pytest.raises(ConfigError, match="lexical"):
        make_sentiment(config, Settings(models_dir=tmp_path))


def test_cli_trains_a_lexical_model(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cx_nlp.cli import app

    out = tmp_path / "sentiment-lexical-v1"
    data = _labelled_file(tmp_path / "labels.csv")
    result = CliRunner().invoke(
        app, ["train", "sentiment-lexical", "--data", str(data), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "lexical alone macro-F1" in result.output
    assert LexicalModel.load(out).manifest.name == "sentiment-lexical-v1"
    again = CliRunner().invoke(
        app, ["train", "sentiment-lexical", "--data", str(data), "-o", str(out)]
    )
    assert again.exit_code == 2


@pytest.mark.slow
def test_fast_profile_blend_reads_obvious_feedback_in_six_languages() -> None:
    """The lexical model alone is weak outside Italian (see its card); blended it must not hurt."""
    import cx_nlp

    pipeline = cx_nlp.load("fast")
    analyzer = next(a for a in pipeline.analyzers if a.name == "sentiment")
    assert isinstance(analyzer, SentimentAnalyzer)
    assert analyzer.lexical is not None
    positive = ["Ottimo prodotto, lo consiglio", "Great product, highly recommend",
                "Excelente producto, lo recomiendo", "Excellent produit, je recommande",
                "Tolles Produkt, sehr empfehlenswert", "Ótimo produto, recomendo"]  # fmt: skip
    negative = ["Pessimo, arrivato rotto", "Terrible, arrived broken",
                "Horrible, llegó roto", "Nul, arrivé cassé",
                "Schrecklich, kam kaputt an", "Péssimo, chegou quebrado"]  # fmt: skip
    docs = pipeline.analyze(positive + negative)
    labels = [doc.sentiment.label if doc.sentiment else None for doc in docs]
    assert labels == [SentimentLabel.POSITIVE] * 6 + [SentimentLabel.NEGATIVE] * 6


@pytest.mark.slow
def test_evaluate_profile_scores_documents_through_the_fast_pipeline(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cx_nlp.cli import app

    path = tmp_path / "labelled.csv"
    path.write_text(
        "text,label,language\n"
        '"Prodotto fantastico, lo consiglio! Arrivato in un giorno.",positive,it\n'
        "Arrivato rotto e nessuno risponde.,negative,it\n"
        "I love this app,positive,en\n"
        '"Terrible service, never again.",negative,en\n',
        encoding="utf-8",
    )
    from cx_nlp.training.evaluation import evaluate_profile

    report = evaluate_profile("fast", path)
    assert report["accuracy"] == 1.0
    assert set(report["macro_f1_per_language"]) == {"en", "it"}
    result = CliRunner().invoke(app, ["evaluate", "--profile", "fast", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"all\t{report['macro_f1']:.4f}\t(4 rows)"
    both = CliRunner().invoke(app, ["evaluate", "--profile", "fast", "--model", "x", str(path)])
    assert both.exit_code == 2
    assert "exactly one" in both.output
    emotion = tmp_path / "emotion.csv"
    emotion.write_text("text,label\nChe gioia,joy\n", encoding="utf-8")
    wrong = CliRunner().invoke(app, ["evaluate", "--profile", "fast", str(emotion)])
    assert wrong.exit_code == 2
    assert "joy" in wrong.output


def test_pooled_document_blends_the_lexical_model_on_the_whole_text(lexical_dir: Path) -> None:
    lexical = LexicalModel.load(lexical_dir)
    docs = encoded_docs([["prodotto ottimo", "servizio pessimo"], ["ordine arrivato"]])
    for doc in docs:
        assert doc.embeddings is not None
        vector = doc.embeddings.sentences.mean(axis=0)
        doc.embeddings = doc.embeddings.model_copy(update={"document": vector})
    config = SentimentConfig(lexical_weight=1.0, document="pooled_vector")
    scored = SentimentAnalyzer(make_head("sentiment", LABELS), config, lexical)(docs)
    expected = lexical.predict_proba([doc.text for doc in scored])
    for doc, row in zip(scored, expected, strict=True):
        assert doc.sentiment is not None
        got = [doc.sentiment.probabilities[SentimentLabel(label)] for label in LABELS]
        assert np.allclose(got, row, atol=1e-3)
