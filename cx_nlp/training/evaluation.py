"""Score a trained head on a labelled file (the ``cx-nlp evaluate`` command)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.artifacts import load_manifest
from cx_nlp.encoders.base import load_encoder
from cx_nlp.heads import Head
from cx_nlp.training.data import check_labels, read_labelled_file
from cx_nlp.training.metrics import apply_thresholds, multi_label_report, single_label_report


def evaluate_file(model_dir: Path, path: Path, *, num_threads: int | None = None) -> dict[str, Any]:
    """Macro-F1 per language and overall of the head in ``model_dir`` on ``path``.

    Args:
        model_dir: A model directory (manifest + weights).
        path: CSV/JSONL with ``text``, ``label`` and optional ``language`` columns.
        num_threads: Encoder threads.

    Returns:
        The report (``macro_f1``, ``macro_f1_per_language``, ``f1_per_label``, ``rows``).

    Raises:
        ModelLoadError: The model or its encoder cannot be loaded.
        FileInputError: The file is unreadable or holds labels the head does not know.
    """
    manifest = load_manifest(model_dir)
    encoder = load_encoder(manifest.encoder.name, num_threads=num_threads)
    head = Head.load(model_dir, encoder=encoder)
    rows = read_labelled_file(path)
    check_labels(rows, set(head.labels), source=str(path))
    probs = head.predict_proba(encoder.encode([r.text for r in rows]))
    languages = [r.language for r in rows]
    if head.activation == "softmax":
        y = np.array([head.labels.index(r.labels[0]) for r in rows], dtype=np.int64)
        return single_label_report(probs, y, languages, head.labels)
    y = np.array([[label in r.labels for label in head.labels] for r in rows], dtype=np.int64)
    pred = apply_thresholds(probs, head.thresholds, head.labels)
    return multi_label_report(pred, y, languages, head.labels)
