"""Train the hashed n-gram sentiment model of :mod:`cx_nlp.lexical` and measure its blend.

``cx-nlp train sentiment-lexical -o models/sentiment-lexical-v1 --blend-with
models/sentiment-usem3-v2`` fits a class-balanced logistic regression on the gold labels of
the standard sentiment mix (the head's own training rows, leaks dropped), reports it on
validation alone, and, given a head, reports the blend ``(1 - w) * log p_head + w * log
p_lexical`` for each weight in :data:`BLEND_WEIGHTS`, naming the best one on the head's
selection sets (UMSAB and Amazon.it: mean over languages of macro-F1). The profile sets the
weight (``lexical_weight`` of the ``sentiment`` analyzer).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.artifacts import CARD_FILE, load_manifest
from cx_nlp.encoders.base import load_encoder
from cx_nlp.heads import TASK_LABELS, WEIGHTS_FILE, Head, softmax
from cx_nlp.lexical import FEATURISER, FEATURISER_VERSION, N_FEATURES, blend, hashed_ngrams
from cx_nlp.training.cache import DEFAULT_CACHE_DIR, embed_cached
from cx_nlp.training.data import TRAIN, LabelledText
from cx_nlp.training.metrics import macro_f1, single_label_report
from cx_nlp.training.recipes import cap_rows, drop_leaks, targets
from cx_nlp.training.release import TrainRequest, resolve_sources, training_data_entries
from cx_nlp.training.sources import DataSource
from cx_nlp.training.versions import parse_model_name

logger = logging.getLogger(__name__)

BLEND_WEIGHTS = (0.2, 0.3, 0.4, 0.5)
DEFAULT_C = 16.0  # inverse L2 strength; 16 beat 1 and 4 on validation (benchmarks/README.md)


@dataclass(frozen=True)
class LexicalRequest:
    """What to train: output folder, data, the head to blend with, and the seed."""

    out_dir: Path
    data: Path | None = None
    blend_with: Path | None = None
    c: float = DEFAULT_C
    max_rows: int = 0
    seed: int = 0
    command: str = ""


@dataclass
class LexicalOutcome:
    """Weights in torch ``Linear`` layout, validation reports and the manifest fields."""

    weight: np.ndarray
    bias: np.ndarray
    metrics: dict[str, Any]
    fields: dict[str, Any]


def load_rows(
    request: LexicalRequest,
) -> tuple[list[LabelledText], list[DataSource], tuple[str, ...]]:
    """The standard sentiment mix's rows (train and validation, leaks dropped), its sources
    and the head's selection sets."""
    as_head = TrainRequest(task="sentiment", out_dir=request.out_dir, data=request.data)
    sources, data_dir, select_on = resolve_sources(as_head)
    rows: list[LabelledText] = []
    for source in sources:
        rows += cap_rows(source.load(data_dir), request.max_rows, seed=request.seed)
    return drop_leaks(rows), sources, select_on


