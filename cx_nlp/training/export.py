"""Write a trained head as a model directory: weights, manifest (with SHA-256) and card."""

from __future__ import annotations

import json
import logging
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.artifacts import (
    CARD_FILE,
    MANIFEST_FILE,
    Architecture,
    EncoderInfo,
    Manifest,
    TrainingSet,
    sha256_file,
)
from cx_nlp.heads import WEIGHTS_FILE
from cx_nlp.training.data import REPO_ROOT
from cx_nlp.training.versions import ensure_new_model_dir

logger = logging.getLogger(__name__)


def source_commit() -> str:
    """The repository's HEAD commit, or ``"uncommitted"`` when there is none yet."""
    try:
        result = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except OSError:
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "uncommitted"


def write_weights(path: Path, layers: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Save layers as ``layers.<i>.weight``/``layers.<i>.bias`` float32 safetensors."""
    from safetensors.numpy import save_file

    tensors: dict[str, np.ndarray] = {}
    for i, (weight, bias) in enumerate(layers):
        tensors[f"layers.{i}.weight"] = np.ascontiguousarray(weight, dtype=np.float32)
        tensors[f"layers.{i}.bias"] = np.ascontiguousarray(bias, dtype=np.float32)
    save_file(tensors, str(path))


def export_model(
    out_dir: Path,
    *,
    layers: list[tuple[np.ndarray, np.ndarray]],
    manifest_fields: dict[str, Any],
    card: str,
) -> Manifest:
    """Write ``head.safetensors``, ``MODEL_CARD.md`` and ``manifest.json`` into ``out_dir``.

    Args:
        out_dir: Target directory, created; it must not hold files yet (a written model
            version is immutable: retrain into ``-v<N+1>``).
        layers: Head layers in torch ``Linear`` layout.
        manifest_fields: Every :class:`Manifest` field except ``files``, ``created`` and
            ``source_commit``.
        card: The model card's Markdown text.

    Returns:
        The manifest as written.

    Raises:
        ConfigError: ``out_dir`` already holds files.
    """
    ensure_new_model_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_weights(out_dir / WEIGHTS_FILE, layers)
    (out_dir / CARD_FILE).write_text(card, encoding="utf-8")
    return write_manifest(out_dir, manifest_fields, files=[WEIGHTS_FILE])


def write_manifest(out_dir: Path, manifest_fields: dict[str, Any], *, files: list[str]) -> Manifest:
    """Write ``manifest.json`` with the SHA-256 of each of ``files`` (names in ``out_dir``).

    Args:
        out_dir: The model directory, already holding ``files``.
        manifest_fields: Every :class:`Manifest` field except ``files``, ``created`` and
            ``source_commit``.
        files: The files the loader must verify.
    """
    manifest = Manifest(
        **manifest_fields,
        source_commit=source_commit(),
        created=date.today(),
        files={name: sha256_file(out_dir / name) for name in files},
    )
    text = json.dumps(manifest.model_dump(mode="json"), indent=2, ensure_ascii=False)
    (out_dir / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")
    logger.info("wrote model %s to %s", manifest.name, out_dir)
    return manifest


__all__ = [
    "Architecture",
    "EncoderInfo",
    "TrainingSet",
    "export_model",
    "source_commit",
    "write_manifest",
]
