"""The ``cx-nlp`` command line: a thin shell over ``cx_nlp.load`` and ``Pipeline.analyze``."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from cx_nlp.config import (
    DEFAULT_PROFILE,
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
        timeout_worker_healthcheck=settings.api_worker_timeout_s,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


def _version() -> str:
    from cx_nlp import __version__

    return __version__


def run() -> None:
    """Console-script entry point."""
    app()


def _mount_score_command() -> None:
    """``cx-nlp score`` (cx_nlp.score_command); the scoring modules load when it runs."""
    from cx_nlp.score_command import score

    app.command("score")(score)


_mount_score_command()


def _mount_training_commands() -> None:
    """``cx-nlp train sentiment|emotion|forces`` and ``cx-nlp evaluate``; imports stay light."""
    from cx_nlp.training.commands import evaluate, train_app
    from cx_nlp.training.forces_command import train_forces

    train_app.command("forces")(train_forces)
    app.add_typer(train_app, name="train")
    app.command("evaluate")(evaluate)


_mount_training_commands()


def _mount_topic_commands() -> None:
    """``cx-nlp topics fit|show``; BERTopic is imported only when a command runs."""
    from cx_nlp.topics.commands import topics_app

    app.add_typer(topics_app, name="topics")


_mount_topic_commands()


def _mount_registry_commands() -> None:
    """``cx-nlp models [list]`` and ``cx-nlp sample-for-labelling``."""
    from cx_nlp.models_command import models_app
    from cx_nlp.sampling_command import sample_for_labelling

    app.add_typer(models_app, name="models")
    app.command("sample-for-labelling")(sample_for_labelling)


_mount_registry_commands()


def _mount_report_command() -> None:
    """``cx-nlp report``: the HTML report of a scored file (cx_nlp.report)."""
    from cx_nlp.report.command import report

    app.command("report")(report)


_mount_report_command()
