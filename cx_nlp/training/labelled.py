"""Labelled data as a ``datasets.Dataset``: a user's file, or a hub dataset with a network.

The notebooks and ``cx-nlp train`` share these steps: :func:`load_labelled` reads
``text``/``label``/``language`` columns (renamed from whatever the source calls them),
:func:`split_labelled` makes a seeded train/validation split that keeps duplicate texts on
one side, and :func:`to_labelled_texts` turns rows into the ``LabelledText`` records the
head recipes train on.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cx_nlp.errors import FileInputError
from cx_nlp.training.data import TRAIN, VAL, LabelledText, seeded_split, split_labels

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = ("text", "label", "language")
UNDETERMINED = "und"
_BUILDERS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".parquet": "parquet",
}


def _load_file(path: Path, cache_dir: Path | None) -> Dataset:
    from datasets import load_dataset

    if not path.is_file():
        raise FileInputError(f"Labelled file {str(path)!r} does not exist; check the path.")
    suffix = path.suffix.lower()
    options: dict[str, Any] = {}
    if _BUILDERS[suffix] == "csv":  # keep empty cells as "" (an unlabelled row), not NaN
        options = {"keep_default_na": False, "delimiter": "\t" if suffix == ".tsv" else ","}
    cache = str(cache_dir) if cache_dir else None
    try:
        return load_dataset(
            _BUILDERS[suffix], data_files=str(path), split="train", cache_dir=cache, **options
        )
    except (OSError, ValueError) as exc:
        raise FileInputError(f"Cannot read labelled file {str(path)!r}: {exc}") from exc


def _load_hub(name: str, split: str, cache_dir: Path | None) -> Dataset:
    from datasets import load_dataset

    try:
        return load_dataset(name, split=split, cache_dir=str(cache_dir) if cache_dir else None)
    except (OSError, ValueError) as exc:  # DatasetNotFoundError and offline errors subclass these
        raise FileInputError(
            f"Cannot load {name!r}: {exc}. Pass a CSV/TSV/JSONL/Parquet file, or a hub dataset "
            "id on a machine with a network (or already in the local datasets cache)."
        ) from exc


def load_labelled(
    source: str | Path,
    *,
    text_column: str = "text",
    label_column: str = "label",
    language_column: str | None = "language",
    split: str = "train",
    language: str = UNDETERMINED,
    cache_dir: Path | None = None,
) -> Dataset:
    """Load labelled texts as a ``datasets.Dataset`` with columns ``text``, ``label``, ``language``.

    Rows with an empty label (not labelled yet) are dropped, and how many is logged at
    WARNING; the caller can compare ``len()`` with the file. Labels are lowercased strings
    (several labels stay in one string, ``"joy|trust"``); numbers become strings.

    Args:
        source: A ``.csv``/``.tsv``/``.jsonl``/``.ndjson``/``.json``/``.parquet`` file, or a
            Hugging Face hub dataset id (needs a network, or the local datasets cache).
        text_column: Column holding the text.
        label_column: Column holding the label.
        language_column: Column holding an ISO 639-1 code; None or a missing column gives
            every row ``language``.
        split: Split of a hub dataset (files have one split).
        language: Language for rows without one.
        cache_dir: ``datasets`` cache folder; None uses its default.

    Raises:
        FileInputError: The file or dataset cannot be read or lacks a column.
    """
    path = Path(source)
    is_file = path.suffix.lower() in _BUILDERS
    data = _load_file(path, cache_dir) if is_file else _load_hub(str(source), split, cache_dir)
    missing = [c for c in (text_column, label_column) if c not in data.column_names]
    if missing:
        raise FileInputError(
            f"{str(source)!r} has no column(s) {missing} (columns: {data.column_names}); "
            "pass text_column=/label_column= to name them."
        )
    has_language = language_column is not None and language_column in data.column_names

    def normalise(row: dict[str, Any]) -> dict[str, str]:
        code = str(row[language_column] or "") if has_language and language_column else ""
        label = row[label_column]
        return {
            "text": str(row[text_column] or ""),
            "label": "" if label is None else str(label).strip().lower(),
            "language": code.strip().lower() or language,
        }

    rows = data.map(normalise, remove_columns=data.column_names, desc="normalise")
    rows = rows.select_columns(list(COLUMNS))
    labelled = rows.filter(lambda row: bool(row["label"]), desc="drop unlabelled")
    if len(labelled) < len(rows):
        logger.warning(
            "%s: skipped %d of %d rows with an empty label",
            source,
            len(rows) - len(labelled),
            len(rows),
        )
    return labelled


def split_labelled(data: Dataset, *, seed: int = 0, val_percent: int = 15) -> DatasetDict:
    """A seeded ``train``/``validation`` split by a hash of each text (duplicates stay together).

    Args:
        data: Rows with a ``text`` column.
        seed: Changes which texts land in validation.
        val_percent: Share of texts (by hash) in validation, 1-99.
    """
    from datasets import DatasetDict

    if not 0 < val_percent < 100:
        raise ValueError(f"val_percent must be between 1 and 99, got {val_percent}")
    sides = [seeded_split(text, seed=seed, val_percent=val_percent) for text in data["text"]]
    return DatasetDict(
        {
            "train": data.select([i for i, side in enumerate(sides) if side == TRAIN]),
            "validation": data.select([i for i, side in enumerate(sides) if side == VAL]),
        }
    )


def sample_rows(data: Dataset, rows: int, *, seed: int = 0) -> Dataset:
    """At most ``rows`` rows drawn with ``seed`` (all of them when ``rows`` is 0)."""
    if rows <= 0 or rows >= len(data):
        return data
    return data.shuffle(seed=seed).select(range(rows))


def to_labelled_texts(data: Dataset, *, source: str, split: str = TRAIN) -> list[LabelledText]:
    """``LabelledText`` records (for the head recipes) from a dataset of :data:`COLUMNS`."""
    return [
        LabelledText(row["text"], split_labels(row["label"]), row["language"], source, split)
        for row in data
    ]


def from_labelled_texts(rows: list[LabelledText]) -> Dataset:
    """A ``datasets.Dataset`` of :data:`COLUMNS` from ``LabelledText`` rows (labels joined by |)."""
    from datasets import Dataset

    return Dataset.from_list(
        [{"text": r.text, "label": "|".join(r.labels), "language": r.language} for r in rows]
    )