def fit_lexical(texts: list[str], y: np.ndarray, *, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced multinomial logistic regression on :func:`hashed_ngrams`."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    model.fit(hashed_ngrams(texts), y)
    return model.coef_.astype(np.float32), model.intercept_.astype(np.float32)


def lexical_probs(weight: np.ndarray, bias: np.ndarray, texts: list[str]) -> np.ndarray:
    """Softmax probabilities of the fitted model on ``texts``."""
    return softmax(np.asarray(hashed_ngrams(texts) @ weight.T) + bias)


def selection_score(
    probs: np.ndarray, y: np.ndarray, rows: list[LabelledText], select_on: tuple[str, ...]
) -> float:
    """Mean over ``select_on`` sources of the mean macro-F1 over each one's languages."""
    pred = probs.argmax(axis=1)
    keys = [(r.source, r.language) for r in rows]
    per_source = []
    for source in select_on:
        langs = sorted({lang for s, lang in keys if s == source})
        scores = []
        for lang in langs:
            idx = np.array([i for i, k in enumerate(keys) if k == (source, lang)])
            scores.append(macro_f1(y[idx], pred[idx], len(TASK_LABELS["sentiment"])))
        if scores:
            per_source.append(float(np.mean(scores)))
    return float(np.mean(per_source)) if per_source else 0.0


def reports(probs: np.ndarray, y: np.ndarray, rows: list[LabelledText]) -> dict[str, Any]:
    """Per-source validation reports, as on the heads' cards."""
    labels = TASK_LABELS["sentiment"]
    out = {}
    for source in sorted({r.source for r in rows}):
        idx = np.array([i for i, r in enumerate(rows) if r.source == source])
        out[source] = single_label_report(
            probs[idx], y[idx], [rows[i].language for i in idx], labels
        )
    return out


def blend_metrics(
    head_dir: Path,
    val: list[LabelledText],
    y_val: np.ndarray,
    lexical: np.ndarray,
    select_on: tuple[str, ...],
    cache_dir: Path,
) -> dict[str, Any]:
    """The head alone and blended at each of :data:`BLEND_WEIGHTS`, on validation."""
    encoder = load_encoder(load_manifest(head_dir).encoder.name)
    head = Head.load(head_dir, encoder=encoder, task="sentiment")
    vectors = embed_cached(
        encoder, [r.text for r in val], dataset="sentiment-val", cache_dir=cache_dir
    )
    head_probs = head.predict_proba(vectors)
    table = {"0.0": selection_score(head_probs, y_val, val, select_on)}
    for weight in BLEND_WEIGHTS:
        probs = blend(head_probs, lexical, weight)
        table[str(weight)] = selection_score(probs, y_val, val, select_on)
    best = max(BLEND_WEIGHTS, key=lambda w: table[str(w)])
    return {
        "head": head_dir.name,
        "selection_score_by_weight": {k: round(v, 4) for k, v in table.items()},
        "best_weight": best,
        "head_alone": reports(head_probs, y_val, val),
        "blended": reports(blend(head_probs, lexical, best), y_val, val),
    }


def train_lexical(
    request: LexicalRequest, *, cache_dir: Path = DEFAULT_CACHE_DIR
) -> LexicalOutcome:
    """Fit, evaluate (alone and blended) and describe a lexical sentiment model."""
    started = time.perf_counter()
    rows, sources, select_on = load_rows(request)
    train = [r for r in rows if r.split == TRAIN]
    val = [r for r in rows if r.split != TRAIN]
    weight, bias = fit_lexical([r.text for r in train], targets("sentiment", train), c=request.c)
    y_val = targets("sentiment", val)
    probs = lexical_probs(weight, bias, [r.text for r in val])
    metrics: dict[str, Any] = {**reports(probs, y_val, val), "C": request.c}
    if request.blend_with is not None:
        metrics["blend"] = blend_metrics(
            request.blend_with, val, y_val, probs, select_on, cache_dir
        )
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    counts = {s.name: sum(r.source == s.name for r in train) for s in sources}
    fields = {
        "name": request.out_dir.name,
        "version": parse_model_name(request.out_dir.name)[1] or 1,
        "task": "sentiment",
        "labels": list(TASK_LABELS["sentiment"]),
        "activation": "softmax",
        "thresholds": {},
        "encoder": {"name": FEATURISER, "version": FEATURISER_VERSION, "dim": N_FEATURES},
        "architecture": {"type": "linear"},
        "languages": sorted({r.language for r in train}),
        "metrics": metrics,
        "training_data": training_data_entries(sources, counts),
        "commercial_use": all(s.commercial_use for s in sources),
    }
    return LexicalOutcome(weight, bias, metrics, fields)


def _blend_notes(blend_report: dict[str, Any]) -> str:
    by_weight = ", ".join(
        f"w={w}: {s:.3f}" for w, s in blend_report["selection_score_by_weight"].items()
    )
    lines = [
        f"- Blended with `{blend_report['head']}` as `(1 - w) log p_head + w log p_lexical`; "
        f"selection score (mean over UMSAB and Amazon.it of the mean macro-F1 over languages) "
        f"by weight: {by_weight}. Best: w={blend_report['best_weight']}.",
    ]
    for source, blended in blend_report["blended"].items():
        alone = blend_report["head_alone"][source]
        lines.append(
            f"- {source}: head alone {alone['macro_f1']:.3f} (ECE {alone['ece']:.3f}), blended "
            f"{blended['macro_f1']:.3f} (ECE {blended['ece']:.3f}); per language "
            f"{blended['macro_f1_per_language']}."
        )
    return "\n".join(lines)


_SUMMARY = (
    "A linear (multinomial logistic regression) sentiment model on hashed word unigrams and "
    "bigrams (`{featuriser}`, {dim} buckets; emoji count as words), meant to be "
    "blended with an embedding head (`lexical` and `lexical_weight` options of the `sentiment` "
    "analyzer). It keeps words, negations and emoji that a sentence vector smooths away. "
    "Inference is numpy + scikit-learn's HashingVectorizer. {licence}"
)


_ALONE_NOTE = (
    "- A blend component, not a model to run alone: by itself it is weak outside the "
    "Italian reviews that are most of its data (see Evaluation). Words it never saw in "
    "training carry no weight, so in other languages the blend follows the head."
)


def export_lexical(request: LexicalRequest, outcome: LexicalOutcome) -> Path:
    """Write ``head.safetensors``, ``MODEL_CARD.md`` and ``manifest.json``."""
    from cx_nlp.training.card import render_card
    from cx_nlp.training.export import write_manifest, write_weights
    from cx_nlp.training.versions import ensure_new_model_dir

    fields = outcome.fields
    ensure_new_model_dir(request.out_dir)
    request.out_dir.mkdir(parents=True, exist_ok=True)
    write_weights(request.out_dir / WEIGHTS_FILE, [(outcome.weight, outcome.bias)])
    licence = (
        "Commercial use allowed."
        if fields["commercial_use"]
        else "**Non-commercial / research use only**: at least one training set is "
        "non-commercial or has no clear licence."
    )
    summary = _SUMMARY.format(featuriser=FEATURISER_VERSION, dim=N_FEATURES, licence=licence)
    blend_report = outcome.metrics.get("blend")
    notes = _ALONE_NOTE + ("\n" + _blend_notes(blend_report) if blend_report else "")
    card = render_card(
        fields,
        command=request.command,
        seconds=outcome.metrics["train_seconds"],
        notes=notes,
        summary=summary,
    )
    (request.out_dir / CARD_FILE).write_text(card, encoding="utf-8")
    write_manifest(request.out_dir, fields, files=[WEIGHTS_FILE])
    return request.out_dir
