"""``cx-nlp score``: score a feedback file into one output record per row (see README)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cx_nlp.config import DEFAULT_PROFILE
from cx_nlp.engines import Engine
from cx_nlp.report.labels import ReportLanguage

if TYPE_CHECKING:
    from cx_nlp.io.readers import Source
    from cx_nlp.scoring import BatchOptions, ScoreSummary


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
    rating_column: Annotated[str | None, typer.Option(help="Column with a star rating.")] = None,
    recommend_column: Annotated[
        str | None, typer.Option(help="Column with a 0-10 likelihood to recommend (NPS).")
    ] = None,
    effort_column: Annotated[
        str | None, typer.Option(help="Column with a customer effort score (CES).")
    ] = None,
    segment_column: Annotated[
        list[str] | None,
        typer.Option(help="Segment column (product, store, country...); repeatable."),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            "--profile", "-p", help="Profile name (fast, accurate, basic) or a TOML path."
        ),
    ] = DEFAULT_PROFILE,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Rows read and scored per chunk.")
    ] = 1000,
    topics: Annotated[
        str | None,
        typer.Option(help="Fitted topic model (name under models/ or a path) to assign topics."),
    ] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet; default: the first.")] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter (',', ';', tab, '|'); default: detected.")
    ] = None,
    encoding: Annotated[
        str, typer.Option(help="Text encoding of CSV/TSV/JSONL (utf-8, utf-16, cp1252...).")
    ] = "auto",
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Processes; default: one per core; 1: in-process."),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted run of the same command.")
    ] = False,
    summary: Annotated[
        Path | None, typer.Option(help="Summary JSON; default: <output>.summary.json.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the HTML report of the scored file here.")
    ] = None,
    report_lang: Annotated[
        ReportLanguage, typer.Option(help="Report language: it or en.")
    ] = ReportLanguage.IT,
    engine: Annotated[
        Engine, typer.Option(help="local: processes here; ray: a Ray cluster (the ray extra).")
    ] = Engine.local,
    address: Annotated[
        str | None,
        typer.Option(help="Ray: auto or ray://HOST:10001; default: a Ray instance here."),
    ] = None,
    actors: Annotated[
        int | None,
        typer.Option(min=1, help="Ray: scoring actors; default: CPUs / --cpus-per-actor."),
    ] = None,
    cpus_per_actor: Annotated[
        int, typer.Option(min=1, help="Ray: CPUs (BLAS threads) per actor.")
    ] = 1,
    gpus_per_actor: Annotated[
        float, typer.Option(min=0, help="Ray: GPUs per actor; above 0 encoders run on cuda.")
    ] = 0,
) -> None:
    """Score a feedback file, one output record per input row, in input order.

    Rejected rows are also listed in <output>.rejects.jsonl; a run that was interrupted
    (even killed) continues with the same command plus --resume.

    Example: cx-nlp score data_samples/feedback.csv -o scored.jsonl --id-column id

    On a Ray cluster: cx-nlp score s3://bucket/export.csv -o scored.parquet --engine ray
    --address auto
    """
    from cx_nlp.cli import EXIT_REJECTED, _fatal_errors
    from cx_nlp.config import AnalyzerSpec, get_settings
    from cx_nlp.io.readers import ReadOptions
    from cx_nlp.scoring import BatchOptions, ColumnMapping, PipelineSpec, score_file

    segments = tuple(segment_column or ())
    columns = ColumnMapping(
        text=text_column, id=id_column, language=language_column, channel=channel_column,
        created_at=date_column, rating=rating_column, recommend_score=recommend_column,
        effort_score=effort_column, segments=segments,
    )  # fmt: skip
    if engine is Engine.ray and (workers or resume):
        raise typer.BadParameter("--workers and --resume are for --engine local; use --actors.")
    workers = workers or _cores()
    batch = BatchOptions(
        workers=workers,
        checkpoint=True,
        resume=resume,
        summary_path=summary or _beside(output, ".summary.json"),
        rejects_path=_beside(output, ".rejects.jsonl"),
    )
    extra = [AnalyzerSpec(name="topics", options={"model": topics})] if topics else []
    with _fatal_errors():
        spec = PipelineSpec.resolve(profile, get_settings(), extra)
        pipeline = spec.build() if workers == 1 and engine is Engine.local else spec
        read_options = ReadOptions(delimiter=delimiter, encoding=encoding, sheet=sheet)
        with _ProgressBar(sys.stderr.isatty()) as progress:
            if engine is Engine.ray:
                from cx_nlp.engines.ray_engine import RayOptions, score_file_ray

                on_ray = RayOptions(address=address, actors=actors, cpus_per_actor=cpus_per_actor,
                                    gpus_per_actor=gpus_per_actor)  # fmt: skip
                result = score_file_ray(
                    input_path, output, spec=spec, columns=columns, chunk_size=batch_size,
                    read_options=read_options, batch=batch, ray_options=on_ray,
                    on_progress=progress,
                )  # fmt: skip
            else:
                result = score_file(
                    input_path, output, pipeline=pipeline, columns=columns, chunk_size=batch_size,
                    read_options=read_options, batch=batch, on_progress=progress,
                )  # fmt: skip
        _echo_summary(result, output, batch)
        if report is not None:
            from cx_nlp.report import write_report

            write_report(output, report, lang=report_lang.value, segment_columns=segments)
            typer.echo(f"report -> {report}", err=True)
    if result.rejected:
        raise typer.Exit(EXIT_REJECTED)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _beside(output: Path, suffix: str) -> Path:
    return output.with_name(output.name + suffix)


def _echo_summary(result: ScoreSummary, output: Path, batch: BatchOptions) -> None:
    counts = result.as_dict()
    if result.resumed_rows:
        typer.echo(f"resumed after row {result.resumed_rows}", err=True)
    typer.echo(
        f"read {counts['read']}, scored {counts['scored']}, rejected {counts['rejected']} "
        f"in {counts['seconds']}s -> {output}",
        err=True,
    )
    languages = ", ".join(f"{code} {n}" for code, n in counts["languages"].items())
    typer.echo(f"{counts['rows_per_second']} rows/s; languages: {languages or '-'}", err=True)
    if result.duplicate_ids:
        examples = ", ".join(result.duplicate_examples)
        typer.echo(f"duplicate ids: {result.duplicate_ids} (first: {examples})", err=True)
    if result.rejected:
        typer.echo(f"rejected by reason: {json.dumps(counts['errors'])}", err=True)
        typer.echo(f"rejected rows -> {batch.rejects_path}", err=True)
    typer.echo(f"summary -> {batch.summary_path}", err=True)


class _ProgressBar:
    """A tqdm bar in rows with rate and ETA (the total is estimated from bytes read)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, rows: int, source: Source) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(unit=" rows", file=sys.stderr, dynamic_ncols=True, initial=rows)
        else:
            self.bar.update(rows - self.bar.n)
        if source.total and source.unit == "bytes" and source.position:
            self.bar.total = max(rows, round(rows * source.total / source.position))
        elif source.total:
            self.bar.total = source.total
        self.bar.refresh()
