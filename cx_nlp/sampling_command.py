"""``cx-nlp sample-for-labelling``: export the texts the models are least sure about."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cx_nlp.errors import CxNlpError
from cx_nlp.sampling import SampleTask
from cx_nlp.sampling import sample_for_labelling as sample_file


def sample_for_labelling(
    scored: Annotated[
        Path, typer.Argument(metavar="SCORED", help="Scored export (JSONL from cx-nlp score).")
    ],
    n: Annotated[int, typer.Option("-n", "--n", min=1, help="How many texts to export.")] = 200,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="CSV to write for labelling.")
    ] = Path("to_label.csv"),
    task: Annotated[
        str, typer.Option(help="Whose uncertainty: sentiment, emotion or forces.")
    ] = "sentiment",
    per_language: Annotated[
        bool,
        typer.Option(
            "--per-language/--no-per-language",
            help="Quotas per language, proportional to volume (default) or one pool.",
        ),
    ] = True,
    min_per_language: Annotated[
        int, typer.Option(min=0, help="Smallest quota of a language, when -n allows.")
    ] = 5,
    seed: Annotated[int, typer.Option(help="Breaks ties; same file and seed, same sample.")] = 0,
) -> None:
    """Export the texts a model is least sure about (diverse, per language) as a CSV to label.

    Columns: id, text, language, predicted_label, confidence, label (empty: fill it in a
    spreadsheet, then `cx-nlp train <task> --data FILE.csv`). Multi-label predictions are
    joined with ';'.

    Example: cx-nlp sample-for-labelling scored.jsonl -n 200 -o to_label.csv --task sentiment
    """
    if task not in ("sentiment", "emotion", "forces"):
        raise typer.BadParameter("use sentiment, emotion or forces", param_hint="--task")
    chosen: SampleTask = task  # type: ignore[assignment]
    try:
        summary = sample_file(
            scored, output, n=n, task=chosen, per_language=per_language,
            min_per_language=min_per_language, seed=seed,
        )  # fmt: skip
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(2) from None
    languages = ", ".join(f"{lang} {count}" for lang, count in sorted(summary.per_language.items()))
    typer.echo(
        f"read {summary.read}, eligible {summary.eligible}, selected {summary.selected} "
        f"({languages or 'none'}) -> {output}",
        err=True,
    )
