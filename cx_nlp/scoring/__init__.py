"""Batch scoring of feedback files (``cx-nlp score``): mapping, workers, resume, summary."""

from cx_nlp.scoring.mapping import ColumnMapping, row_id, score_chunk, to_item
from cx_nlp.scoring.runner import BatchOptions, check_columns, score_file
from cx_nlp.scoring.summary import ScoreSummary
from cx_nlp.scoring.workers import PipelineSpec

__all__ = [
    "BatchOptions",
    "ColumnMapping",
    "PipelineSpec",
    "ScoreSummary",
    "check_columns",
    "row_id",
    "score_chunk",
    "score_file",
    "to_item",
]
