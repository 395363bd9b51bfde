"""Process-wide settings (environment) and the pipeline configuration (TOML profiles)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from cx_nlp.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PROFILE = "fast"


class Settings(BaseSettings):
    """Deployment settings, read from ``CX_NLP_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="CX_NLP_", extra="forbid")

    models_dir: Path = Field(default=PROJECT_ROOT / "models")
    configs_dir: Path = Field(default=PROJECT_ROOT / "configs")
    device: str = "cpu"
    batch_size: int = Field(default=64, ge=1, le=4096)
    max_text_chars: int = Field(default=10_000, ge=1)
    num_threads: int | None = Field(default=None, ge=1)
    log_level: str = "INFO"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


class AnalyzerSpec(BaseModel):
    """One analyzer in a profile: its registered name and its options."""

    model_config = ConfigDict(extra="forbid")

    name: str
    options: dict[str, Any] = Field(default_factory=dict)


class PipelineConfig(BaseModel):
    """A profile: the analyzers to run, in order."""

    model_config = ConfigDict(extra="forbid")

    profile: str
    description: str = ""
    analyzers: list[AnalyzerSpec]


ProfileName = Literal["fast", "accurate", "basic"]


def profile_path(profile: str, settings: Settings) -> Path:
    """Where the TOML of ``profile`` lives: a path as given, or ``<configs_dir>/<profile>.toml``."""
    candidate = Path(profile)
    if candidate.suffix == ".toml":
        return candidate
    return settings.configs_dir / f"{profile}.toml"


def available_profiles(settings: Settings) -> list[str]:
    """Profile names found in the configs directory."""
    return sorted(path.stem for path in settings.configs_dir.glob("*.toml"))


def load_pipeline_config(profile: str, settings: Settings) -> PipelineConfig:
    """Read and validate a profile's TOML; a missing or malformed file is a ``ConfigError``."""
    path = profile_path(profile, settings)
    if not path.is_file():
        known = ", ".join(available_profiles(settings)) or "none"
        raise ConfigError(f"Profile '{profile}' not found at {path}; available profiles: {known}.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Profile file {path} is not valid TOML: {exc}.") from exc
    raw.setdefault("profile", path.stem)
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"Profile file {path} is invalid: {exc}") from exc
