from __future__ import annotations

import pytest

from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import FeedbackIn


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Camera bella. Colazione scarsa!", "it", ["Camera bella.", "Colazione scarsa!"]),
        ("Good food\nrude staff", "en", ["Good food", "rude staff"]),
        (
            "¿Dónde está mi pedido? Nadie responde.",
            "es",
            ["¿Dónde está mi pedido?", "Nadie responde."],
        ),
        ("配達が遅れました。返金してください。", "ja", ["配達が遅れました。返金してください。"]),
        ("Ok", "und", ["Ok"]),
    ],
)
def test_sentences_offsets_slice_text(
    basic_pipeline: Pipeline, text: str, language: str, expected: list[str]
) -> None:
    doc = basic_pipeline.analyze([FeedbackIn(id="s", text=text, language=language)])[0]
    assert [doc.text[s.start : s.end] for s in doc.sentences] == expected


def test_sentences_cover_long_text(basic_pipeline: Pipeline) -> None:
    text = " ".join(f"Frase numero {i} del reclamo." for i in range(300))
    doc = basic_pipeline.analyze([text])[0]
    assert len(doc.sentences) == 200
    assert doc.sentences[-1].end == len(doc.text)
    assert "sentences_capped" in doc.warnings
