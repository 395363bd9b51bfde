"""Locate, verify and describe trained model directories under ``models/``.

A model directory holds ``manifest.json`` (described by :class:`Manifest`),
``MODEL_CARD.md`` and its weight files, whose SHA-256 the manifest records.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cx_nlp.errors import ModelLoadError

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
CARD_FILE = "MODEL_CARD.md"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EncoderInfo(_Strict):
    """The encoder a head was trained on; a head only runs on the same encoder."""

    name: str
    version: str
    dim: int = Field(gt=0)


class Architecture(_Strict):
    """Head layout: ``linear`` (no hidden layers) or ``mlp`` (``hidden`` sizes)."""

    type: Literal["linear", "mlp"]
    hidden: list[int] = Field(default_factory=list)
    activation: Literal["gelu", "relu"] | None = None


class TrainingSet(_Strict):
    """One data set a head was trained on."""

    name: str
    path: str
    license: str
    rows: int = Field(ge=0)
    commercial_use: bool


class Manifest(_Strict):
    """Everything needed to load, check and describe a trained head."""

    name: str
    version: int = Field(ge=1)
    task: str
    labels: list[str]
    activation: Literal["softmax", "sigmoid"]
    thresholds: dict[str, float] = Field(default_factory=dict)
    encoder: EncoderInfo
    architecture: Architecture
    languages: list[str]
    metrics: dict[str, Any] = Field(default_factory=dict)
    training_data: list[TrainingSet]
    commercial_use: bool
    source_commit: str
    created: date
    files: dict[str, str]


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def load_manifest(model_dir: Path) -> Manifest:
    """Read and validate ``model_dir/manifest.json``.

    Raises:
        ModelLoadError: The file is missing, not JSON, or does not match :class:`Manifest`.
    """
    path = Path(model_dir) / MANIFEST_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelLoadError(
            f"Cannot read model manifest {str(path)!r}: {exc}; point to a model directory "
            "that contains manifest.json (see models/ or `cx-nlp train`)."
        ) from exc
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        raise ModelLoadError(
            f"Model manifest {str(path)!r} is invalid: {exc.errors()[0]['msg']} at "
            f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}; re-export the model."
        ) from exc


def _check_files(model_dir: Path, manifest: Manifest) -> None:
    for filename, expected in manifest.files.items():
        path = model_dir / filename
        if not path.is_file():
            raise ModelLoadError(
                f"Model file {str(path)!r} listed in the manifest is missing; "
                "restore the model directory from the repository or re-export it."
            )
        actual = sha256_file(path)
        if actual != expected:
            raise ModelLoadError(
                f"Model file {str(path)!r} has SHA-256 {actual[:12]}..., but the manifest says "
                f"{expected[:12]}...; the file was modified or corrupted: restore it from the "
                "repository or re-export the model."
            )


def verify_model_dir(model_dir: Path, *, task: str, labels: Sequence[str]) -> Manifest:
    """Load the manifest and check task, label order and every file's SHA-256.

    Args:
        model_dir: The model directory.
        task: The task the caller needs, e.g. ``"sentiment"``.
        labels: The schema enum values, in head order.

    Returns:
        The validated manifest.

    Raises:
        ModelLoadError: Naming the task, label or file that does not match.
    """
    model_dir = Path(model_dir)
    manifest = load_manifest(model_dir)
    if manifest.task != task:
        raise ModelLoadError(
            f"Model {manifest.name!r} in {str(model_dir)!r} is a {manifest.task!r} model, "
            f"not {task!r}; configure a {task} model directory."
        )
    expected = [str(label) for label in labels]
    if manifest.labels != expected:
        extra = sorted(set(manifest.labels) - set(expected))
        missing = sorted(set(expected) - set(manifest.labels))
        detail = f"unknown {extra}, missing {missing}" if extra or missing else "different order"
        raise ModelLoadError(
            f"Model {manifest.name!r} labels {manifest.labels} differ from the schema's "
            f"{expected} ({detail}); retrain or re-export the head with the schema labels."
        )
    _check_files(model_dir, manifest)
    return manifest


def list_models(models_dir: Path) -> list[Manifest]:
    """Manifests of every model directory directly under ``models_dir``, sorted by name.

    Directories without a manifest are skipped; invalid manifests raise ``ModelLoadError``.
    """
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    return [
        load_manifest(child)
        for child in sorted(models_dir.iterdir())
        if (child / MANIFEST_FILE).is_file()
    ]


def resolve_model_dir(name_or_path: str | Path, models_dir: Path) -> Path:
    """Turn a model name under ``models_dir`` or a directory path into a model directory.

    Raises:
        ModelLoadError: Neither exists, listing the available model names.
    """
    candidate = Path(name_or_path)
    for path in (candidate, Path(models_dir) / candidate):
        if (path / MANIFEST_FILE).is_file():
            return path
    available = [m.name for m in list_models(models_dir)] if Path(models_dir).is_dir() else []
    raise ModelLoadError(
        f"No model {str(name_or_path)!r}: not a directory with manifest.json, and not a model "
        f"name under {str(models_dir)!r} (available: {available or 'none'})."
    )
