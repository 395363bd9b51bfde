"""The Ray engine writes what the local engine writes, row for row, dirty rows included."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cx_nlp.config import PROJECT_ROOT, Settings
from cx_nlp.errors import ConfigError
from cx_nlp.scoring import BatchOptions, ColumnMapping, PipelineSpec, score_file

COLUMNS = ColumnMapping(id="id", rating="stars", segments=("store",))
# Ray's own deprecations (DataContext attributes it sets on itself), not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")
SUMMARY_COUNTS = ("read", "scored", "rejected", "languages", "errors", "warnings", "duplicate_ids")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A local Ray instance of 2 CPUs for the module (the workers import ``tests.fakes``)."""
    ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'cx-nlp[ray]'")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(PROJECT_ROOT)}},
    )
    yield ray
    ray.shutdown()


@pytest.fixture
def spec(test_settings: Settings) -> PipelineSpec:
    return PipelineSpec.resolve("fake", test_settings)


def _dirty_csv(path: Path) -> Path:
    """Clean rows, then every kind of dirty row the local engine keeps as a record."""
    big = "Lungo. " * 150_000  # about 1 MB in one cell
    clean = "".join(
        f"c{i},Servizio ottimo numero {i}. Tornerò,{i % 5 + 1},S{i % 3}\n" for i in range(40)
    )
    path.write_bytes(
        b"id,text,stars,store\n" + clean.encode() + b"d1,Tutto bene,5,Roma\n"
        b"d2,,3,Roma\n"
        b"d3,<p>Servizio <b>ottimo</b></p>,4,Milano\n"
        b"d4,\x00\x01\xff\xfe\x89PNG,1,Roma\n"
        + f'd5,"{big}",2,Roma\n'.encode()
        + b'd6,"quote never closed,1,Roma\n'
        b"d7,Caff\xe8 freddo,cinque,Forl\xec\n"
        b"d8,too,many,fields,here,x\n"
        b"d9,   ,2,Roma\n" + "d10,Però ottimo,4,Forlì\n".encode() + b"d1,Stesso id,5,Roma\n"
        b'd12,"Una ""citazione""\ngiusta",5,Roma\n'
    )
    return path


