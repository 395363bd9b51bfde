"""Batch scoring of a feedback file: read in chunks, analyze, write in order, count.

Never drops a row. Memory is constant in the number of rows (chunks are streamed, at most
a few in flight) except for the set of ids seen when an id column is mapped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any, TextIO

from cx_nlp.errors import AnalyzerError, FileInputError
from cx_nlp.io.readers import Chunk, ReadOptions, Source, open_source
from cx_nlp.io.writers import OutputWriter, open_output, truncate_to
from cx_nlp.pipeline import Pipeline
from cx_nlp.scoring.checkpoint import Checkpoint, checkpoint_path, fingerprint, load_checkpoint
from cx_nlp.scoring.mapping import ColumnMapping, row_id
from cx_nlp.scoring.summary import DuplicateIds, ScoreSummary
from cx_nlp.scoring.workers import ChunkJob, PipelineSpec, score_in_process, score_in_workers

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, Source], None]


@dataclass(frozen=True)
class BatchOptions:
    """How a batch run is carried out (none of it changes the output records).

    Attributes:
        workers: Processes scoring chunks; 1 scores in this process. A file of one chunk
            is always scored in this process.
        checkpoint: Write ``<output>.checkpoint.json`` after every chunk (see
            ``cx_nlp.scoring.checkpoint``); removed when the run completes.
        resume: Continue from the checkpoint, if there is one.
        summary_path: Where to write the summary JSON; None writes none.
        rejects_path: Where to write one JSON line per rejected row; None writes none.
    """

    workers: int = 1
    checkpoint: bool = False
    resume: bool = False
    summary_path: Path | None = None
    rejects_path: Path | None = None


def score_file(
    input_path: Path,
    output_path: Path,
    *,
    pipeline: Pipeline | PipelineSpec,
    columns: ColumnMapping,
    chunk_size: int = 1000,
    on_chunk: Callable[[int], None] | None = None,
    read_options: ReadOptions | None = None,
    batch: BatchOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> ScoreSummary:
    """Score every row of ``input_path`` into ``output_path``, one record per row, in order.

    Args:
        input_path: CSV, TSV, JSONL, Parquet or XLSX.
        output_path: JSONL, CSV or Parquet.
        pipeline: A built pipeline, or a ``PipelineSpec`` (needed for ``workers`` > 1).
        columns: The column mapping.
        chunk_size: Rows per chunk.
        on_chunk: Called with the number of rows of each chunk written.
        read_options: Delimiter, encoding, sheet.
        batch: Workers, checkpoint and resume, summary and rejects files.
        on_progress: Called after each chunk with the rows done and the source (its
            ``position`` and ``total``).

    Raises:
        FileInputError: the file cannot be read, a mapped column is missing, or the
            checkpoint does not match.
        ValueError: ``workers`` > 1 with a built pipeline instead of a ``PipelineSpec``.
    """
    batch = batch or BatchOptions()
    if batch.workers > 1 and isinstance(pipeline, Pipeline):
        raise ValueError("Scoring with workers > 1 needs a PipelineSpec, not a built Pipeline.")
    started = time.perf_counter()
    source = open_source(input_path, read_options)
    check_columns(input_path, columns, source=source)
    run = _Run(
        source, output_path, columns=columns, batch=batch, chunk_size=chunk_size,
        profile=pipeline.profile,
    )  # fmt: skip
    previous = run.resumed.seconds if run.resumed else 0.0
    try:
        for job, records in _score_chunks(pipeline, run.jobs(), batch.workers):
            run.write(job, records)
            run.save_checkpoint(previous + time.perf_counter() - started)
            if on_chunk is not None:
                on_chunk(len(records))
            if on_progress is not None:
                on_progress(run.summary.read, source)
    except BrokenProcessPool as exc:
        raise AnalyzerError(
            f"A worker process died ({exc}); the machine may be out of memory. Run again with "
            "fewer workers, or with --resume to continue."
        ) from exc
    finally:
        run.close()
    run.summary.seconds = time.perf_counter() - started
    run.finish()
    logger.info("scored %s: %s", input_path.name, run.summary.as_dict())
    return run.summary


def check_columns(
    input_path: Path, columns: ColumnMapping, *, source: Source | None = None
) -> None:
    """Fail early, naming the available columns, when a mapped column is missing."""
    available = (source or open_source(input_path)).columns()
    if not available:
        return  # an empty file scores to an empty output
    missing = [column for column in columns.all_columns() if column not in available]
    if missing:
        raise FileInputError(
            f"Column(s) {', '.join(repr(c) for c in missing)} not found in '{input_path.name}'; "
            f"available columns: {', '.join(available)}."
        )


def _score_chunks(
    pipeline: Pipeline | PipelineSpec, jobs: Iterator[ChunkJob], workers: int
) -> Iterator[tuple[ChunkJob, list[dict[str, Any]]]]:
    """Chunks in order with their records; in this process when there is one chunk only."""
    head = list(islice(jobs, 2))
    jobs = chain(head, jobs)
    if isinstance(pipeline, PipelineSpec) and workers > 1 and len(head) > 1:
        return score_in_workers(pipeline, jobs, workers=workers)
    built = pipeline if isinstance(pipeline, Pipeline) else pipeline.build()
    return score_in_process(built, jobs)


class _Run:
    """The state of one run: output writers, checkpoint, summary, duplicate ids."""

    def __init__(
        self,
        source: Source,
        output: Path,
        *,
        columns: ColumnMapping,
        batch: BatchOptions,
        chunk_size: int,
        profile: str,
    ) -> None:
        """Open the outputs, cut back to the checkpoint when resuming."""
        self.source = source
        self.output = output
        self.columns = columns
        self.batch = batch
        self.chunk_size = chunk_size
        self.duplicates = DuplicateIds() if columns.id else None
        self.checkpoint_file = checkpoint_path(output)
        self.fingerprint = fingerprint(source.path, self._options())
        self.started_at = datetime.now(UTC)
        self.resumed: Checkpoint | None = None
        if batch.resume:
            self.resumed = load_checkpoint(self.checkpoint_file, self.fingerprint)
        elif batch.checkpoint:
            self.checkpoint_file.unlink(missing_ok=True)
        resumed = self.resumed
        self.writer: OutputWriter = open_output(
            output, segments=columns.segments, resume_at=resumed.output if resumed else None
        )
        self.rejects: TextIO | None = None
        if batch.rejects_path is not None:
            self.rejects = _open_rejects(batch.rejects_path, resumed)
        counts = resumed.counts if resumed else None
        self.summary = ScoreSummary.from_counts(counts) if counts else ScoreSummary()
        self.summary.details = self._details(profile)

    def jobs(self) -> Iterator[ChunkJob]:
        """The chunks still to score."""
        rows = enumerate(self.source.rows(), start=1)
        done = self.resumed.rows if self.resumed else 0
        for number, record in islice(rows, done):
            if self.duplicates is not None:
                item_id = row_id(record, number, self.columns) if isinstance(record, dict) else None
                self.duplicates.is_repeat(item_id or str(number))
        encoding = self.source.text_encoding
        while chunk := list(islice(rows, self.chunk_size)):
            yield ChunkJob(rows=chunk, columns=self.columns, encoding=encoding)

    def write(self, job: ChunkJob, records: list[dict[str, Any]]) -> None:
        """Write one scored chunk: warnings for repeated ids, output, rejects, counts."""
        if self.duplicates is not None:
            self.duplicates.flag(records, self.summary)
        self.writer.write_records(records)
        if self.rejects is not None:
            _write_rejects(self.rejects, job.rows, records)
        self.summary.add_records(records)

    def save_checkpoint(self, seconds: float) -> None:
        """Record that every chunk written so far is on disk."""
        if not self.batch.checkpoint:
            return
        rejects = 0
        if self.rejects is not None:
            self.rejects.flush()
            rejects = self.rejects.tell()
        Checkpoint(
            fingerprint=self.fingerprint,
            rows=self.summary.read,
            output=self.writer.checkpoint(),
            rejects=rejects,
            seconds=seconds,
            counts=self.summary.counts(),
        ).save(self.checkpoint_file)

    def close(self) -> None:
        """Close the files (the output stays resumable)."""
        self.writer.close()
        if self.rejects is not None:
            self.rejects.close()

    def finish(self) -> None:
        """Complete the output, drop the checkpoint, write the summary."""
        self.writer.finish()
        rejects_path = self.batch.rejects_path
        if rejects_path is not None and not self.summary.rejected:
            rejects_path.unlink(missing_ok=True)
        self.checkpoint_file.unlink(missing_ok=True)
        self.summary.details["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        if self.batch.summary_path is not None:
            self.batch.summary_path.write_text(
                json.dumps(self.summary.as_dict(), indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )

    def _options(self) -> dict[str, Any]:
        return {
            "columns": self.columns.model_dump(mode="json"),
            "read": self.source.options.model_dump(mode="json"),
            "output": str(self.output.resolve()),
            "chunk_size": self.chunk_size,
        }

    def _details(self, profile: str) -> dict[str, Any]:
        rejects = self.batch.rejects_path
        return {
            "input": str(self.source.path),
            "output": str(self.output),
            "rejects": str(rejects) if rejects is not None else None,
            "profile": profile,
            "workers": self.batch.workers,
            "encoding": self.source.encoding,
            "delimiter": self.source.delimiter,
            "started_at": self.started_at.isoformat(timespec="seconds"),
        }


def _open_rejects(path: Path, resumed: Checkpoint | None) -> TextIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    if resumed is None:
        return path.open("w", encoding="utf-8")
    if not path.exists() and resumed.rejects == 0:
        path.touch()
    truncate_to(path, resumed.rejects)
    return path.open("a", encoding="utf-8")


def _write_rejects(handle: TextIO, rows: Chunk, records: list[dict[str, Any]]) -> None:
    for (number, _), record in zip(rows, records, strict=True):
        if record["error"] is not None:
            line = {"row": number, "id": record["id"], "error": record["error"]}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
