"""``cx-nlp models [list]``: the model folders under the models directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cx_nlp.artifacts import list_models
from cx_nlp.catalog import format_table, list_model_entries
from cx_nlp.config import get_settings
from cx_nlp.errors import CxNlpError

models_app = typer.Typer(
    help="List the model folders (heads and topic models) under the models directory.",
    invoke_without_command=True,
)

ModelsDirOption = Annotated[
    Path | None,
    typer.Option("--models-dir", help="Models directory; default: CX_NLP_MODELS_DIR or models/."),
]


@models_app.callback()
def models_summary(ctx: typer.Context, models_dir: ModelsDirOption = None) -> None:
    """Without a subcommand: one line per head (name, task, encoder, licence, languages).

    Example: cx-nlp models
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        manifests = list_models(models_dir or get_settings().models_dir)
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    for manifest in manifests:
        typer.echo(
            f"{manifest.name:28} task={manifest.task:10} encoder={manifest.encoder.name:10} "
            f"commercial={'yes' if manifest.commercial_use else 'no':3} "
            f"languages={','.join(manifest.languages)}"
        )


@models_app.command("list")
def list_command(
    models_dir: ModelsDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every model folder with task, version, encoder, headline validation figures and path.

    Select one in a profile or option by folder name (sentiment-usem3-v1), by
    NAME@VERSION (sentiment-usem3@1) or by NAME@latest.

    Example: cx-nlp models list --json
    """
    entries = list_model_entries(models_dir or get_settings().models_dir)
    if as_json:
        typer.echo(json.dumps([entry.as_dict() for entry in entries], indent=2))
        return
    typer.echo(format_table(entries))
