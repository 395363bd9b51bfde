"""Contract tests: the output schema, and invariants every analyzer must keep."""

from __future__ import annotations

import json
from collections.abc import Callable

import jsonschema
import pytest

from cx_nlp.analyzers.language import LanguageAnalyzer, LanguageConfig
from cx_nlp.analyzers.prepare import PrepareAnalyzer, PrepareConfig
from cx_nlp.analyzers.sentences import SentencesAnalyzer, SentencesConfig
from cx_nlp.config import PROJECT_ROOT
from cx_nlp.contract import render_schema
from cx_nlp.io.writers import contract_record
from cx_nlp.pipeline import SHARED_FIELDS, Pipeline
from cx_nlp.registry import Analyzer
from cx_nlp.schema import Doc
from tests.fakes import FakeLanguage, FakeSentiment

SCHEMA_PATH = PROJECT_ROOT / "docs" / "output.schema.json"
TEXTS = ["Camera pulita. Personale scortese!", "Great value 👍", "😡", "Entrega rápida\ny barata"]


def _prefix() -> list[Analyzer]:
    return [
        PrepareAnalyzer(PrepareConfig(), max_chars=1000),
        FakeLanguage(),
        SentencesAnalyzer(SentencesConfig()),
    ]


ANALYZERS: dict[str, Callable[[], Analyzer]] = {
    "prepare": lambda: PrepareAnalyzer(PrepareConfig(), max_chars=1000),
    "language": lambda: LanguageAnalyzer.load(LanguageConfig()),
    "sentences": lambda: SentencesAnalyzer(SentencesConfig()),
    "fake_sentiment": FakeSentiment,
}


def test_contract_schema_file_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "Run: python -m cx_nlp.contract docs/output.schema.json"
    )


def test_contract_records_validate_against_schema(fake_pipeline: Pipeline) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    docs = fake_pipeline.analyze([*TEXTS, "   "], on_invalid="record")
    for doc in docs:
        jsonschema.validate(contract_record(doc), schema)


def _prepared_docs(analyzer: Analyzer) -> list[Doc]:
    docs = [Doc(id=f"d{i}", raw_text=text) for i, text in enumerate(TEXTS)]
    for earlier in _prefix():
        if earlier.name == analyzer.name or set(earlier.assigns) & set(analyzer.assigns) - {
            "sentences"
        }:
            break
        docs = earlier(docs)
    return docs


@pytest.mark.parametrize("name", sorted(ANALYZERS))
def test_contract_analyzer_keeps_length_order_and_fields(name: str) -> None:
    analyzer = ANALYZERS[name]()
    docs = _prepared_docs(analyzer)
    before = [doc.model_dump() for doc in docs]
    result = analyzer([doc.model_copy(deep=True) for doc in docs])
    assert [doc.id for doc in result] == [doc.id for doc in docs]
    allowed = set(analyzer.assigns) | set(SHARED_FIELDS)
    for old, new in zip(before, result, strict=True):
        changed = {key for key, value in new.model_dump().items() if old[key] != value}
        assert changed <= allowed, f"{name} wrote undeclared fields {changed - allowed}"


@pytest.mark.parametrize("name", sorted(ANALYZERS))
def test_contract_analyzer_accepts_empty_batch(name: str) -> None:
    assert ANALYZERS[name]()([]) == []
