"""Locate, verify and describe trained model directories under ``models/``.

A model directory holds ``manifest.json`` (described by :class:`Manifest`),
``MODEL_CARD.md`` and its weight files, whose SHA-256 the manifest records.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
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
    """Head layout: ``linear`` (no hidden layers), ``mlp`` (``hidden`` sizes),
    ``transformers`` (a fine-tuned sequence-classification checkpoint, no head file), or
    ``lora`` (an encoder's low-rank fine-tuning adapter of rank ``rank``)."""

    type: Literal["linear", "mlp", "transformers", "lora"]
    hidden: list[int] = Field(default_factory=list)
    activation: Literal["gelu", "relu"] | None = None
    rank: int | None = Field(default=None, gt=0)


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
    activation: Literal["softmax", "sigmoid"] | None = None  # None: an encoder adapter
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


LATEST = "latest"
_VERSIONED = re.compile(r"^(?P<base>.+)-v(?P<version>[1-9][0-9]*)$")


def find_model_dirs(models_dir: Path) -> list[Path]:
    """Every folder with a ``manifest.json`` one or two levels under ``models_dir``, sorted.

    Two levels so that grouped models (``models/topics/<name>``) are found too.
    """
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    manifests = [*models_dir.glob(f"*/{MANIFEST_FILE}"), *models_dir.glob(f"*/*/{MANIFEST_FILE}")]
    return sorted(path.parent for path in manifests)


def split_version(folder_name: str) -> tuple[str, int | None]:
    """``"sentiment-usem3-v2"`` -> ``("sentiment-usem3", 2)``; no ``-v<N>`` suffix: None."""
    match = _VERSIONED.match(folder_name)
    if match is None:
        return folder_name, None
    return match["base"], int(match["version"])


def model_versions(base: str | Path, models_dir: Path) -> dict[int, Path]:
    """The ``<base>-v<N>`` folders with a manifest, by N (``base`` may hold a group or path)."""
    base_path = Path(models_dir) / base
    versions: dict[int, Path] = {}
    if not base_path.parent.is_dir():
        return versions
    for child in base_path.parent.glob(f"{base_path.name}-v*"):
        name, version = split_version(child.name)
        if name == base_path.name and version is not None and (child / MANIFEST_FILE).is_file():
            versions[version] = child
    return versions


def resolve_model_dir(name_or_path: str | Path, models_dir: Path) -> Path:
    """Turn a model reference into a model directory.

    A reference is a directory path, a folder name under ``models_dir``
    (``sentiment-usem3-v1``, ``topics/feedback-usem3-v1``) or a name with a version:
    ``sentiment-usem3@1`` (the folder ``sentiment-usem3-v1``) or ``sentiment-usem3@latest``
    (the highest ``-v<N>`` folder present).

    Raises:
        ModelLoadError: Nothing matches; the message lists the available models or versions.
    """
    candidate = Path(name_or_path)
    for path in (candidate, Path(models_dir) / candidate):
        if (path / MANIFEST_FILE).is_file():
            return path
    base, at, version = str(name_or_path).rpartition("@")
    if at:
        return _resolve_version(base, version, Path(models_dir))
    available = [str(path.relative_to(models_dir)) for path in find_model_dirs(models_dir)]
    raise ModelLoadError(
        f"No model {str(name_or_path)!r}: not a directory with manifest.json, and not a model "
        f"name under {str(models_dir)!r} (available: {available or 'none'}); "
        "name a folder, or NAME@VERSION / NAME@latest."
    )


def _resolve_version(base: str, version: str, models_dir: Path) -> Path:
    versions = model_versions(base, models_dir)
    if version == LATEST and versions:
        return versions[max(versions)]
    if version.isdigit() and int(version) in versions:
        return versions[int(version)]
    known = ", ".join(f"@{number}" for number in sorted(versions)) or "none"
    raise ModelLoadError(
        f"No version {version!r} of model {base!r} under {str(models_dir)!r} (versions: "
        f"{known}); use {base}@<N> or {base}@{LATEST}, or list models with `cx-nlp models list`."
    )
