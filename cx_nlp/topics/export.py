"""Write a fitted topic model folder: BERTopic safetensors files, manifest and model card."""

from __future__ import annotations

import json
import logging
import subprocess
from datetime import date
from pathlib import Path

from cx_nlp.artifacts import EncoderInfo, sha256_file
from cx_nlp.topics.artifact import (
    BERTOPIC_FILES,
    EXAMPLES_FILE,
    TOPICS_MANIFEST_FILE,
    TopicsManifest,
    topic_table,
)
from cx_nlp.topics.fit import FittedTopics

logger = logging.getLogger(__name__)

CARD_FILE = "MODEL_CARD.md"


def save_topics(
    fitted: FittedTopics,
    model_dir: Path,
    *,
    encoder: EncoderInfo,
    corpus: str,
    metrics: dict[str, float] | None = None,
) -> TopicsManifest:
    """Save ``fitted`` to ``model_dir`` with safetensors serialisation, manifest and card.

    Args:
        fitted: The result of :func:`cx_nlp.topics.fit.fit_topics`.
        model_dir: The folder to write (created; existing files are overwritten).
        encoder: The encoder whose vectors the model was fitted on.
        corpus: One line saying what the texts were.
        metrics: Quality figures to record (coherence, diversity, ...).

    Returns:
        The manifest written to ``model_dir/manifest.json``.
    """
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    vectorizer = fitted.model.vectorizer_model
    # scikit-learn >= 1.8 stores numpy ints in vocabulary_, which BERTopic's JSON dump rejects
    vectorizer.vocabulary_ = {word: int(index) for word, index in vectorizer.vocabulary_.items()}
    fitted.model.save(
        str(model_dir), serialization="safetensors", save_ctfidf=True, save_embedding_model=False
    )
    examples = {str(k): v for k, v in sorted(fitted.model.representative_docs_.items())}
    (model_dir / EXAMPLES_FILE).write_text(
        json.dumps(examples, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    manifest = _manifest(fitted, model_dir, encoder=encoder, corpus=corpus, metrics=metrics)
    (model_dir / TOPICS_MANIFEST_FILE).write_text(
        manifest.model_dump_json(indent=2) + "\n", encoding="utf-8"
    )
    (model_dir / CARD_FILE).write_text(model_card(manifest, model_dir), encoding="utf-8")
    logger.info("saved %d topics to %s", manifest.n_topics, model_dir)
    return manifest


def _manifest(
    fitted: FittedTopics,
    model_dir: Path,
    *,
    encoder: EncoderInfo,
    corpus: str,
    metrics: dict[str, float] | None,
) -> TopicsManifest:
    return TopicsManifest(
        name=model_dir.name,
        encoder=encoder,
        corpus=corpus,
        rows=len(fitted.topics),
        languages=fitted.languages,
        n_topics=fitted.n_topics,
        outlier_share=round(fitted.outlier_share, 4),
        outlier_threshold=fitted.outlier_threshold,
        temperature=fitted.options.temperature,
        options=fitted.options.model_dump(),
        metrics=metrics or {},
        source_commit=_source_commit(),
        created=date.today(),
        files={name: sha256_file(model_dir / name) for name in (*BERTOPIC_FILES, EXAMPLES_FILE)},
    )


def model_card(manifest: TopicsManifest, model_dir: Path) -> str:
    """A short MODEL_CARD.md: what it is, how it was fitted, its topics and figures."""
    rows = "\n".join(
        f"| {row['id']} | {row['size']} | {row['label']} | {', '.join(row['keywords'][:8])} |"
        for row in topic_table(model_dir)
    )
    metrics = "\n".join(f"- {key}: {value:.4f}" for key, value in manifest.metrics.items())
    return f"""# {manifest.name}

BERTopic topic model fitted on `{manifest.encoder.name}` sentence vectors
(dim {manifest.encoder.dim}); assigns each document (mean of its sentence vectors) to the
topic with the most similar vector, or to `-1 outlier` below cosine
{manifest.outlier_threshold:.3f}. Fit and use: see docs/topics.md.

- Corpus: {manifest.corpus} ({manifest.rows} texts; languages {", ".join(manifest.languages)})
- Topics: {manifest.n_topics}; outlier share after reduction: {manifest.outlier_share:.1%}
- Options: `{manifest.options}`
- Source commit: {manifest.source_commit}; created {manifest.created}

## Figures

{metrics or "- none recorded"}

## Topics

| id | size | label | keywords |
| --- | --- | --- | --- |
{rows}

## Limits

Topics describe this corpus only; refit on your own data (`cx-nlp topics fit`) rather
than reading these labels as a taxonomy. Keywords come from c-TF-IDF over lookup-lemmatised
tokens, so mixed-language topics list words of several languages.
"""


def _source_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"
