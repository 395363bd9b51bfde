"""Property-based run of the OpenAPI spec (schemathesis): no 5xx, no off-schema response."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api import create_app
from cx_nlp.config import PROJECT_ROOT, Settings
from tests.api.helpers import AUTH, api_settings
from tests.conftest import FAKE_PROFILE

EXAMPLES_PER_OPERATION = 200
MIN_REQUESTS = 1000
_calls: list[int] = []


def _fuzz_settings() -> Settings:
    # Built at import time: schemathesis needs the spec to generate the test cases.
    root = Path(tempfile.mkdtemp(prefix="cx-nlp-fuzz-"))
    configs = root / "configs"
    configs.mkdir()
    (configs / "fake.toml").write_text(FAKE_PROFILE, encoding="utf-8")
    base = Settings(configs_dir=configs, models_dir=PROJECT_ROOT / "models")
    return api_settings(
        base, api_max_items=20, api_max_text_chars=500, api_rate_limit_per_second=1e6,
        api_rate_limit_burst=1_000_000, api_metrics_public=True,
    )  # fmt: skip


APP = create_app(_fuzz_settings())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_never_errors_and_always_matches_its_schema(case: schemathesis.Case) -> None:
    _calls.append(1)
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.slow
def test_fuzzing_sent_enough_requests() -> None:
    if not _calls:
        pytest.skip("the schemathesis run was not selected")
    assert len(_calls) >= MIN_REQUESTS
