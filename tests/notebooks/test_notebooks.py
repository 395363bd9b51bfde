"""Every notebook in notebooks/ runs top to bottom on tiny data, and is committed stripped.

The slow test executes each notebook with nbclient on the venv's own ``python3`` kernel
(ipykernel's kernelspec inside the venv; jupyter_client starts it with ``sys.executable``),
with ``CX_NLP_NOTEBOOK_ROWS`` small and ``CX_NLP_NOTEBOOK_OUT`` in a temporary folder.
New notebooks are picked up by the glob.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cx_nlp.config import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
TINY_ROWS = "200"
CELL_TIMEOUT_S = 600
PARAMETER_LINES = (
    'ROWS = int(os.environ.get("CX_NLP_NOTEBOOK_ROWS", "0"))',
    'OUT_DIR = Path(os.environ.get("CX_NLP_NOTEBOOK_OUT", "out/notebooks"))',
)


def _read(path: Path):  # type: ignore[no-untyped-def]
    import nbformat

    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = _read(path)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, f"{path.name} has no code"
    assert all(cell.execution_count is None for cell in code)
    assert all(cell.outputs == [] for cell in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_starts_with_a_parameters_cell(path: Path) -> None:
    first = next(cell for cell in _read(path).cells if cell.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    for line in PARAMETER_LINES:
        assert line in first.source


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom_on_tiny_data(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient import NotebookClient

    monkeypatch.setenv("CX_NLP_NOTEBOOK_ROWS", TINY_ROWS)
    monkeypatch.setenv("CX_NLP_NOTEBOOK_OUT", str(tmp_path / "out"))
    # Only the venv's kernelspecs: ignore any user-level one (and its interpreter).
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    notebook = _read(path)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(PROJECT_ROOT)}},
    )
    started = time.perf_counter()
    client.execute()
    print(f"{path.name}: {time.perf_counter() - started:.1f}s")  # noqa: T201 (shown with -s)
    assert any((tmp_path / "out").iterdir())
