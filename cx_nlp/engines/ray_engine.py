"""Batch scoring on a Ray cluster with Ray Data (``cx-nlp score --engine ray``).

The output is the local engine's (``cx_nlp.scoring.score_file``) row for row, because every
step runs the local engine's code:

- Reading: a Ray Data file datasource whose read task parses the file with the local reader
  (``cx_nlp.io.readers.open_source``): the same encoding and delimiter detection, the same
  1-based row numbers (the default ids), ragged CSV lines and broken JSON lines as the same
  ``invalid_input`` rows. A file on another filesystem (``s3://``, ``gs://``, ``abfs://``,
  ``hdfs://``: whatever Ray and pyarrow resolve) is first copied to a temporary local file
  by the read task, because the reader reads the head of the file (encoding, delimiter)
  before the rows.
- Scoring: one Ray Data row is one chunk of ``chunk_size`` input rows, a pickled
  ``ChunkJob`` (records hold undecodable bytes, dates, nested JSON and error rows that
  Arrow columns would not keep as they are). ``map_batches`` runs :class:`ScoreActor`,
  which builds the pipeline once per actor and scores each chunk with ``score_job``, as a
  local worker does; the chunks are the local engine's, so the encoder sees the same
  batches.
- Writing: the driver takes the scored chunks in input order (``preserve_order``) and
  writes them with the local engine's writer (``open_output``): the same output file,
  rejects file, ``duplicate_id`` warnings and summary.

Ray is an optional extra: importing this module without it raises ``ConfigError`` saying
how to install it.
"""

from __future__ import annotations

import json
import logging
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from cx_nlp.errors import AnalyzerError, ConfigError, CxNlpError
from cx_nlp.io.readers import ReadOptions, Source, input_format, open_source
from cx_nlp.io.writers import open_output
from cx_nlp.pipeline import Pipeline
from cx_nlp.scoring.mapping import ColumnMapping
from cx_nlp.scoring.runner import BatchOptions, check_columns
from cx_nlp.scoring.summary import DuplicateIds, ScoreSummary
from cx_nlp.scoring.workers import ChunkJob, PipelineSpec, score_job

INSTALL_HINT = "pip install 'cx-nlp[ray]'"

try:
    import pyarrow as pa
    import ray
    from ray.data.block import Block
    from ray.data.datasource import FileBasedDatasource
except ModuleNotFoundError as exc:  # the optional extra is not installed
    raise ConfigError(
        f"--engine ray needs Ray Data ({exc.name} is missing): {INSTALL_HINT}"
    ) from exc

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, Source], None]
# "s3://bucket/key" as typer's Path leaves it ("s3:/bucket/key"), or as typed
_URI = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]+):/+(?P<rest>.*)$")


@dataclass(frozen=True)
class RayOptions:
    """Which Ray cluster, and how many scoring actors of what size.

    Attributes:
        address: None starts a Ray instance on this machine for the run; ``auto`` joins
            the cluster this machine is a node of; ``ray://HOST:10001`` connects with Ray
            Client. When Ray is already initialised in this process, that is used.
        actors: Scoring actors, each loading the pipeline once; None: the cluster's CPUs
            divided by ``cpus_per_actor`` (its GPUs by ``gpus_per_actor`` when set).
        cpus_per_actor: CPUs each actor reserves, and its BLAS threads.
        gpus_per_actor: GPUs each actor reserves; above 0 the pipeline is built with
            ``device="cuda"`` (used by the encoders that support it).
    """

    address: str | None = None
    actors: int | None = None
    cpus_per_actor: int = 1
    gpus_per_actor: float = 0.0


def input_location(value: str | Path) -> str:
    """``value`` as Ray reads it: a URI with its ``//`` restored, or a local path."""
    text = str(value)
    match = _URI.match(text)
    if match is None or len(match["scheme"]) == 1:  # "C:/..." is a Windows drive
        return text
    return f"{match['scheme']}://{match['rest']}"


