"""Small classification heads on top of sentence embeddings, run in numpy.

A head is a linear layer or a small MLP stored in ``head.safetensors`` (tensors
``layers.<i>.weight`` of shape ``(out, in)`` and ``layers.<i>.bias``, torch's ``Linear``
layout) next to a ``manifest.json``. Inference needs only numpy and safetensors, so
the fast profile never imports torch.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from cx_nlp.artifacts import Manifest, load_manifest, verify_model_dir
from cx_nlp.encoders.base import Encoder
from cx_nlp.errors import ModelLoadError
from cx_nlp.schema import FORCE_HEAD_LABELS, Emotion, JourneyStage, SentimentLabel

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "head.safetensors"
TASK_LABELS: dict[str, tuple[str, ...]] = {
    "sentiment": tuple(label.value for label in SentimentLabel),
    "emotion": tuple(label.value for label in Emotion),
    "forces": FORCE_HEAD_LABELS,
    "journey": tuple(stage.value for stage in JourneyStage),
}
_SQRT_2_OVER_PI = np.float32(np.sqrt(2.0 / np.pi))


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh approximation (torch ``GELU(approximate="tanh")``)."""
    inner = _SQRT_2_OVER_PI * (x + np.float32(0.044715) * x * x * x)
    return np.asarray(np.float32(0.5) * x * (np.float32(1.0) + np.tanh(inner)), dtype=np.float32)


def relu(x: np.ndarray) -> np.ndarray:
    """ReLU."""
    return np.asarray(np.maximum(x, np.float32(0.0)), dtype=np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float32)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Element-wise logistic function, numerically stable."""
    return np.asarray(np.exp(-np.logaddexp(np.float32(0.0), -logits)), dtype=np.float32)


_ACTIVATIONS = {"gelu": gelu, "relu": relu}


def _read_layers(path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"Cannot read head weights {str(path)!r}: {exc}; re-export.") from exc
    layers: list[tuple[np.ndarray, np.ndarray]] = []
    while f"layers.{len(layers)}.weight" in tensors:
        i = len(layers)
        weight = tensors[f"layers.{i}.weight"].astype(np.float32)
        bias = tensors[f"layers.{i}.bias"].astype(np.float32)
        layers.append((np.ascontiguousarray(weight.T), bias))
    if not layers:
        raise ModelLoadError(f"Head weights {str(path)!r} hold no 'layers.0.weight'; re-export.")
    return layers


def _check_encoder(manifest: Manifest, encoder: Encoder | tuple[str, int]) -> None:
    name, dim = (encoder.name, encoder.dim) if not isinstance(encoder, tuple) else encoder
    if (manifest.encoder.name, manifest.encoder.dim) != (name, dim):
        raise ModelLoadError(
            f"Head {manifest.name!r} was trained on encoder {manifest.encoder.name!r} "
            f"(dim {manifest.encoder.dim}), but the pipeline uses {name!r} (dim {dim}); "
            f"configure encoder {manifest.encoder.name!r} or pick a head trained on {name!r}."
        )


class Head:
    """A trained head: labels in order, activation, thresholds and the numpy forward pass.

    Build it with :meth:`Head.load`.
    """

    def __init__(self, manifest: Manifest, layers: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.manifest = manifest
        self.labels: tuple[str, ...] = tuple(manifest.labels)
        self.activation = manifest.activation
        self.thresholds: dict[str, float] = dict(manifest.thresholds)
        self._layers = layers
        self._hidden_activation = _ACTIVATIONS[manifest.architecture.activation or "relu"]
        self.input_dim = int(layers[0][0].shape[0])
        if layers[-1][0].shape[1] != len(self.labels):
            raise ModelLoadError(
                f"Head {manifest.name!r} outputs {layers[-1][0].shape[1]} scores for "
                f"{len(self.labels)} labels; re-export the model."
            )

    @classmethod
    def load(
        cls, model_dir: Path, *, encoder: Encoder | tuple[str, int], task: str | None = None
    ) -> Head:
        """Load and verify a head.

        Args:
            model_dir: Directory with ``manifest.json`` and ``head.safetensors``.
            encoder: The encoder in use, or its ``(name, dim)``.
            task: Required task (``"sentiment"``, ``"emotion"``); None accepts the manifest's.

        Raises:
            ModelLoadError: A file, checksum, label set, task or encoder does not match.
        """
        t0 = time.perf_counter()
        model_dir = Path(model_dir)
        declared = load_manifest(model_dir)
        task = task or declared.task
        labels = TASK_LABELS.get(task, tuple(declared.labels))
        manifest = verify_model_dir(model_dir, task=task, labels=labels)
        _check_encoder(manifest, encoder)
        head = cls(manifest, _read_layers(model_dir / WEIGHTS_FILE))
        if head.input_dim != manifest.encoder.dim:
            raise ModelLoadError(
                f"Head {manifest.name!r} takes {head.input_dim}-d input but declares encoder "
                f"dim {manifest.encoder.dim}; re-export the model."
            )
        logger.info(
            "loaded head %s v%d in %.3fs", manifest.name, manifest.version, time.perf_counter() - t0
        )
        return head

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        """Raw scores ``(n, len(labels))`` for float32 ``vectors`` ``(n, input_dim)``."""
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.input_dim:
            raise ValueError(f"expected vectors of shape (n, {self.input_dim}), got {x.shape}")
        for i, (weight, bias) in enumerate(self._layers):
            x = x @ weight + bias
            if i < len(self._layers) - 1:
                x = self._hidden_activation(x)
        return x

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        """Probabilities ``(n, len(labels))``: softmax rows or independent sigmoids."""
        logits = self.logits(vectors)
        probs = softmax(logits) if self.activation == "softmax" else sigmoid(logits)
        return probs.astype(np.float32)
