"""Document sentiment through a profile's pipeline: how the document is scored, and the blend.

Run: ``.venv/bin/python benchmarks/sentiment_documents.py --profile fast``

Runs the profile's whole pipeline (sentences, encoder, heads) once over two validation sets,
UMSAB tweets of the six target languages and Amazon.it star reviews, and scores each document
several ways from the same run, with the profile's sentiment head and ``sentiment-lexical-v1``:

- ``sentence mean``: sentence probabilities averaged, weighted by length (the old default);
- ``pooled``: the head on the document vector pooled from the sentence vectors;
- ``pooled + lexical w``: that, blended with the lexical model on the whole text.

Prints macro-F1 (six-language mean for UMSAB) and expected calibration error for each.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from models import SIX, amazon_val, sentiment_val

WEIGHTS = (0.1, 0.2, 0.3, 0.4)


def _score(probs: np.ndarray, y: np.ndarray, languages: np.ndarray) -> tuple[float, float]:
    from cx_nlp.training.metrics import expected_calibration_error, macro_f1

    pred = probs.argmax(axis=1)
    per_language = [
        macro_f1(y[languages == code], pred[languages == code], 3)
        for code in SIX
        if (languages == code).any()
    ]
    return float(np.mean(per_language)), expected_calibration_error(probs, y)


def run(profile: str) -> None:
    """Print every scoring variant for both validation sets."""
    import cx_nlp
    from cx_nlp.analyzers.sentiment import SentimentAnalyzer
    from cx_nlp.config import PROJECT_ROOT
    from cx_nlp.lexical import LexicalModel, blend
    from cx_nlp.schema import SentimentLabel

    pipeline = cx_nlp.load(profile)
    analyzer = next(a for a in pipeline.analyzers if a.name == "sentiment")
    if not isinstance(analyzer, SentimentAnalyzer):
        raise SystemExit(f"profile {profile!r} has no head-backed sentiment analyzer")
    analyzer.lexical = None
    analyzer.config = analyzer.config.model_copy(update={"document": "length_weighted_mean"})
    lexical = LexicalModel.load(PROJECT_ROOT / "models" / "sentiment-lexical-v1")
    umsab_texts, umsab_y, umsab_languages = sentiment_val()
    amazon_texts, amazon_y = amazon_val()
    sets = {
        "umsab (6-language mean)": (umsab_texts, umsab_y, umsab_languages),
        "amazon_it": (amazon_texts, amazon_y, ["it"] * len(amazon_texts)),
    }
    for name, (texts, y, languages) in sets.items():
        started = time.perf_counter()
        items = [{"id": str(i), "text": t, "language": code} for i, (t, code) in
                 enumerate(zip(texts, languages, strict=True))]  # fmt: skip
        docs = pipeline.analyze(items)
        sentence_mean = np.array([sentence_probabilities(d, SentimentLabel) for d in docs])
        pooled = analyzer.head.predict_proba(np.stack([pooled_vector(d) for d in docs]))
        whole = lexical.predict_proba([d.text for d in docs])
        variants = {"sentence mean": sentence_mean, "pooled": pooled}
        variants |= {f"pooled + lexical w={w}": blend(pooled, whole, w) for w in WEIGHTS}
        langs = np.asarray(languages)
        print(f"{profile} {name}: {len(docs)} docs, {time.perf_counter() - started:.0f} s")
        for label, probs in variants.items():
            f1, ece = _score(probs, y, langs)
            print(f"  {label:26s} macro-F1 {f1:.4f}  ECE {ece:.4f}")


def sentence_probabilities(doc: Any, labels: Any) -> list[float]:
    """The doc's sentiment probabilities in label order (as the pipeline scored it)."""
    return [doc.sentiment.probabilities[label] for label in labels]


def pooled_vector(doc: Any) -> np.ndarray:
    """The doc's pooled vector (set by the encoder analyzer)."""
    embeddings = getattr(doc, "embeddings", None)
    if embeddings is None or embeddings.document is None:
        raise SystemExit("the encoder analyzer set no pooled document vector")
    return np.asarray(embeddings.document)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="fast", help="fast, accurate or a TOML path")
    run(parser.parse_args().profile)


if __name__ == "__main__":
    main()
