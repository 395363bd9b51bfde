"""Fine-tune a ``transformers`` checkpoint for sentiment with ``Trainer`` and export it.

The exported folder is a ``save_pretrained`` checkpoint plus a cx-nlp ``manifest.json``
(SHA-256 of every file) and ``MODEL_CARD.md``, so the ``sentiment`` analyzer runs it with
``backend = "transformers"``. Training may download a hub id when the machine has a network;
running the exported folder never does.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cx_nlp.analyzers.sentiment_transformers import TRANSFORMERS_ARCHITECTURE
from cx_nlp.artifacts import CARD_FILE, MANIFEST_FILE
from cx_nlp.errors import ModelLoadError
from cx_nlp.heads import TASK_LABELS, softmax
from cx_nlp.training.card import render_card
from cx_nlp.training.export import write_manifest
from cx_nlp.training.metrics import single_label_report
from cx_nlp.training.versions import ensure_new_model_dir, parse_model_name

if TYPE_CHECKING:
    from datasets import Dataset

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FinetuneConfig:
    """Hyper-parameters of a ``Trainer`` run (modest defaults for CPUs)."""

    epochs: float = 1.0
    learning_rate: float = 5e-5
    batch_size: int = 16
    max_length: int = 64
    weight_decay: float = 0.01
    warmup_steps: int = 0
    seed: int = 0


@dataclass(frozen=True)
class TrainingDataInfo:
    """What the model card must say about one training set."""

    name: str
    path: str
    license: str
    commercial_use: bool
    rows: int = 0  # training rows from this set; 0: all the training rows


@dataclass
class FinetuneResult:
    """The exported folder, the validation report, all manifest metrics and the time taken."""

    model_dir: Path
    report: dict[str, Any]
    metrics: dict[str, Any]
    seconds: float


def _load_checkpoint(checkpoint: str | Path, labels: tuple[str, ...]) -> tuple[Any, Any]:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(checkpoint))
        model = AutoModelForSequenceClassification.from_pretrained(
            str(checkpoint),
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
            # a checkpoint with another classification head (e.g. 2 labels) gets a fresh one
            ignore_mismatched_sizes=True,
        )
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"Cannot load checkpoint {str(checkpoint)!r}: {exc}. Pass a local folder written "
            "by save_pretrained(), or a hub id on a machine with a network."
        ) from exc
    return tokenizer, model


def _tokenize(data: Dataset, tokenizer: Any, labels: tuple[str, ...], max_length: int) -> Any:
    unknown = sorted(set(data["label"]) - set(labels))
    if unknown:
        raise ValueError(f"labels {unknown} are not in {list(labels)}")

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        out = dict(tokenizer(batch["text"], truncation=True, max_length=max_length))
        out["labels"] = [labels.index(label) for label in batch["label"]]
        return out

    return data.map(encode, batched=True, remove_columns=data.column_names, desc="tokenize")


def _trainer(model: Any, tokenizer: Any, train: Any, work_dir: str, config: FinetuneConfig) -> Any:
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=work_dir,
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size * 2,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_steps,
        seed=config.seed,
        eval_strategy="no",
        save_strategy="no",
        logging_strategy="epoch",
        report_to="none",
        disable_tqdm=True,
        use_cpu=True,
        dataloader_num_workers=0,
    )
    return Trainer(
        model=model,
        args=args,
        train_dataset=train,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
    )


def _report(probs: np.ndarray, data: Dataset, labels: tuple[str, ...]) -> dict[str, Any]:
    y = np.array([labels.index(label) for label in data["label"]], dtype=np.int64)
    return single_label_report(probs, y, list(data["language"]), labels)


def finetune_classifier(
    train: Dataset,
    validation: Dataset,
    *,
    checkpoint: str | Path,
    out_dir: Path,
    training_data: list[TrainingDataInfo],
    config: FinetuneConfig | None = None,
    task: str = "sentiment",
    validation_name: str = "validation",
    command: str = "",
) -> FinetuneResult:
    """Fine-tune ``checkpoint`` on ``train`` with ``Trainer``, evaluate, and export it.

    Args:
        train: Rows with ``text``, ``label``, ``language`` (see ``load_labelled``).
        validation: Rows scored after training (macro-F1 per language and per label).
        checkpoint: A local ``save_pretrained`` folder, or a hub id with a network.
        out_dir: The new model folder, ``<task>-<base>-v<N>``; it must not exist yet.
        training_data: Name, path and licence of each training set, for the card.
        config: Hyper-parameters (default :class:`FinetuneConfig`).
        task: A single-label task; only ``sentiment`` has an analyzer backend.
        validation_name: What the validation rows are, for the manifest and card
            (e.g. ``"umsab_en"``).
        command: How to reproduce the model, for its card.

    Returns:
        The folder, the validation report and the training time.

    Raises:
        ConfigError: ``out_dir`` already holds files.
        ModelLoadError: The checkpoint cannot be loaded.
        ValueError: A row's label is not one of the task's labels.
    """
    import torch

    config = config or FinetuneConfig()
    ensure_new_model_dir(out_dir)
    labels = TASK_LABELS[task]
    t0 = time.perf_counter()
    torch.manual_seed(config.seed)
    tokenizer, model = _load_checkpoint(checkpoint, labels)
    train_tok = _tokenize(train, tokenizer, labels, config.max_length)
    val_tok = _tokenize(validation, tokenizer, labels, config.max_length)
    with tempfile.TemporaryDirectory(prefix="cx-nlp-finetune-") as work_dir:
        trainer = _trainer(model, tokenizer, train_tok, work_dir, config)
        trainer.train()
        logits = trainer.predict(val_tok).predictions
    report = _report(softmax(np.asarray(logits, np.float32)), validation, labels)
    seconds = time.perf_counter() - t0
    tokenizer.model_max_length = config.max_length  # the analyzer truncates where training did
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    metrics: dict[str, Any] = {
        validation_name: report,
        "seed": config.seed,
        "train_seconds": round(seconds, 1),
        "train_rows": len(train),
    }
    fields = _manifest_fields(out_dir, model, checkpoint, task, train, metrics, training_data)
    fields["hyperparameters"] = asdict(config)
    _write_card_and_manifest(out_dir, fields, command=command, seconds=seconds)
    logger.info("fine-tuned %s in %.1fs", out_dir.name, seconds)
    return FinetuneResult(out_dir, report, metrics, seconds)


def _manifest_fields(
    out_dir: Path,
    model: Any,
    checkpoint: str | Path,
    task: str,
    train: Dataset,
    metrics: dict[str, Any],
    training_data: list[TrainingDataInfo],
) -> dict[str, Any]:
    import transformers

    counts: dict[str, int] = {}
    for language in train["language"]:
        counts[language] = counts.get(language, 0) + 1
    data = [{**asdict(d), "rows": d.rows or len(train)} for d in training_data]
    return {
        "name": out_dir.name,
        "version": parse_model_name(out_dir.name)[1] or 1,
        "task": task,
        "labels": list(TASK_LABELS[task]),
        "activation": "softmax",
        "thresholds": {},
        "encoder": {
            "name": f"transformers:{Path(str(checkpoint)).name}",
            "version": f"transformers-{transformers.__version__}",
            "dim": int(model.config.hidden_size),
        },
        "architecture": {"type": TRANSFORMERS_ARCHITECTURE, "hidden": [], "activation": None},
        "languages": sorted(counts),
        "metrics": metrics,
        "training_data": data,
        "commercial_use": all(d.commercial_use for d in training_data),
    }


_SUMMARY = (
    "The `{base}` checkpoint fine-tuned end to end with `transformers.Trainer` for three-way "
    "polarity (negative / neutral / positive) of a sentence or short document of customer "
    "feedback. Runs in the cx-nlp pipeline as the `sentiment` analyzer with "
    '`backend = "transformers"` (torch). {licence}'
)


def _write_card_and_manifest(
    out_dir: Path, fields: dict[str, Any], *, command: str, seconds: float
) -> None:
    hyper = fields.pop("hyperparameters")
    licence = (
        "Trained only on permissively licensed data."
        if fields["commercial_use"]
        else "**Non-commercial / research use only**: at least one training set is "
        "non-commercial or has no clear licence."
    )
    summary = _SUMMARY.format(base=fields["encoder"]["name"].split(":", 1)[1], licence=licence)
    notes = f"- Hyper-parameters: {hyper}; texts are truncated to {hyper['max_length']} tokens."
    card = render_card(fields, command=command, seconds=seconds, notes=notes, summary=summary)
    (out_dir / CARD_FILE).write_text(card, encoding="utf-8")
    files = sorted(
        p.name
        for p in out_dir.iterdir()
        if p.is_file() and p.name not in {MANIFEST_FILE, CARD_FILE}
    )
    write_manifest(out_dir, fields, files=files)