def is_remote(location: str) -> bool:
    """Whether ``location`` names a file on another filesystem (a URI other than file://)."""
    return "://" in location and not location.startswith("file://")


def score_file_ray(
    input_path: str | Path,
    output_path: Path,
    *,
    spec: PipelineSpec,
    columns: ColumnMapping,
    chunk_size: int = 1000,
    read_options: ReadOptions | None = None,
    batch: BatchOptions | None = None,
    ray_options: RayOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> ScoreSummary:
    """Score every row of one file on Ray into ``output_path``, as ``score_file`` does.

    Args:
        input_path: A local path (visible to every node of a multi-node cluster) or a URI
            (``s3://bucket/export.csv``) of one CSV, TSV, JSONL, Parquet or XLSX file.
        output_path: A local JSONL, CSV or Parquet file, written by this process.
        spec: The pipeline each actor builds.
        columns: The column mapping.
        chunk_size: Input rows per chunk: what one actor call scores.
        read_options: Delimiter, encoding, sheet.
        batch: Summary and rejects files (``workers``, ``checkpoint`` are the local
            engine's; ``resume`` is refused).
        ray_options: Cluster address and actors.
        on_progress: Called after each chunk with the rows done and a ``Source`` whose
            ``position`` and ``total`` follow the read.

    Raises:
        FileInputError: the file cannot be read or a mapped column is missing.
        ConfigError: ``resume`` was asked for, or the cluster has no room for an actor.
        CxNlpError: an actor could not build the pipeline, or a model failed.
    """
    batch = batch or BatchOptions()
    ray_options = ray_options or RayOptions()
    if batch.resume:
        raise ConfigError(
            "--resume is not available with --engine ray; run again without it (Ray "
            "retries failed tasks and restarts dead actors within a run)."
        )
    location = input_location(input_path)
    read_options = read_options or ReadOptions()
    progress = _probe(location, columns, read_options)
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    owns_cluster = _connect(ray_options.address)
    try:
        actors = ray_options.actors or _default_actors(ray_options)
        logger.info("scoring %s on Ray with %d actors", progress.path.name, actors)
        datasource = _ChunkDatasource(
            location, columns=columns, chunk_size=chunk_size, read_options=read_options
        )
        details = {
            "input": location,
            "output": str(output_path),
            "rejects": str(batch.rejects_path) if batch.rejects_path is not None else None,
            "profile": spec.profile,
            "workers": actors,
            "engine": "ray",
            "actors": actors,
            "cpus_per_actor": ray_options.cpus_per_actor,
            "gpus_per_actor": ray_options.gpus_per_actor,
            "started_at": started_at.isoformat(timespec="seconds"),
        }
        with _ordered_quiet():
            # reading takes no CPU slot: actors hold them all, and parsing costs ~1% of scoring
            dataset = ray.data.read_datasource(datasource, num_cpus=0).map_batches(
                ScoreActor,
                batch_size=1,
                batch_format="pyarrow",
                compute=ray.data.ActorPoolStrategy(size=actors),
                fn_constructor_kwargs={
                    "spec": _actor_spec(spec, ray_options),
                    "threads": ray_options.cpus_per_actor,
                },
                num_cpus=ray_options.cpus_per_actor,
                num_gpus=ray_options.gpus_per_actor or None,
            )
            summary = _write(
                dataset, output_path, columns=columns, batch=batch, progress=progress,
                on_progress=on_progress,
            )  # fmt: skip
    except ray.exceptions.RayError as exc:  # Ray Data's UserCodeException included
        raise _library_error(exc) from exc
    finally:
        if owns_cluster:
            ray.shutdown()
    summary.seconds = time.perf_counter() - started
    summary.details = {
        **details,
        **summary.details,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if batch.rejects_path is not None and not summary.rejected:
        batch.rejects_path.unlink(missing_ok=True)
    if batch.summary_path is not None:
        batch.summary_path.write_text(
            json.dumps(summary.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    logger.info("scored %s on Ray: %s", progress.path.name, summary.as_dict())
    return summary


class ScoreActor:
    """A Ray Data actor: builds the pipeline once, then scores pickled chunks."""

    def __init__(self, spec: PipelineSpec, threads: int) -> None:
        """Limit BLAS threads to the actor's CPUs and build the pipeline (loads models)."""
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
        self._pipeline: Pipeline | None = None
        self._error: CxNlpError | None = None
        try:
            self._pipeline = spec.build(num_threads=threads)
        except CxNlpError as exc:
            # raised with the first chunk: Ray reports a failed constructor as a dead actor
            # (and restarts it), hiding the error behind its own message
            self._error = exc

    def __call__(self, batch: pa.Table) -> pa.Table:
        """Each ``job`` (a pickled ``ChunkJob``) becomes ``scored``: (row numbers, records)."""
        if self._pipeline is None:
            raise self._error or CxNlpError("The actor has no pipeline; this is a bug.")
        scored = []
        for blob in batch.column("job").to_pylist():
            job: ChunkJob = pickle.loads(blob)  # pickled by our read task
            records = score_job(self._pipeline, job)
            scored.append(pickle.dumps(([number for number, _ in job.rows], records)))
        return batch.drop_columns(["job"]).append_column("scored", pa.array(scored, pa.binary()))


class _ChunkDatasource(FileBasedDatasource):
    """Reads one file with the local reader into one Ray row per chunk of rows."""

    def __init__(
        self, location: str, *, columns: ColumnMapping, chunk_size: int, read_options: ReadOptions
    ) -> None:
        super().__init__(location)
        self._columns = columns
        self._chunk_size = chunk_size
        self._read_options = read_options

    def _read_stream(self, f: Any, path: str) -> Iterator[Block]:
        if isinstance(self._filesystem.unwrap(), pa.fs.LocalFileSystem):
            yield from self._chunks(Path(path))
            return
        with tempfile.TemporaryDirectory(prefix="cx-nlp-ray-") as folder:
            local = Path(folder) / PurePosixPath(path).name  # messages name the file
            with local.open("wb") as handle:
                shutil.copyfileobj(f, handle, 1 << 20)
            yield from self._chunks(local)

    def _chunks(self, path: Path) -> Iterator[Block]:
        source = open_source(path, self._read_options)
        check_columns(path, self._columns, source=source)
        rows = enumerate(source.rows(), start=1)
        while chunk := list(islice(rows, self._chunk_size)):
            job = ChunkJob(rows=chunk, columns=self._columns, encoding=source.text_encoding)
            yield pa.table(
                {
                    "job": pa.array([pickle.dumps(job)], pa.binary()),
                    "position": pa.array([source.position], pa.int64()),
                    "total": pa.array([source.total], pa.int64()),
                    "unit": pa.array([source.unit], pa.string()),
                    "encoding": pa.array([source.encoding], pa.string()),
                    "delimiter": pa.array([source.delimiter], pa.string()),
                }
            )


def _probe(location: str, columns: ColumnMapping, read_options: ReadOptions) -> Source:
    """Fail before starting Ray on what can be checked here; the progress ``Source``.

    A local file is opened as the local engine opens it (missing file or column, unknown
    extension, bad options); a remote one is only checked for its extension.
    """
    if is_remote(location):
        name = PurePosixPath(location.split("://", 1)[1]).name
        path = Path(name)
        return Source(path=path, format=input_format(path), options=read_options)
    path = Path(location.removeprefix("file://"))
    source = open_source(path, read_options)
    check_columns(path, columns, source=source)
    return source


def _connect(address: str | None) -> bool:
    """Connect to (or start) Ray unless this process already did; whether we did."""
    if ray.is_initialized():
        return False
    ray.init(address=address, logging_level=logging.WARNING, include_dashboard=False)
    return True


def _default_actors(options: RayOptions) -> int:
    resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
    if options.gpus_per_actor:
        actors = int(resources.get("GPU", 0) // options.gpus_per_actor)
    else:
        actors = int(resources.get("CPU", 0) // options.cpus_per_actor)
    if actors < 1:
        raise ConfigError(
            f"The Ray cluster ({resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} "
            f"GPUs) has no room for one actor of {options.cpus_per_actor} CPUs and "
            f"{options.gpus_per_actor:g} GPUs; lower --cpus-per-actor or --gpus-per-actor."
        )
    return actors


def _actor_spec(spec: PipelineSpec, options: RayOptions) -> PipelineSpec:
    if not options.gpus_per_actor:
        return spec
    return replace(spec, settings=spec.settings.model_copy(update={"device": "cuda"}))


@contextmanager
def _ordered_quiet() -> Iterator[None]:
    """Ray Data in input order, without its own progress bars, raising the actors' own errors
    (not a bare ``UserCodeException``); restored afterwards."""
    context = ray.data.DataContext.get_current()
    options = context.execution_options
    saved = (options.preserve_order, context.enable_progress_bars)
    saved_raise = context.raise_original_map_exception
    options.preserve_order, context.enable_progress_bars = True, False
    context.raise_original_map_exception = True
    try:
        yield
    finally:
        options.preserve_order, context.enable_progress_bars = saved
        context.raise_original_map_exception = saved_raise


def _write(
    dataset: ray.data.Dataset,
    output: Path,
    *,
    columns: ColumnMapping,
    batch: BatchOptions,
    progress: Source,
    on_progress: ProgressCallback | None,
) -> ScoreSummary:
    """Write the scored chunks in order, as the local engine does; the counts."""
    summary = ScoreSummary()
    summary.details = {"encoding": progress.encoding, "delimiter": progress.delimiter}
    duplicates = DuplicateIds() if columns.id else None
    writer = open_output(output, segments=columns.segments)
    rejects: TextIO | None = None
    if batch.rejects_path is not None:
        batch.rejects_path.parent.mkdir(parents=True, exist_ok=True)
        rejects = batch.rejects_path.open("w", encoding="utf-8")
    try:
        tables: Iterator[Any] = iter(dataset.iter_batches(batch_size=None, batch_format="pyarrow"))
        for table in tables:
            for row in table.to_pylist():
                numbers, records = pickle.loads(row["scored"])  # pickled by our actors
                if numbers and numbers[0] != summary.read + 1:
                    raise AnalyzerError(
                        f"Ray returned row {numbers[0]} after row {summary.read}; this is a bug."
                    )
                if duplicates is not None:
                    duplicates.flag(records, summary)
                writer.write_records(records)
                if rejects is not None:
                    _write_rejects(rejects, numbers, records)
                summary.add_records(records)
                progress.position, progress.total = row["position"], row["total"]
                progress.unit = row["unit"]
                summary.details = {"encoding": row["encoding"], "delimiter": row["delimiter"]}
                if on_progress is not None:
                    on_progress(summary.read, progress)
    finally:
        writer.close()
        if rejects is not None:
            rejects.close()
    writer.finish()
    return summary


def _write_rejects(handle: TextIO, numbers: list[int], records: list[dict[str, Any]]) -> None:
    """The local engine's rejects lines: ``{"row": N, "id": ..., "error": {...}}``."""
    for number, record in zip(numbers, records, strict=True):
        if record["error"] is not None:
            line = {"row": number, "id": record["id"], "error": record["error"]}
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def _library_error(exc: BaseException) -> CxNlpError:
    """The library error a Ray task or actor raised, else an ``AnalyzerError`` naming Ray's."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CxNlpError):
            return current
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return AnalyzerError(f"The Ray job failed: {first_line} (see the Ray logs).")
