"""Sentiment from a fine-tuned ``transformers`` sequence-classification checkpoint.

The ``sentiment`` analyzer with ``backend = "transformers"`` runs a folder written by
``cx_nlp.training.finetune`` (``save_pretrained`` files + cx-nlp manifest) on every
sentence and fills the same fields as the head backend. torch and transformers are
imported in :meth:`SequenceClassifier.load` only.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.artifacts import Manifest, verify_model_dir
from cx_nlp.errors import AnalyzerError, ModelLoadError
from cx_nlp.heads import TASK_LABELS, softmax

logger = logging.getLogger(__name__)

TRANSFORMERS_ARCHITECTURE = "transformers"


class SequenceClassifier:
    """A verified sequence-classification checkpoint: texts in, label probabilities out.

    Build it with :meth:`load`. Texts are sorted by length into batches and the
    probabilities returned in input order.
    """

    def __init__(
        self,
        manifest: Manifest,
        model: Any,
        tokenizer: Any,
        *,
        torch: Any,
        device: str,
        batch_size: int,
        max_length: int,
    ) -> None:
        self.manifest = manifest
        self.labels: tuple[str, ...] = tuple(manifest.labels)
        self._model = model
        self._tokenizer = tokenizer
        self._torch = torch
        self._device = device
        self.batch_size = batch_size
        self.max_length = max_length

    @classmethod
    def load(
        cls,
        model_dir: Path,
        *,
        task: str = "sentiment",
        device: str = "cpu",
        num_threads: int | None = None,
        batch_size: int = 32,
        max_length: int | None = None,
    ) -> SequenceClassifier:
        """Verify ``model_dir`` against its manifest and load it.

        Args:
            model_dir: A folder written by ``finetune_classifier``.
            task: The task the caller needs.
            device: Torch device string.
            num_threads: Torch intra-op threads; None keeps torch's default.
            batch_size: Texts per forward pass.
            max_length: Tokens per text; None uses the length it was trained with.

        Raises:
            ModelLoadError: Not a transformers model, a checksum or the label order differs,
                or torch/transformers cannot load it.
        """
        t0 = time.perf_counter()
        manifest = verify_model_dir(model_dir, task=task, labels=TASK_LABELS[task])
        if manifest.architecture.type != TRANSFORMERS_ARCHITECTURE:
            raise ModelLoadError(
                f"Model {manifest.name!r} is a {manifest.architecture.type!r} head, not a "
                "transformers checkpoint; use the sentiment analyzer with backend = 'head'."
            )
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ModelLoadError(
                f"Model {manifest.name!r} needs torch and transformers ({exc}); "
                "install them with: pip install torch transformers"
            ) from exc
        if num_threads:
            torch.set_num_threads(num_threads)
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                str(model_dir), local_files_only=True
            ).to(device)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"Cannot load {str(model_dir)!r}: {exc}; re-export it.") from exc
        order = [model.config.id2label[i] for i in range(model.config.num_labels)]
        if order != list(manifest.labels):
            raise ModelLoadError(
                f"Model {manifest.name!r} outputs {order}, but its manifest says "
                f"{manifest.labels}; re-export the model."
            )
        model.eval()
        length = max_length or int(min(tokenizer.model_max_length, 512))
        logger.info(
            "loaded %s v%d on %s in %.2fs",
            manifest.name,
            manifest.version,
            device,
            time.perf_counter() - t0,
        )
        return cls(
            manifest,
            model,
            tokenizer,
            torch=torch,
            device=device,
            batch_size=batch_size,
            max_length=length,
        )

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Probabilities ``(len(texts), len(labels))`` in the manifest's label order.

        Raises:
            AnalyzerError: The forward pass failed.
        """
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._decode(self._predict(self._encode([texts[i] for i in rows])))
        return out

    def _encode(self, texts: list[str]) -> Any:
        return self._tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        ).to(self._device)

    def _predict(self, batch: Any) -> np.ndarray:
        try:
            with self._torch.inference_mode():
                logits = self._model(**batch).logits
        except RuntimeError as exc:
            raise AnalyzerError(f"Model {self.manifest.name!r} failed on a batch: {exc}") from exc
        return np.asarray(logits.float().cpu().numpy(), dtype=np.float32)

    def _decode(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits)
