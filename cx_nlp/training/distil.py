"""Distil a teacher's sentiment into a head on another encoder (``cx-nlp train --teacher``).

A teacher file holds the sentiment probabilities of a stronger model over every text of
an encoder pack (``encoder_pack --unlabelled``): the sentiment mix, the emotion mix and
texts with no sentiment label (reviews, customer messages, tweets), each task with the
digest of its texts so that a file made from other data is refused. The student trains on

* the mix's training rows, target ``alpha x gold + (1 - alpha) x teacher``;
* the training texts of the emotion mix and the unlabelled texts, target the teacher's
  probabilities (weight 1 per row, like an average labelled row).

The shipped file ``models/distillation/sentiment-e5smallcx-v1.npz`` is the accurate
profile's sentiment (``encoder-e5-small-cx-v1`` with the e5 half of
``sentiment-usem3-e5smallcx-v1``); ``models/distillation/README.md`` says how to
regenerate it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.config import PROJECT_ROOT
from cx_nlp.encoders.base import Encoder
from cx_nlp.errors import ConfigError
from cx_nlp.training.cache import embed_cached, texts_digest
from cx_nlp.training.data import TRAIN, LabelledText
from cx_nlp.training.encoder_pack import UNLABELLED, load_rows, load_unlabelled
from cx_nlp.training.fit import Targets
from cx_nlp.training.recipes import cap_rows
from cx_nlp.training.sources import EMOTION_SOURCES

logger = logging.getLogger(__name__)

DEFAULT_TEACHER = PROJECT_ROOT / "models" / "distillation" / "sentiment-e5smallcx-v1.npz"
ALPHA = 0.5  # measured on validation: 0 (teacher only) and 1 (gold only) were both worse
# Licences of the unlabelled texts (encoder_pack.UNLABELLED_DATASETS), for model cards.
UNLABELLED_LICENCES: dict[str, tuple[str, bool]] = {
    "m_absa_multilingual": ("unclear (no licence upstream)", False),
    "semeval2015_absa_en": ("unclear (SemEval terms)", False),
    "absita2018_it": ("CC BY-NC-SA 3.0 IT", False),
    "banking77_en": ("CC BY 4.0", True),
    "emoevent_es_en": ("unclear (no licence upstream)", False),
}


@dataclass(frozen=True)
class Distillation:
    """Teacher targets for the mix's training rows, and extra teacher-labelled texts."""

    train_probs: np.ndarray  # (training rows of the mix, 3), in mix order
    extra_vectors: np.ndarray
    extra_probs: np.ndarray
    training_data: list[dict[str, Any]]  # manifest entries of the extra texts and the teacher
    alpha: float = ALPHA

    def training_set(
        self, x: np.ndarray, y: np.ndarray, row_weights: np.ndarray
    ) -> tuple[np.ndarray, Targets]:
        """Vectors and soft targets: the mix's rows blended with the teacher, then the extras."""
        blended = self.alpha * np.eye(3)[y] + (1 - self.alpha) * self.train_probs
        weights = np.concatenate([row_weights, np.ones(len(self.extra_probs))])
        target = Targets(
            np.concatenate([blended, self.extra_probs]).astype(np.float32),
            False,
            np.ones(3, dtype=np.float32),
            row_weights=weights.astype(np.float32),
        )
        return np.concatenate([x, self.extra_vectors]), target


def _teacher_probs(teacher: Any, path: Path, task: str, texts: list[str]) -> np.ndarray:
    key = f"{task}:sentiment"
    if key not in teacher.files:
        raise ConfigError(f"Teacher file {path} has no {task!r} texts; regenerate it.")
    stored, digest = bytes(teacher[f"{task}:digest"]).decode(), texts_digest(texts)
    if stored != digest:
        raise ConfigError(
            f"Teacher file {path} was made from other {task} texts (digest {stored}, these "
            f"{len(texts)} texts: {digest}); use the same --data and --max-rows as its pack, "
            "or regenerate it (models/distillation/README.md)."
        )
    probs: np.ndarray = teacher[key].astype(np.float64)
    return probs


def _entries(rows: list[LabelledText], path: Path, teacher_rows: int) -> list[dict[str, Any]]:
    entries = []
    for name, count in Counter(row.source for row in rows).items():
        source = EMOTION_SOURCES.get(name)
        licence, commercial = (
            (source.license, source.commercial_use) if source else UNLABELLED_LICENCES[name]
        )
        entries.append(
            {
                "name": f"{name} (texts only, teacher labels)",
                "path": source.path if source else name,
                "license": licence,
                "rows": count,
                "commercial_use": commercial,
            }
        )
    entries.append(
        {
            "name": "teacher probabilities",
            "path": _display(path),
            "license": "derived from the sentiment mix above (its licences apply)",
            "rows": teacher_rows,
            "commercial_use": False,
        }
    )
    return entries


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def load_distillation(
    path: Path,
    mix: list[LabelledText],
    *,
    data_dir: Path,
    encoder: Encoder,
    cache_dir: Path,
    max_rows: int = 0,
) -> Distillation:
    """Read the teacher file for ``mix`` (the sentiment mix, all splits, in order).

    Raises:
        ConfigError: The file is missing or was made from other texts.
    """
    if not path.is_file():
        raise ConfigError(f"Teacher file {path} not found (see models/distillation/README.md).")
    with np.load(path) as teacher:
        mix_probs = _teacher_probs(teacher, path, "sentiment", [r.text for r in mix])
        emotion = load_rows("emotion", data_dir, max_rows=max_rows)
        emotion_probs = _teacher_probs(teacher, path, "emotion", [r.text for r in emotion])
        unlabelled = cap_rows(load_unlabelled(data_dir, [*mix, *emotion]), max_rows, seed=0)
        texts = [r.text for r in unlabelled]
        unlabelled_probs = _teacher_probs(teacher, path, UNLABELLED, texts)
    keep = np.array([r.split == TRAIN for r in emotion], dtype=bool)
    emotion_train = [r for r, k in zip(emotion, keep, strict=True) if k]
    vectors = [
        embed_cached(encoder, [r.text for r in part], dataset=name, cache_dir=cache_dir)
        for name, part in (("teacher-emotion", emotion_train), ("teacher-unlabelled", unlabelled))
    ]
    train = np.array([r.split == TRAIN for r in mix], dtype=bool)
    extra = [*emotion_train, *unlabelled]
    logger.info("distillation: %d extra teacher-labelled texts", len(extra))
    return Distillation(
        train_probs=mix_probs[train],
        extra_vectors=np.concatenate(vectors),
        extra_probs=np.concatenate([emotion_probs[keep], unlabelled_probs]),
        training_data=_entries(extra, path, len(mix) + len(emotion) + len(unlabelled)),
    )


def distillation_note(distillation: Distillation) -> str:
    """The model card's line on how the head was distilled."""
    return (
        f"- Distilled: gold labels blended with the teacher's probabilities "
        f"({distillation.alpha:.0%} gold) on the mix, plus {len(distillation.extra_probs)} "
        "teacher-labelled texts (see Training data). The head inherits the teacher's errors "
        "as well as its knowledge."
    )
