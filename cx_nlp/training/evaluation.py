"""Score trained heads: on a labelled file (``cx-nlp evaluate``) or on embedded rows.

:func:`evaluate_head` and :func:`compare_models` put a shipped head and a retrained one
side by side on the same validation rows (the notebooks' comparison).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.analyzers.sentiment_transformers import TRANSFORMERS_ARCHITECTURE, SequenceClassifier
from cx_nlp.artifacts import load_manifest
from cx_nlp.encoders.base import load_encoder
from cx_nlp.errors import ConfigError
from cx_nlp.heads import TASK_LABELS, Head
from cx_nlp.lexical import FEATURISER, LexicalModel
from cx_nlp.schema import Doc, SentimentLabel
from cx_nlp.training.data import LabelledText, check_labels, read_labelled_file
from cx_nlp.training.metrics import apply_thresholds, multi_label_report, single_label_report


def evaluate_file(model_dir: Path, path: Path, *, num_threads: int | None = None) -> dict[str, Any]:
    """Macro-F1 per language and overall of the head in ``model_dir`` on ``path``.

    Args:
        model_dir: A model directory: a head, a lexical model (:mod:`cx_nlp.lexical`), or a
            fine-tuned transformers checkpoint.
        path: CSV/JSONL with ``text``, ``label`` and optional ``language`` columns.
        num_threads: Encoder threads.

    Returns:
        The report (``macro_f1``, ``macro_f1_per_language``, ``f1_per_label``, ``rows``).

    Raises:
        ModelLoadError: The model or its encoder cannot be loaded.
        FileInputError: The file is unreadable or holds labels the head does not know.
    """
    manifest = load_manifest(model_dir)
    rows = read_labelled_file(path)
    if manifest.architecture.type == TRANSFORMERS_ARCHITECTURE:
        classifier = SequenceClassifier.load(model_dir, task=manifest.task, num_threads=num_threads)
        check_labels(rows, set(classifier.labels), source=str(path))
        return _text_model_report(classifier, rows)
    if manifest.encoder.name == FEATURISER:
        lexical = LexicalModel.load(model_dir, task=manifest.task)
        check_labels(rows, set(lexical.labels), source=str(path))
        return _text_model_report(lexical, rows)
    encoder = load_encoder(manifest.encoder.name, num_threads=num_threads)
    head = Head.load(model_dir, encoder=encoder)
    check_labels(rows, set(head.labels), source=str(path))
    probs = head.predict_proba(encoder.encode([r.text for r in rows]))
    return _report(head, probs, rows, [r.language for r in rows])


def _text_model_report(
    model: SequenceClassifier | LexicalModel, rows: list[LabelledText]
) -> dict[str, Any]:
    """Report of a softmax model that reads the texts itself."""
    probs = model.predict_proba([r.text for r in rows])
    y = np.array([model.labels.index(r.labels[0]) for r in rows], dtype=np.int64)
    return single_label_report(probs, y, [r.language for r in rows], model.labels)


def evaluate_profile(profile: str, path: Path) -> dict[str, Any]:
    """Macro-F1 per language and overall of a profile's document sentiment on ``path``.

    Every text goes through the whole pipeline (sentences, encoder, heads, any lexical
    blend), as ``cx-nlp score`` would score it; a ``language`` column is passed as the hint.

    Raises:
        ConfigError: The profile cannot be loaded or has no sentiment analyzer.
        FileInputError: The file is unreadable or holds non-sentiment labels.
    """
    from cx_nlp.pipeline import load

    labels = TASK_LABELS["sentiment"]
    rows = read_labelled_file(path)
    check_labels(rows, set(labels), source=str(path))
    pipeline = load(profile)
    if "sentiment" not in pipeline.names:
        raise ConfigError(f"Profile {profile!r} has no sentiment analyzer to evaluate.")
    items = [
        {"id": str(i), "text": r.text, **({"language": r.language} if r.language != "und" else {})}
        for i, r in enumerate(rows, 1)
    ]
    probs = np.array([_sentiment_row(doc, labels) for doc in pipeline.analyze(items)])
    y = np.array([labels.index(r.labels[0]) for r in rows], dtype=np.int64)
    return single_label_report(probs, y, [r.language for r in rows], labels)


def _sentiment_row(doc: Doc, labels: tuple[str, ...]) -> list[float]:
    if doc.sentiment is None:
        raise ConfigError(f"Row {doc.id}: the profile set no sentiment; check its analyzers.")
    return [doc.sentiment.probabilities[SentimentLabel(label)] for label in labels]


def _report(
    head: Head, probs: np.ndarray, rows: list[LabelledText], languages: list[str]
) -> dict[str, Any]:
    if head.activation == "softmax":
        y = np.array([head.labels.index(r.labels[0]) for r in rows], dtype=np.int64)
        return single_label_report(probs, y, languages, head.labels)
    y = np.array([[label in r.labels for label in head.labels] for r in rows], dtype=np.int64)
    pred = apply_thresholds(probs, head.thresholds, head.labels)
    return multi_label_report(pred, y, languages, head.labels)


def evaluate_head(
    model_dir: Path, rows: list[LabelledText], vectors: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Per-source reports of the head in ``model_dir`` on already embedded ``rows``.

    Args:
        model_dir: A model directory whose encoder produced ``vectors``.
        rows: Labelled rows (their ``source`` groups the report).
        vectors: Their embeddings, one row each.

    Raises:
        ModelLoadError: The model cannot be loaded.
        FileInputError: A row holds a label the head does not know.
    """
    manifest = load_manifest(model_dir)
    head = Head.load(model_dir, encoder=(manifest.encoder.name, manifest.encoder.dim))
    check_labels(rows, set(head.labels), source=str(model_dir))
    probs = head.predict_proba(vectors)
    out: dict[str, dict[str, Any]] = {}
    for source in sorted({r.source for r in rows}):
        idx = [i for i, r in enumerate(rows) if r.source == source]
        picked = [rows[i] for i in idx]
        out[source] = _report(head, probs[idx], picked, [r.language for r in picked])
    return out


def compare_models(
    model_dirs: dict[str, Path], rows: list[LabelledText], vectors: np.ndarray
) -> list[dict[str, Any]]:
    """One record per model, source and language (``all`` too): macro-F1 on the same rows.

    Args:
        model_dirs: Display name -> model directory, e.g. ``{"shipped": ..., "retrained": ...}``.
        rows: Validation rows.
        vectors: Their embeddings.

    Returns:
        Records ``{"model", "source", "language", "macro_f1", "rows"}``, ready for a table.
    """
    records: list[dict[str, Any]] = []
    for name, model_dir in model_dirs.items():
        for source, report in evaluate_head(model_dir, rows, vectors).items():
            langs = Counter(r.language for r in rows if r.source == source)
            for language, f1 in report["macro_f1_per_language"].items():
                records.append(
                    {"model": name, "source": source, "language": language, "macro_f1": f1,
                     "rows": langs[language]}
                )  # fmt: skip
            records.append(
                {"model": name, "source": source, "language": "all",
                 "macro_f1": report["macro_f1"], "rows": report["rows"]}
            )  # fmt: skip
    return records
