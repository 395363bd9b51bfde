from __future__ import annotations

import pytest

from cx_nlp.analyzers.prepare import PrepareAnalyzer, PrepareConfig
from cx_nlp.errors import AnalyzerError, ConfigError, EmptyTextError, InputError, TextTypeError
from cx_nlp.pipeline import Pipeline
from cx_nlp.schema import FeedbackIn, SentimentLabel
from tests.fakes import FakeSentiment, ShuffleAnalyzer


def test_pipeline_rejects_unmet_requires() -> None:
    with pytest.raises(ConfigError, match="requires sentences"):
        Pipeline([PrepareAnalyzer(PrepareConfig(), max_chars=100), FakeSentiment()])


def test_pipeline_rejects_reordering_analyzer(fake_pipeline: Pipeline) -> None:
    pipeline = Pipeline([*fake_pipeline.analyzers, ShuffleAnalyzer()])
    with pytest.raises(AnalyzerError, match="keep length and order"):
        pipeline.analyze(["uno", "due"])


def test_pipeline_keeps_order_and_numbers_plain_strings(fake_pipeline: Pipeline) -> None:
    docs = fake_pipeline.analyze(["Servizio pessimo.", "Tutto perfetto!", "Ok."])
    assert [doc.id for doc in docs] == ["1", "2", "3"]
    assert docs[0].sentiment is not None
    assert docs[0].sentiment.label is SentimentLabel.NEGATIVE


def test_pipeline_language_hint_wins(fake_pipeline: Pipeline) -> None:
    docs = fake_pipeline.analyze([FeedbackIn(id="a", text="Great", language="EN")])
    assert docs[0].language is not None
    assert (docs[0].language.code, docs[0].language.confidence) == ("en", 1.0)


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ({"id": "e1", "text": "   \n\t"}, EmptyTextError),
        ({"id": "e2", "text": 42}, TextTypeError),
        ({"id": "e3", "text": "ok", "unknown_field": 1}, InputError),
        ({"id": "e4", "text": "ok", "channel": "fax"}, InputError),
    ],
)
def test_pipeline_raises_precise_input_error(
    fake_pipeline: Pipeline, item: dict[str, object], error: type[InputError]
) -> None:
    with pytest.raises(error, match=str(item["id"])):
        fake_pipeline.analyze([item])


def test_pipeline_records_invalid_items_in_place(fake_pipeline: Pipeline) -> None:
    items = [{"id": "a", "text": "bene"}, {"id": "b", "text": ""}, {"id": "c", "text": "ok"}]
    docs = fake_pipeline.analyze(items, on_invalid="record")
    assert [doc.id for doc in docs] == ["a", "b", "c"]
    assert docs[1].error is not None
    assert docs[1].error.code == "empty_text"
    assert docs[0].error is None
    assert docs[2].sentiment is not None


def test_pipeline_rejects_text_empty_after_markup(fake_pipeline: Pipeline) -> None:
    docs = fake_pipeline.analyze(["<p> </p><br/>"], on_invalid="record")
    assert docs[0].error is not None
    assert docs[0].error.code == "empty_text"


def test_pipeline_rejects_undecodable_text(fake_pipeline: Pipeline) -> None:
    text = b"caff\xe8 ottimo".decode("utf-8", errors="surrogateescape")
    docs = fake_pipeline.analyze([text], on_invalid="record")
    assert docs[0].error is not None
    assert docs[0].error.code == "invalid_encoding"


def test_pipeline_accepts_empty_batch(fake_pipeline: Pipeline) -> None:
    assert fake_pipeline.analyze([]) == []
