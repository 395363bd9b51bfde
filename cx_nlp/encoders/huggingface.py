"""Encoders backed by a local (or already cached) Hugging Face checkpoint.

``transformers:<path-or-id>`` runs ``AutoModel`` and mean-pools the last hidden state
over real tokens; ``sentence-transformers:<path-or-id>`` runs the checkpoint's own
sentence-transformers pipeline. Loading never downloads: ``local_files_only`` is set, so
a hub id works only if it is already in the local cache.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from cx_nlp.encoders.base import Encoder, l2_normalise
from cx_nlp.errors import ModelLoadError

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 32
DEFAULT_MAX_LENGTH = 256


def _load_error(spec: str, exc: BaseException) -> ModelLoadError:
    return ModelLoadError(
        f"Could not load encoder {spec!r}: {exc}. Pass a local directory written by "
        "save_pretrained()/SentenceTransformer.save(), or a hub id already in the local "
        "cache; nothing is downloaded at run time."
    )


class TransformersEncoder:
    """``AutoModel`` + attention-masked mean pooling, sorted by length in batches.

    Args:
        spec: ``transformers:<path-or-id>``.
        device: Torch device string.
        num_threads: Torch intra-op threads; None keeps torch's default.
        batch_size: Texts per forward pass.
        max_length: Tokens per text; longer texts are truncated.
    """

    def __init__(
        self,
        spec: str,
        *,
        device: str = "cpu",
        num_threads: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_length: int = DEFAULT_MAX_LENGTH,
    ) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = spec.split(":", 1)[1]
        if num_threads:
            torch.set_num_threads(num_threads)
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self._model = AutoModel.from_pretrained(path, local_files_only=True).to(device)
        except (OSError, ValueError, RuntimeError) as exc:
            raise _load_error(spec, exc) from exc
        self._model.eval()
        self._torch = torch
        self._device = device
        self.name = spec
        self.dim = int(self._model.config.hidden_size)
        self.version = str(getattr(self._model.config, "_name_or_path", "") or path)
        self.batch_size = batch_size
        self.max_length = max_length

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised float32 mean-pooled vectors, one row per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._forward([texts[i] for i in rows])
        return l2_normalise(out)

    def _forward(self, texts: list[str]) -> np.ndarray:
        batch = self._tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        ).to(self._device)
        with self._torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return pooled.float().cpu().numpy()  # type: ignore[no-any-return]


class SentenceTransformersEncoder:
    """A sentence-transformers checkpoint, encoded with its own pooling.

    Args:
        spec: ``sentence-transformers:<path-or-id>``.
        device: Torch device string.
        num_threads: Torch intra-op threads; None keeps torch's default.
        batch_size: Texts per forward pass (sentence-transformers sorts by length).
    """

    def __init__(
        self,
        spec: str,
        *,
        device: str = "cpu",
        num_threads: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        import torch

        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelLoadError(
                f"Encoder {spec!r} needs the PyPI package 'sentence-transformers' ({exc}); "
                "install it with: pip install sentence-transformers"
            ) from exc
        path = spec.split(":", 1)[1]
        if num_threads:
            torch.set_num_threads(num_threads)
        try:
            self._model: Any = SentenceTransformer(path, device=device, local_files_only=True)
        except (OSError, ValueError, RuntimeError) as exc:
            raise _load_error(spec, exc) from exc
        self.name = spec
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelLoadError(f"Encoder {spec!r} does not declare its embedding dimension.")
        self.dim = int(dim)
        self.version = path
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return l2_normalise(vectors)


def load_huggingface_encoder(
    spec: str, *, device: str = "cpu", num_threads: int | None = None
) -> Encoder:
    """Load a ``transformers:`` or ``sentence-transformers:`` spec.

    Raises:
        ModelLoadError: torch/transformers are missing or the checkpoint cannot be read.
    """
    t0 = time.perf_counter()
    encoder: Encoder
    try:
        if spec.startswith("sentence-transformers:"):
            encoder = SentenceTransformersEncoder(spec, device=device, num_threads=num_threads)
        else:
            encoder = TransformersEncoder(spec, device=device, num_threads=num_threads)
    except ImportError as exc:
        raise ModelLoadError(
            f"Encoder {spec!r} needs torch and transformers ({exc}); "
            "install them with: pip install torch transformers"
        ) from exc
    logger.info("loaded encoder %s on %s in %.2fs", spec, device, time.perf_counter() - t0)
    return encoder
