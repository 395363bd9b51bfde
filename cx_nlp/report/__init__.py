"""The analyst report: one self-contained HTML file from a scored file (``cx-nlp report``).

``write_report`` reads the scored records once, streaming (``stats``), and renders inline SVG
charts with Italian or English labels (``render``, ``labels``). Methods: docs/report.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from cx_nlp.report.labels import Labels, ReportLanguage
from cx_nlp.report.render import render_report
from cx_nlp.report.stats import ReportData, collect

__all__ = ["ReportData", "ReportLanguage", "collect", "render_report", "write_report"]

logger = logging.getLogger(__name__)


def write_report(
    scored_path: Path,
    output: Path,
    *,
    lang: str = "it",
    title: str | None = None,
    segment_columns: Sequence[str] = (),
) -> Path:
    """Write the HTML report of a scored file (the output of ``cx-nlp score``).

    Args:
        scored_path: JSONL contract records, or the flat CSV/Parquet rows of ``cx-nlp score``.
        output: the HTML file to write (its folder is created).
        lang: ``it`` or ``en``, the language of the report's labels.
        title: the report's title; default: "Customer experience report" in ``lang``.
        segment_columns: keys of ``segments`` (or of ``metadata``) to break figures down by;
            default: the keys of ``segments`` found in the file.

    Returns:
        ``output``.

    Raises:
        FileInputError: the scored file is missing or its format unknown.
        ValueError: ``lang`` is not ``it`` or ``en``.
    """
    labels = Labels(ReportLanguage(lang))
    started = time.perf_counter()
    data = collect(scored_path, segment_columns=segment_columns)
    html = render_report(data, labels=labels, title=title, source=scored_path.name)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    logger.info(
        "report: %d rows read, %d analysed, %d rejected, %.1fs -> %s",
        data.read,
        data.analysed,
        sum(data.rejected.values()),
        time.perf_counter() - started,
        output,
    )
    return output
