"""``cx-nlp report``: the analyst report of a scored file, as one offline HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cx_nlp.errors import CxNlpError
from cx_nlp.report.labels import ReportLanguage

EXIT_FATAL = 2


def report(
    scored: Annotated[
        Path,
        typer.Argument(metavar="SCORED", help="Output of cx-nlp score: JSONL, CSV or Parquet."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    lang: Annotated[
        ReportLanguage, typer.Option("--lang", help="Language of the report's labels.")
    ] = ReportLanguage.IT,
    title: Annotated[str | None, typer.Option(help="Title; default: a generic one.")] = None,
    segment_column: Annotated[
        list[str] | None,
        typer.Option(
            "--segment-column",
            help="Key of segments (or metadata) to break figures down by; repeatable. "
            "Default: every key of segments.",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML report (charts inline, opens offline) of a scored file.

    Example: cx-nlp report scored.jsonl -o report.html --lang en --segment-column country
    """
    from cx_nlp.report import write_report

    try:
        written = write_report(
            scored, output, lang=lang.value, title=title, segment_columns=segment_column or ()
        )
    except CxNlpError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(EXIT_FATAL) from None
    typer.echo(f"report -> {written}", err=True)
