"""Macro-F1 of the shipped emotion heads on GoEmotions validation, mapped to Plutchik's eight.

Run: ``.venv/bin/python benchmarks/emotion_goemotions.py``

Each profile's emotion head with its tuned thresholds, on the 5,426 validation rows of
``goemotions`` (labels mapped as in ``cx_nlp.training.emotion_data``); vectors go through
the embedding cache. Note: GoEmotions' train split is in the ``e5-small-cx`` adapter's data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from cx_nlp.encoders.base import load_encoder
from cx_nlp.heads import Head
from cx_nlp.training.cache import embed_cached
from cx_nlp.training.data import DEFAULT_DATA_DIR
from cx_nlp.training.emotion_data import load_goemotions
from cx_nlp.training.metrics import apply_thresholds

ROOT = Path(__file__).resolve().parents[1]
HEADS = {"fast": ("usem3", "emotion-usem3-v1"),
         "accurate": ("usem3+e5-small-cx", "emotion-usem3-e5smallcx-v1")}  # fmt: skip


def main() -> None:
    rows = [r for r in load_goemotions(DEFAULT_DATA_DIR) if r.split == "val"]
    for profile, (spec, model) in HEADS.items():
        encoder = load_encoder(spec)
        head = Head.load(ROOT / "models" / model, encoder=encoder)
        vectors = embed_cached(encoder, [r.text for r in rows], dataset="goemotions-val")
        pred = apply_thresholds(head.predict_proba(vectors), head.thresholds, head.labels)
        y = np.array([[label in r.labels for label in head.labels] for r in rows])
        f1 = f1_score(y, pred, average="macro", zero_division=0)
        print(f"{profile}: {model} macro-F1 {f1:.4f} on {len(rows)} rows")


if __name__ == "__main__":
    main()
