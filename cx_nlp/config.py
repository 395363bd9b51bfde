"""Process-wide settings (environment) and the pipeline configuration (TOML profiles)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
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
    # --- HTTP API (api/, see docs/api.md) ---
    api_profiles: str = Field(
        default=DEFAULT_PROFILE,
        description="Comma-separated profiles the API loads at start-up; the first is the default.",
    )
    api_max_items: int = Field(default=100, ge=1, le=10_000)
    api_max_text_chars: int = Field(default=10_000, ge=1)
    api_keys: SecretStr = Field(default=SecretStr(""), description="Comma-separated API keys.")
    api_keys_file: Path | None = Field(
        default=None, description="One key (or 'sha256:<hex>' digest) per line; '#' comments."
    )
    api_revoked_keys: SecretStr = Field(
        default=SecretStr(""), description="Comma-separated revoked keys or 'sha256:<hex>' digests."
    )
    api_admin_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Comma-separated keys (or digests) that may also call /v1/admin/* (reload).",
    )
    allow_anonymous: bool = Field(
        default=False, description="Serve without API keys; start-up fails if False and no keys."
    )
    api_metrics_public: bool = Field(default=False, description="Serve /metrics without a key.")
    api_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    api_max_upload_bytes: int = Field(default=104_857_600, ge=1024)
    api_rate_limit_per_second: float = Field(default=20.0, gt=0)
    api_rate_limit_burst: int = Field(default=40, ge=1)
    api_cors_origins: str = Field(default="", description="Comma-separated origins; empty: none.")
    api_batch_max_items: int = Field(default=64, ge=1)
    api_batch_wait_ms: float = Field(default=5.0, ge=0, le=1000)
    api_worker_timeout_s: int = Field(
        default=120,
        ge=5,
        description="With several server workers: seconds a worker may take to answer the "
        "supervisor's health check (model loading included) before it is restarted.",
    )
    jobs_dir: Path = Field(default=PROJECT_ROOT / "out" / "jobs")
    jobs_database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite at <jobs_dir>/jobs.sqlite."
    )
    jobs_workers: int = Field(default=1, ge=1, le=64)
    jobs_chunk_size: int = Field(default=256, ge=1)
    jobs_poll_seconds: float = Field(default=1.0, gt=0)
    jobs_stale_seconds: float = Field(default=30.0, ge=0)
    jobs_on_restart: Literal["resume", "fail"] = "resume"


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
