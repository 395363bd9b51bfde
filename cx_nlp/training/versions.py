"""Model versions: ``<task>-<base>-v<N>`` folders are immutable, a retrain writes ``v<N+1>``."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from cx_nlp.artifacts import load_manifest, verify_model_dir
from cx_nlp.errors import ConfigError

logger = logging.getLogger(__name__)

_VERSIONED = re.compile(r"^(?P<base>.+)-v(?P<version>[1-9][0-9]*)$")


def parse_model_name(name: str) -> tuple[str, int | None]:
    """``"sentiment-usem3-v2"`` -> ``("sentiment-usem3", 2)``; a name without ``-v<N>`` -> None."""
    match = _VERSIONED.match(name)
    if match is None:
        return name, None
    return match["base"], int(match["version"])


def next_version(models_dir: Path, base: str) -> int:
    """One more than the highest ``<base>-v<N>`` folder under ``models_dir`` (1 if none)."""
    found = [
        version
        for child in (models_dir.iterdir() if models_dir.is_dir() else [])
        if child.is_dir()
        for name, version in [parse_model_name(child.name)]
        if name == base and version is not None
    ]
    return max(found, default=0) + 1


def next_model_dir(models_dir: Path, base: str) -> Path:
    """The folder the next version of ``base`` goes to, e.g. ``models/sentiment-usem3-v2``."""
    return models_dir / f"{base}-v{next_version(models_dir, base)}"


def ensure_new_model_dir(out_dir: Path) -> None:
    """Refuse to write into a model folder that already holds files.

    Raises:
        ConfigError: ``out_dir`` exists and is not empty, naming the next free version.
    """
    if out_dir.is_dir() and any(out_dir.iterdir()):
        base, _ = parse_model_name(out_dir.name)
        suggestion = next_model_dir(out_dir.parent, base)
        raise ConfigError(
            f"Model folder {str(out_dir)!r} already exists; a written model version is "
            f"immutable. Write the retrained model to {str(suggestion)!r}."
        )


def promote(candidate: Path, models_dir: Path) -> Path:
    """Copy a verified candidate model folder into ``models_dir`` under the same name.

    Args:
        candidate: A model folder (e.g. written by a notebook under its output folder).
        models_dir: The models folder pipelines load from.

    Returns:
        The promoted folder.

    Raises:
        ModelLoadError: The candidate does not match its manifest.
        ConfigError: ``models_dir`` already holds a folder of that name (versions are
            immutable: retrain into the next version).
    """
    manifest = load_manifest(candidate)
    verify_model_dir(candidate, task=manifest.task, labels=manifest.labels)
    target = models_dir / candidate.name
    ensure_new_model_dir(target)
    shutil.copytree(candidate, target, dirs_exist_ok=True)
    logger.info("promoted %s to %s", candidate, target)
    return target
