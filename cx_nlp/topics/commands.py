"""``cx-nlp topics fit|show``: fit a topic model on a feedback file, list its topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cx_nlp.errors import CxNlpError

if TYPE_CHECKING:
    from cx_nlp.topics.artifact import TopicsManifest

topics_app = typer.Typer(
    help="Fit corpus-level topic models (BERTopic on the shared embeddings) and show them.",
    no_args_is_help=True,
)


def _nr_topics(value: str) -> int | str | None:
    if value == "auto":
        return "auto"
    if value == "none":
        return None
    if not value.isdigit() or int(value) < 2:
        raise typer.BadParameter("use 'auto', 'none' or an integer >= 2")
    return int(value)


@topics_app.command("fit")
def fit_command(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="CSV, TSV, JSONL, Parquet or XLSX.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")],
    text_column: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    nr_topics: Annotated[
        str, typer.Option(help="'none' (keep HDBSCAN's clusters), 'auto' (merge similar) or N.")
    ] = "none",
    min_topic_size: Annotated[int, typer.Option(min=2, help="Smallest topic kept.")] = 15,
    seed: Annotated[int, typer.Option(help="Seed of the reducer (same seed, same topics).")] = 42,
    reducer: Annotated[str, typer.Option(help="umap or pca.")] = "umap",
    max_cluster_rows: Annotated[
        int | None,
        typer.Option(
            min=100,
            help="Reduce and cluster a seeded sample of this many texts (then assign all); "
            "for corpora above ~20,000 texts on a small machine.",
        ),
    ] = None,
    profile: Annotated[
        str, typer.Option("--profile", "-p", help="Profile whose encoder embeds the texts.")
    ] = "fast",
) -> None:
    """Fit topics on a feedback file, encoding each text once with the profile's encoder.

    Example: cx-nlp topics fit data_samples/feedback.csv -o models/topics/feedback-usem3-v1
    """
    if reducer not in ("umap", "pca"):
        raise typer.BadParameter("use 'umap' or 'pca'", param_hint="--reducer")
    try:
        manifest, rejected = _fit_file(
            input_path, output, text_column=text_column, profile=profile,
            nr_topics=_nr_topics(nr_topics), min_topic_size=min_topic_size, seed=seed,
            reducer=reducer, max_cluster_rows=max_cluster_rows,
        )  # fmt: skip
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"{manifest.n_topics} topics, outliers {manifest.outlier_share:.1%}, "
        f"{manifest.rows} texts ({rejected} rejected) -> {output}",
        err=True,
    )


@topics_app.command("show")
def show_command(
    model: Annotated[Path, typer.Argument(help="A topic model folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List a topic model's topics: id, size, label and keywords.

    Example: cx-nlp topics show models/topics/feedback-usem3-v1
    """
    from cx_nlp.topics.artifact import read_topics_manifest, topic_table

    try:
        read_topics_manifest(model)
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    rows = topic_table(model)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{'id':>4} {'size':>6}  {'label':40} keywords")
    for row in rows:
        keywords = ", ".join(row["keywords"][:8])
        typer.echo(f"{row['id']:>4} {row['size']:>6}  {row['label'][:40]:40} {keywords}")


def _fit_file(
    input_path: Path,
    output: Path,
    *,
    text_column: str,
    profile: str,
    nr_topics: int | str | None,
    min_topic_size: int,
    seed: int,
    reducer: str,
    max_cluster_rows: int | None = None,
) -> tuple[TopicsManifest, int]:
    from cx_nlp.config import get_settings
    from cx_nlp.topics.corpus import encode_file
    from cx_nlp.topics.export import save_topics
    from cx_nlp.topics.fit import TopicFitOptions, fit_topics
    from cx_nlp.topics.metrics import topic_metrics

    corpus = encode_file(
        input_path, text_column=text_column, profile=profile, settings=get_settings()
    )
    options = TopicFitOptions.model_validate(
        {"reducer": reducer, "nr_topics": nr_topics, "max_cluster_rows": max_cluster_rows}
    )
    fitted = fit_topics(
        corpus.texts, corpus.vectors, languages=corpus.languages, nr_topics=options.nr_topics,
        min_topic_size=min_topic_size, seed=seed, options=options,
    )  # fmt: skip
    metrics = topic_metrics(fitted, corpus.texts, corpus.languages)
    manifest = save_topics(
        fitted, output, encoder=corpus.encoder, corpus=input_path.name, metrics=metrics
    )
    return manifest, corpus.rejected
