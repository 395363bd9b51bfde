"""Train a head from a data mix and write the model directory (weights, manifest, card)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cx_nlp.encoders.base import Encoder, load_encoder
from cx_nlp.errors import ConfigError
from cx_nlp.heads import TASK_LABELS
from cx_nlp.training.cache import DEFAULT_CACHE_DIR
from cx_nlp.training.card import render_card
from cx_nlp.training.data import DEFAULT_DATA_DIR
from cx_nlp.training.export import export_model
from cx_nlp.training.fit import FitConfig
from cx_nlp.training.recipes import TrainOutcome, load_dataset, train_task, user_file_source
from cx_nlp.training.sources import SELECT_ON, STANDARD_MIX, TASK_SOURCES, DataSource

logger = logging.getLogger(__name__)

# Measured defaults per task (see the model cards' Evaluation sections).
DEFAULT_CONFIG: dict[str, FitConfig] = {
    "sentiment": FitConfig(hidden=(512,), activation="relu"),
    "emotion": FitConfig(hidden=(512,), activation="relu", max_epochs=80, patience=8),
}


@dataclass(frozen=True)
class TrainRequest:
    """What to train: task, data, encoder, output directory and seed."""

    task: str
    out_dir: Path
    encoder: str = "usem3"
    data: Path | None = None
    sources: tuple[str, ...] | None = None
    seed: int = 0
    version: int = 1
    command: str = ""


def resolve_sources(request: TrainRequest) -> tuple[list[DataSource], Path, tuple[str, ...]]:
    """The sources, data directory and selection sets implied by ``request``.

    Raises:
        ConfigError: Unknown task or source name.
    """
    if request.task not in TASK_SOURCES:
        raise ConfigError(f"Unknown task {request.task!r}; use one of {sorted(TASK_SOURCES)}.")
    if request.data is not None and request.data.is_file():
        source = user_file_source(request.data, request.seed)
        return [source], request.data.parent, (source.name,)
    known = TASK_SOURCES[request.task]
    names = request.sources or STANDARD_MIX[request.task]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"Unknown {request.task} source(s) {unknown}; known: {sorted(known)}.")
    select_on = tuple(n for n in SELECT_ON[request.task] if n in names) or tuple(names)
    return [known[n] for n in names], request.data or DEFAULT_DATA_DIR, select_on


def _training_data(sources: list[DataSource], counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "path": s.path,
            "license": s.license,
            "rows": counts.get(s.name, 0),
            "commercial_use": s.commercial_use,
        }
        for s in sources
    ]


def manifest_fields(
    request: TrainRequest,
    encoder: Encoder,
    outcome: TrainOutcome,
    sources: list[DataSource],
    counts: dict[str, int],
    languages: list[str],
    config: FitConfig,
) -> dict[str, Any]:
    """Every manifest field except files, created and source_commit."""
    training_data = _training_data(sources, counts)
    return {
        "name": request.out_dir.name,
        "version": request.version,
        "task": request.task,
        "labels": list(TASK_LABELS[request.task]),
        "activation": "softmax" if request.task == "sentiment" else "sigmoid",
        "thresholds": outcome.thresholds,
        "encoder": {"name": encoder.name, "version": encoder.version, "dim": encoder.dim},
        "architecture": {
            "type": "mlp" if config.hidden else "linear",
            "hidden": list(config.hidden),
            "activation": config.activation if config.hidden else None,
        },
        "languages": languages,
        "metrics": {
            **outcome.metrics,
            "temperature": outcome.temperature,
            "train_seconds": round(outcome.seconds, 1),
            "seed": request.seed,
        },
        "training_data": training_data,
        "commercial_use": all(s.commercial_use for s in sources),
    }


def train_and_export(
    request: TrainRequest, *, config: FitConfig | None = None, cache_dir: Path = DEFAULT_CACHE_DIR
) -> dict[str, Any]:
    """Train the head described by ``request`` and write its model directory.

    Returns:
        The validation metrics written into the manifest.
    """
    t0 = time.perf_counter()
    sources, data_dir, select_on = resolve_sources(request)
    base = config or DEFAULT_CONFIG[request.task]
    config = FitConfig(**{**base.__dict__, "seed": request.seed})
    encoder = load_encoder(request.encoder)
    dataset = load_dataset(
        request.task, sources, data_dir=data_dir, encoder=encoder, cache_dir=cache_dir
    )
    outcome = train_task(request.task, dataset, config=config, select_on=select_on)
    outcome.seconds = time.perf_counter() - t0
    languages = sorted({r.language for r in dataset.rows if r.split == "train"})
    fields = manifest_fields(request, encoder, outcome, sources, dataset.counts, languages, config)
    card = render_card(fields, command=request.command, seconds=outcome.seconds)
    export_model(request.out_dir, layers=outcome.layers, manifest_fields=fields, card=card)
    logger.info("trained %s in %.1fs", request.out_dir.name, outcome.seconds)
    return dict(fields["metrics"])
