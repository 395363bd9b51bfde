"""Render ``MODEL_CARD.md`` for a trained head from its manifest fields and metrics."""

from __future__ import annotations

from typing import Any

from cx_nlp.training.emotion_data import GOEMOTIONS_TO_PLUTCHIK

_PURPOSE = {
    "sentiment": "three-way polarity (negative / neutral / positive) of a sentence or short "
    "document of customer feedback",
    "emotion": "Plutchik's eight basic emotions, multi-label (each label has its own "
    "probability and threshold)",
}


def _table(rows: list[list[str]]) -> str:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def _evaluation(metrics: dict[str, Any]) -> str:
    parts = []
    for source, rep in metrics.items():
        if not isinstance(rep, dict) or "macro_f1_per_language" not in rep:
            continue
        rows = [["language", "macro-F1"]]
        rows += [[lang, f"{f1:.3f}"] for lang, f1 in rep["macro_f1_per_language"].items()]
        rows.append(["**all**", f"**{rep['macro_f1']:.3f}**"])
        extra = f"; ECE {rep['ece']:.3f}" if "ece" in rep else ""
        labels = ", ".join(f"{k} {v:.2f}" for k, v in rep["f1_per_label"].items())
        parts.append(
            f"**{source}** validation split ({rep['rows']} rows{extra})\n\n"
            f"{_table(rows)}\n\nPer-label F1: {labels}."
        )
    return "\n\n".join(parts)


def _goemotions_table() -> str:
    rows = [["GoEmotions label", "Plutchik label(s)"]]
    rows += [
        [k, ", ".join(e.value for e in v) or "(none)"] for k, v in GOEMOTIONS_TO_PLUTCHIK.items()
    ]
    return _table(rows)


def _data_section(fields: dict[str, Any]) -> str:
    rows = [["set", "path", "licence", "train rows", "commercial use"]]
    rows += [
        [
            d["name"],
            f"`{d['path']}`",
            d["license"],
            str(d["rows"]),
            "yes" if d["commercial_use"] else "no",
        ]
        for d in fields["training_data"]
    ]
    if any(d["name"] == "goemotions" for d in fields["training_data"]):
        return (
            f"{_table(rows)}\n\nGoEmotions' 27 labels are mapped onto Plutchik's eight "
            f"as follows:\n\n{_goemotions_table()}"
        )
    return _table(rows)


def _labels_section(fields: dict[str, Any]) -> str:
    thresholds = fields.get("thresholds") or {}
    if thresholds:
        rows = [["label", "threshold"]] + [[x, f"{thresholds[x]:.3f}"] for x in fields["labels"]]
        return (
            f"Head order and per-label decision thresholds (tuned on validation):\n\n{_table(rows)}"
        )
    rows = [["label"]] + [[x] for x in fields["labels"]]
    return f"Head order; softmax outputs (the label is the arg-max):\n\n{_table(rows)}"


def _summary(fields: dict[str, Any]) -> str:
    arch = fields["architecture"]
    shape = "linear" if arch["type"] == "linear" else f"MLP {arch['hidden']} ({arch['activation']})"
    licence = (
        "Trained only on permissively licensed data: commercial use allowed."
        if fields["commercial_use"]
        else "**Non-commercial / research use only**: at least one training set is "
        "non-commercial or has no clear licence."
    )
    encoder = fields["encoder"]
    return (
        f"A {shape} head ({fields['activation']}) predicting "
        f"{_PURPOSE.get(fields['task'], fields['task'])}, on top of the frozen "
        f"`{encoder['name']}` sentence encoder ({encoder['dim']}-d, `{encoder['version']}`). "
        f"Inference is numpy only. {licence}"
    )


_INTENDED = (
    "Intended: scoring customer feedback (reviews, survey answers, social posts, chats) one "
    "sentence or short document at a time, inside the cx-nlp pipeline, for aggregate analysis. "
    "Out of scope: decisions about individual people, clinical or safety-critical use, long "
    "documents without sentence splitting, languages the encoder does not cover."
)
_LIMITATIONS = (
    "- Tweets, subtitles and product reviews are not customer-service text; expect a domain gap.\n"
    "- Projected (machine-aligned) emotion labels are silver data; sarcasm and irony are hard.\n"
    "- Label noise: star ratings are the reviewer's, not an annotator's."
)
_EVALUATION = (
    "Validation splits only (the test splits are withheld by the maintainers); the numbers "
    "were also used for early stopping and calibration, so they are slightly optimistic."
)


def render_card(
    fields: dict[str, Any],
    *,
    command: str,
    seconds: float,
    notes: str = "",
    summary: str | None = None,
) -> str:
    """The model card text.

    Args:
        fields: Manifest fields (name, task, labels, encoder, training_data, metrics, ...).
        command: The exact command that reproduces the head.
        seconds: Wall-clock training time (embedding included).
        notes: Extra measured findings to record under Limitations.
        summary: The Summary section; default: a head on a frozen encoder.
    """
    sections = [
        ("Summary", summary or _summary(fields)),
        ("Intended use / out of scope", _INTENDED),
        (
            "Languages",
            f"Trained on: {', '.join(fields['languages'])}. Other languages of the "
            "encoder work zero-shot, with lower quality.",
        ),
        ("Labels", _labels_section(fields)),
        ("Training data", _data_section(fields)),
        ("Evaluation", f"{_EVALUATION}\n\n{_evaluation(fields['metrics'])}"),
        ("Limitations and bias", f"{_LIMITATIONS}\n{notes}".rstrip()),
        (
            "How to reproduce",
            f"```\n{command}\n```\nTraining took {seconds / 60:.1f} minutes "
            "on 2 CPU cores, including any embedding not already in `.cache/embeddings/`.",
        ),
    ]
    body = "\n\n".join(f"## {title}\n{text}" for title, text in sections)
    return f"# {fields['name']}\n\n{body}\n"
