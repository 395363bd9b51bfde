"""The ``cx-nlp`` command line: a thin shell over ``cx_nlp.load`` and ``Pipeline.analyze``."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from cx_nlp.config import (
    DEFAULT_PROFILE,
    AnalyzerSpec,
    available_profiles,
    get_settings,
    load_pipeline_config,
)
from cx_nlp.errors import CxNlpError

EXIT_OK = 0
EXIT_FATAL = 2
EXIT_REJECTED = 3

app = typer.Typer(
    name="cx-nlp",
    help="Customer-experience insight from free-text feedback.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ProfileOption = Annotated[
    str,
    typer.Option("--profile", "-p", help="Profile name (fast, accurate, basic) or a TOML path."),
]


@contextmanager
def _fatal_errors() -> Iterator[None]:
    """Turn library errors into one line on stderr and exit code 2."""
    try:
        yield
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(EXIT_FATAL) from None


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO level.")] = False,
) -> None:
    """Score customer feedback: language, sentiment, emotions, CX forces, topics."""
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def score(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="CSV, TSV, JSONL, Parquet or XLSX.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL, CSV or Parquet.")],
    text_column: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    id_column: Annotated[
        str | None, typer.Option(help="Column holding ids; default: 1-based row numbers.")
    ] = None,
    language_column: Annotated[
        str | None, typer.Option(help="Column with language hints (ISO 639-1).")
    ] = None,
    channel_column: Annotated[str | None, typer.Option(help="Column with the channel.")] = None,
    date_column: Annotated[str | None, typer.Option(help="Column with ISO dates.")] = None,
    rating_column: Annotated[str | None, typer.Option(help="Column with a rating.")] = None,
    profile: ProfileOption = DEFAULT_PROFILE,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Rows read and scored per chunk.")
    ] = 1000,
    topics: Annotated[
        str | None,
        typer.Option(help="Fitted topic model (name under models/ or a path) to assign topics."),
    ] = None,
) -> None:
    """Score a feedback file, one output record per input row, in input order.

    Example: cx-nlp score data_samples/feedback.csv -o scored.jsonl --id-column id
    """
    from cx_nlp.pipeline import load
    from cx_nlp.scoring import ColumnMapping, score_file

    columns = ColumnMapping(
        text=text_column,
        id=id_column,
        language=language_column,
        channel=channel_column,
        created_at=date_column,
        rating=rating_column,
    )
    with _fatal_errors():
        pipeline = load(profile, extra_analyzers=_topic_spec(topics))
        with _progress(sys.stderr.isatty()) as advance:
            summary = score_file(
                input_path,
                output,
                pipeline=pipeline,
                columns=columns,
                chunk_size=batch_size,
                on_chunk=advance,
            )
    counts = summary.as_dict()
    typer.echo(
        f"read {counts['read']}, scored {counts['scored']}, rejected {counts['rejected']} "
        f"in {counts['seconds']}s -> {output}",
        err=True,
    )
    if summary.rejected:
        typer.echo(f"rejected by reason: {json.dumps(counts['errors'])}", err=True)
        raise typer.Exit(EXIT_REJECTED)


def _topic_spec(model: str | None) -> list[AnalyzerSpec]:
    """The ``topics`` analyzer appended to the profile when ``--topics`` is given."""
    return [AnalyzerSpec(name="topics", options={"model": model})] if model else []


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int], None]]:
    if not enabled:
        yield lambda _rows: None
        return
    from tqdm import tqdm

    with tqdm(unit=" rows", file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update


@app.command()
def info(profile: ProfileOption = DEFAULT_PROFILE) -> None:
    """Show settings, available profiles and the analyzers of a profile.

    Example: cx-nlp info --profile fast
    """
    settings = get_settings()
    with _fatal_errors():
        config = load_pipeline_config(profile, settings)
    details: dict[str, Any] = {
        "version": _version(),
        "models_dir": str(settings.models_dir),
        "profiles": available_profiles(settings),
        "profile": config.profile,
        "analyzers": [spec.model_dump() for spec in config.analyzers],
    }
    typer.echo(json.dumps(details, indent=2, ensure_ascii=False))


@app.command("check-config")
def check_config(profile: ProfileOption = DEFAULT_PROFILE) -> None:
    """Build a profile's pipeline (loading its models) and report whether it is valid.

    Example: cx-nlp check-config --profile accurate
    """
    from cx_nlp.pipeline import load

    with _fatal_errors():
        pipeline = load(profile)
    typer.echo(f"profile '{pipeline.profile}' is valid: {' -> '.join(pipeline.names)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; keep loopback behind a proxy.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes.")] = 1,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile(s) to load, comma-separated; default: CX_NLP_API_PROFILES.",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API (docs/api.md) with uvicorn; needs CX_NLP_API_KEYS or a keys file.

    Example: CX_NLP_API_KEYS=secret cx-nlp serve --port 8000 --profile fast
    """
    import os

    import uvicorn

    if profile is not None:
        # Worker processes build their app from the environment (api.main:app_from_env).
        os.environ["CX_NLP_API_PROFILES"] = profile
        get_settings.cache_clear()
    settings = get_settings()
    logging.getLogger().setLevel(settings.log_level.upper())
    uvicorn.run(
        "api.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


def _version() -> str:
    from cx_nlp import __version__

    return __version__


def run() -> None:
    """Console-script entry point."""
    app()


def _mount_training_commands() -> None:
    """``cx-nlp train sentiment|emotion|forces`` and ``cx-nlp evaluate``; imports stay light."""
    from cx_nlp.training.commands import evaluate, train_app
    from cx_nlp.training.forces_command import train_forces

    train_app.command("forces")(train_forces)
    app.add_typer(train_app, name="train")
    app.command("evaluate")(evaluate)


@app.command("models")
def models_list() -> None:
    """List the model folders under the models directory with task, encoder and metrics.

    Example: cx-nlp models
    """
    from cx_nlp.artifacts import list_models

    with _fatal_errors():
        manifests = list_models(get_settings().models_dir)
    for manifest in manifests:
        typer.echo(
            f"{manifest.name:28} task={manifest.task:10} encoder={manifest.encoder.name:10} "
            f"commercial={'yes' if manifest.commercial_use else 'no':3} "
            f"languages={','.join(manifest.languages)}"
        )


_mount_training_commands()


def _mount_topic_commands() -> None:
    """``cx-nlp topics fit|show``; BERTopic is imported only when a command runs."""
    from cx_nlp.topics.commands import topics_app

    app.add_typer(topics_app, name="topics")


_mount_topic_commands()