def _dirty_jsonl(path: Path) -> Path:
    lines = [
        json.dumps({"id": f"j{i}", "text": f"Ottimo {i}", "stars": i % 5, "store": "S"})
        for i in range(25)
    ]
    lines += [
        "[1, 2, 3]",
        "{not json",
        json.dumps({"id": "j-num", "text": 42, "stars": 3, "store": "S"}),
        json.dumps({"id": "j-empty", "text": "", "stars": None, "store": "S"}),
        json.dumps({"id": "j-nested", "text": "Bene", "stars": "4,5", "store": {"a": 1}}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _both(source: Path, tmp_path: Path, spec: PipelineSpec, suffix: str, **ray: Any) -> Any:
    from cx_nlp.engines.ray_engine import RayOptions, score_file_ray

    outputs = {}
    for engine in ("local", "ray"):
        output = tmp_path / f"{engine}{suffix}"
        batch = BatchOptions(
            summary_path=tmp_path / f"{engine}.summary.json",
            rejects_path=tmp_path / f"{engine}.rejects.jsonl",
        )
        if engine == "local":
            summary = score_file(
                source, output, pipeline=spec, columns=COLUMNS, chunk_size=7, batch=batch
            )
        else:
            summary = score_file_ray(
                source, output, spec=spec, columns=COLUMNS, chunk_size=7, batch=batch,
                ray_options=RayOptions(**ray),
            )  # fmt: skip
        outputs[engine] = (output, summary, batch)
    return outputs


def _records(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_table(path).to_pylist())
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize(("maker", "suffix"), [(_dirty_csv, ".jsonl"), (_dirty_csv, ".parquet"),
                                               (_dirty_jsonl, ".jsonl")])  # fmt: skip
@pytest.mark.parametrize("actors", [1, 2])
def test_ray_engine_output_equals_local_engine_row_for_row(
    ray_cluster: Any, tmp_path: Path, spec: PipelineSpec, maker: Any, suffix: str, actors: int
) -> None:
    source = maker(tmp_path / ("dirty.csv" if maker is _dirty_csv else "dirty.jsonl"))
    outputs = _both(source, tmp_path, spec, suffix, actors=actors)
    (local, local_summary, local_batch), (ray_out, ray_summary, ray_batch) = outputs.values()
    local_records, ray_records = _records(local), _records(ray_out)
    assert len(ray_records) == len(local_records) > 25
    for number, (expected, got) in enumerate(zip(local_records, ray_records, strict=True), 1):
        assert got == expected, f"row {number}"
    assert any(record["error_code" if suffix == ".parquet" else "error"] for record in ray_records)
    assert ray_batch.rejects_path.read_bytes() == local_batch.rejects_path.read_bytes()
    local_counts, ray_counts = local_summary.as_dict(), ray_summary.as_dict()
    assert {k: ray_counts[k] for k in SUMMARY_COUNTS} == {
        k: local_counts[k] for k in SUMMARY_COUNTS
    }
    written = json.loads(ray_batch.summary_path.read_text(encoding="utf-8"))
    assert (written["engine"], written["actors"], written["encoding"]) == (
        "ray", actors, local_counts["encoding"],
    )  # fmt: skip
    if suffix == ".jsonl":
        assert ray_out.read_bytes() == local.read_bytes()


@pytest.mark.slow
def test_ray_engine_reports_a_missing_column_before_scoring(
    ray_cluster: Any, tmp_path: Path, spec: PipelineSpec
) -> None:
    from cx_nlp.engines.ray_engine import score_file_ray
    from cx_nlp.errors import FileInputError

    source = _dirty_jsonl(tmp_path / "in.jsonl")
    with pytest.raises(FileInputError, match="'segment' not found"):
        score_file_ray(
            source, tmp_path / "out.jsonl", spec=spec, columns=ColumnMapping(segments=("segment",))
        )


def test_ray_engine_without_ray_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "cx_nlp.engines.ray_engine", raising=False)
    with pytest.raises(ConfigError, match=r"pip install 'cx-nlp\[ray\]'"):
        import cx_nlp.engines.ray_engine  # noqa: F401


@pytest.mark.parametrize(
    ("given", "location"),
    [
        ("s3:/bucket/exports/reviews.csv", "s3://bucket/exports/reviews.csv"),
        ("s3://bucket/reviews.csv", "s3://bucket/reviews.csv"),
        ("gs:/b/dir/x.parquet", "gs://b/dir/x.parquet"),
        ("data/reviews.csv", "data/reviews.csv"),
        ("/tmp/a:b/reviews.csv", "/tmp/a:b/reviews.csv"),
    ],
)
def test_input_location_restores_uri_slashes(given: str, location: str) -> None:
    pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'cx-nlp[ray]'")
    from cx_nlp.engines.ray_engine import input_location

    assert input_location(Path(given)) == location


def _cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from cx_nlp.cli import app

    monkeypatch.setattr("cx_nlp.config.get_settings", lambda: settings)
    result = CliRunner().invoke(app, ["score", *args, "--profile", "fake", "--engine", "ray"])
    return result.exit_code, result.output


@pytest.mark.parametrize("option", [["--workers", "2"], ["--resume"]])
def test_cli_ray_engine_refuses_local_engine_options(
    tmp_path: Path, test_settings: Settings, monkeypatch: pytest.MonkeyPatch, option: list[str]
) -> None:
    source = _dirty_jsonl(tmp_path / "in.jsonl")
    code, output = _cli(monkeypatch, test_settings, str(source), "-o", str(tmp_path / "o.jsonl"),
                        *option)  # fmt: skip
    assert code == 2
    assert "for --engine local" in output


@pytest.mark.slow
def test_cli_ray_engine_scores_with_summary_and_exit_code(
    ray_cluster: Any, tmp_path: Path, test_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _dirty_csv(tmp_path / "dirty.csv")
    output = tmp_path / "out.csv"
    code, text = _cli(monkeypatch, test_settings, str(source), "-o", str(output), "--id-column",
                      "id", "--actors", "2", "--batch-size", "10")  # fmt: skip
    assert code == 3, text
    assert "read 53, scored 46, rejected 7" in text
    summary = json.loads((tmp_path / "out.csv.summary.json").read_text(encoding="utf-8"))
    assert (summary["engine"], summary["actors"], summary["read"]) == ("ray", 2, 53)


@pytest.mark.slow
def test_ray_engine_raises_the_actors_library_error(
    ray_cluster: Any, tmp_path: Path, test_settings: Settings
) -> None:
    from cx_nlp.config import AnalyzerSpec
    from cx_nlp.engines.ray_engine import RayOptions, score_file_ray
    from cx_nlp.errors import ModelLoadError

    topics = AnalyzerSpec(name="topics", options={"model": "no-such-topics"})
    spec = PipelineSpec.resolve("fake", test_settings, [topics])
    with pytest.raises(ModelLoadError, match="no-such-topics"):
        score_file_ray(
            _dirty_jsonl(tmp_path / "in.jsonl"), tmp_path / "out.jsonl", spec=spec,
            columns=ColumnMapping(), ray_options=RayOptions(actors=1),
        )  # fmt: skip
