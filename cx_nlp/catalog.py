"""The model registry as people see it: every model folder with its headline figures.

``cx-nlp models list`` and ``GET /v1/models`` read it. Folders are found by
:func:`cx_nlp.artifacts.find_model_dirs`; manifests are read as plain JSON so that heads
(:class:`cx_nlp.artifacts.Manifest`) and topic models (``TopicsManifest``) list alike, and a
broken manifest is listed with its error instead of hiding the others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cx_nlp.artifacts import MANIFEST_FILE, find_model_dirs, split_version

if TYPE_CHECKING:
    from cx_nlp.pipeline import Pipeline

# Quality figures worth a column; training bookkeeping (epochs, seeds) is left out.
HEADLINE_KEYS: tuple[str, ...] = (
    "macro_f1",
    "micro_f1",
    "accuracy",
    "npmi_top10",
    "diversity_top10",
)


@dataclass(frozen=True)
class ModelEntry:
    """One model folder: its name (relative to the models directory), task, version, figures."""

    name: str
    task: str
    version: int | None
    encoder: str
    metrics: dict[str, float]
    path: Path
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "name": self.name,
            "task": self.task,
            "version": self.version,
            "encoder": self.encoder,
            "metrics": self.metrics,
            "path": str(self.path),
            "error": self.error,
        }


@dataclass(frozen=True)
class LoadedModel:
    """A model a built pipeline runs: which analyzer, which model folder's name and version."""

    analyzer: str
    name: str
    task: str
    version: int | None
    encoder: str
    metrics: dict[str, float] = field(default_factory=dict)


def list_model_entries(models_dir: Path) -> list[ModelEntry]:
    """Every model folder one or two levels under ``models_dir``, sorted by name."""
    models_dir = Path(models_dir)
    return [_entry(path, models_dir) for path in find_model_dirs(models_dir)]


def headline_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The figures of :data:`HEADLINE_KEYS`, flat (``"npmi_top10"``) or per eval set.

    ``{"umsab": {"macro_f1": 0.57, ...}, "best_epoch": 7}`` gives ``{"umsab.macro_f1": 0.57}``:
    per eval set, the first headline key it has.
    """
    headline: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, Mapping):
            found = next((k for k in HEADLINE_KEYS if _is_number(value.get(k))), None)
            if found is not None:
                headline[f"{key}.{found}"] = round(float(value[found]), 4)
        elif key in HEADLINE_KEYS and _is_number(value):
            headline[key] = round(float(value), 4)
    return headline


def loaded_models(pipeline: Pipeline) -> list[LoadedModel]:
    """The trained models (heads, topic models) a pipeline runs, in analyzer order."""
    loaded: list[LoadedModel] = []
    for analyzer in pipeline.analyzers:
        holder = getattr(analyzer, "head", None) or getattr(analyzer, "model", None)
        manifest = getattr(holder, "manifest", None)
        if manifest is None:
            continue
        version = getattr(manifest, "version", None)
        loaded.append(
            LoadedModel(
                analyzer=analyzer.name,
                name=manifest.name,
                task=manifest.task,
                version=version if isinstance(version, int) else split_version(manifest.name)[1],
                encoder=manifest.encoder.name,
                metrics=headline_metrics(manifest.metrics),
            )
        )
    return loaded


def format_table(entries: Sequence[ModelEntry]) -> str:
    """A plain-text table: name, task, version, encoder, headline figures, path."""
    header = ("name", "task", "version", "encoder", "metrics", "path")
    rows = [header] + [
        (
            entry.name,
            entry.task,
            "-" if entry.version is None else str(entry.version),
            entry.encoder,
            entry.error or _metrics_text(entry.metrics),
            str(entry.path),
        )
        for entry in entries
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


def _metrics_text(metrics: Mapping[str, float]) -> str:
    return " ".join(f"{key}={value:.3f}" for key, value in metrics.items()) or "-"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _entry(path: Path, models_dir: Path) -> ModelEntry:
    name = path.relative_to(models_dir).as_posix()
    folder_version = split_version(path.name)[1]
    error: str | None = None
    try:
        raw = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raw, error = {}, f"unreadable manifest: {exc}"
    if not isinstance(raw, dict):
        error = "manifest is not a JSON object"
    manifest: dict[str, Any] = raw if isinstance(raw, dict) else {}
    version = manifest.get("version")
    encoder = manifest.get("encoder")
    return ModelEntry(
        name=name,
        task=str(manifest.get("task", "?")),
        version=version if isinstance(version, int) else folder_version,
        encoder=str(encoder.get("name", "?")) if isinstance(encoder, dict) else "?",
        metrics=headline_metrics(manifest.get("metrics") or {}),
        path=path,
        error=error,
    )
