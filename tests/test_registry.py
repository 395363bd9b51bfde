from __future__ import annotations

import pytest

from cx_nlp.errors import ConfigError
from cx_nlp.registry import get_registration, register_analyzer, registered_names
from tests.fakes import FakeConfig, make_fake_language


def test_registry_rejects_duplicate_name() -> None:
    with pytest.raises(ConfigError, match="registered twice"):
        register_analyzer("prepare", config=FakeConfig)(make_fake_language)


def test_registry_unknown_name_lists_known_names() -> None:
    with pytest.raises(ConfigError, match=r"registered analyzers: .*prepare"):
        get_registration("sentimentt")


@pytest.mark.parametrize("name", ["prepare", "language", "sentences"])
def test_registry_knows_builtin_analyzers(name: str) -> None:
    assert name in registered_names()
