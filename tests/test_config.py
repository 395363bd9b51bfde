from __future__ import annotations

from pathlib import Path

import pytest

import cx_nlp
from cx_nlp.config import Settings, load_pipeline_config
from cx_nlp.errors import ConfigError


def test_config_missing_profile_lists_available(test_settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"available profiles: .*basic"):
        load_pipeline_config("nope", test_settings)


def test_config_rejects_invalid_toml(tmp_path: Path, test_settings: Settings) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[analyzers]\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_pipeline_config(str(path), test_settings)


def test_config_rejects_unknown_option(tmp_path: Path, test_settings: Settings) -> None:
    path = tmp_path / "typo.toml"
    path.write_text('[[analyzers]]\nname = "prepare"\noptions = { mask_pi = true }\n')
    with pytest.raises(ConfigError, match="Invalid options for analyzer 'prepare'"):
        cx_nlp.load(str(path), settings=test_settings)


@pytest.mark.parametrize("variable", ["CX_NLP_BATCH_SIZE"])
def test_settings_read_environment(variable: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, "7")
    assert Settings().batch_size == 7
