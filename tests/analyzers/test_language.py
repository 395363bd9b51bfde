from __future__ import annotations

import pytest

from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import FeedbackIn


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("La consegna è arrivata in ritardo e nessuno mi ha avvisato.", "it"),
        ("The delivery was late and nobody told me anything.", "en"),
        ("El pedido llegó tarde y nadie me avisó.", "es"),
        ("La livraison est arrivée en retard et personne ne m'a prévenu.", "fr"),
        ("Die Lieferung kam zu spät und niemand hat mich informiert.", "de"),
        ("A entrega chegou atrasada e ninguém me avisou.", "pt"),
        ("Servizio pessimo", "it"),
        ("Muy caro", "es"),
        ("Sehr freundlich", "de"),
        ("De bezorging was te laat.", "nl"),
        ("Доставка опоздала на неделю.", "ru"),
        ("配達が遅れました。", "ja"),
    ],
)
def test_language_detects_languages(basic_pipeline: Pipeline, text: str, code: str) -> None:
    doc = basic_pipeline.analyze([text])[0]
    assert doc.language is not None
    assert doc.language.code == code


@pytest.mark.parametrize("text", ["😡😡😡", "...", "10", "[URL]"])
def test_language_undetermined_without_letters(basic_pipeline: Pipeline, text: str) -> None:
    doc = basic_pipeline.analyze([text])[0]
    assert doc.language is not None
    assert doc.language.code == "und"
    assert "language_undetermined" in doc.warnings


def test_language_hint_is_kept(basic_pipeline: Pipeline) -> None:
    doc = basic_pipeline.analyze([FeedbackIn(id="x", text="ok", language="pt")])[0]
    assert doc.language is not None
    assert doc.language.code == "pt"
