"""Synthetic corpora for the topic tests: four clear themes with clustered vectors."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from cx_nlp.artifacts import EncoderInfo
from cx_nlp.topics.export import save_topics
from cx_nlp.topics.fit import FittedTopics, TopicFitOptions, fit_topics

DIM = 32
# PCA instead of UMAP: same recipe, no numba compilation, so the fast tests stay fast.
FAST_OPTIONS = TopicFitOptions(reducer="pca")

THEMES: dict[str, list[str]] = {
    "delivery": [
        "the parcel delivery was late and the courier lost the package",
        "la consegna del pacco è arrivata in ritardo, corriere pessimo",
        "package delivery delayed again, courier never rang the bell",
    ],
    "billing": [
        "wrong invoice amount, charged twice on my bill",
        "fattura sbagliata, addebito doppio sulla bolletta",
        "the bill shows a double charge and the invoice is wrong",
    ],
    "staff": [
        "friendly staff at the store, the assistant was very helpful",
        "personale gentile in negozio, commessa molto disponibile",
        "helpful assistant and friendly staff in the shop",
    ],
    "app": [
        "the mobile app crashes at login and the update broke everything",
        "l'app si blocca al login, aggiornamento pessimo",
        "app login crash after the update, the app keeps freezing",
    ],
}


def synthetic_corpus(
    n: int = 300, *, dim: int = DIM, seed: int = 0
) -> tuple[list[str], np.ndarray, list[str], list[str]]:
    """``n`` texts cycling through the themes, their unit vectors, languages and themes."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(THEMES), dim))
    texts, languages, themes, rows = [], [], [], []
    for i in range(n):
        k = i % len(THEMES)
        theme = list(THEMES)[k]
        variant = THEMES[theme][(i // len(THEMES)) % 3]
        texts.append(f"{variant} #{i}")
        languages.append("it" if "è" in variant or variant.startswith(("l", "f", "p")) else "en")
        themes.append(theme)
        rows.append(centres[k] + 0.25 * rng.normal(size=dim))
    vectors = np.asarray(rows, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return texts, vectors, languages, themes


@lru_cache(maxsize=4)
def fitted_synthetic(seed: int = 1) -> FittedTopics:
    """One PCA-based fit of the synthetic corpus per seed, shared by the fast tests."""
    texts, vectors, languages, _ = synthetic_corpus()
    return fit_topics(
        texts, vectors, languages=languages, nr_topics=None, min_topic_size=10, seed=seed,
        options=FAST_OPTIONS,
    )  # fmt: skip


def saved_synthetic(root: Path) -> Path:
    """Save the seed-1 synthetic fit under ``root/topics-stub-v1`` and return the folder."""
    model_dir = root / "topics-stub-v1"
    save_topics(
        fitted_synthetic(),
        model_dir,
        encoder=EncoderInfo(name="stub", version="0", dim=DIM),
        corpus="synthetic themes",
    )
    return model_dir
