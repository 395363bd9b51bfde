"""A linear sentiment model on hashed word n-grams, blended with the embedding head.

Sentence encoders smooth words away: "non male", "pessimo!!", a 👍 or a bigram that reviewers
of a product type use for "broken" carry sentiment that a 512-d average partly loses. A
logistic regression on hashed unigrams and bigrams (emoji count as words) keeps them. Its
probabilities join the head's in log space::

    p = softmax((1 - w) * log p_head + w * log p_lexical)

The model directory looks like a head's: ``manifest.json`` (task ``sentiment``, encoder
``hashed-ngrams`` with this module's :data:`FEATURISER_VERSION` and :data:`N_FEATURES`),
``head.safetensors`` (``layers.0.weight`` of shape ``(3, N_FEATURES)``, ``layers.0.bias``) and
``MODEL_CARD.md``. Inference needs numpy, scipy and scikit-learn's ``HashingVectorizer``
(MurmurHash3, stable across releases); no torch.
"""

from __future__ import annotations

import logging
import re
import time
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from cx_nlp.artifacts import Manifest, verify_model_dir
from cx_nlp.errors import ModelLoadError
from cx_nlp.heads import TASK_LABELS, WEIGHTS_FILE, softmax

logger = logging.getLogger(__name__)

FEATURISER = "hashed-ngrams"
FEATURISER_VERSION = "word2-emoji-1-2-murmur3-l2-v1"
N_FEATURES = 2**18
# Words of two or more characters, and any other single character that is neither a space
# nor ASCII punctuation (emoji, symbols). Measured on validation against keeping one-letter
# words and ASCII punctuation: within 0.01 on UMSAB, 0.01-0.02 better on Amazon.it.
TOKEN_PATTERN = r"(?u)\b\w\w+\b|[^\w\s!-/:-@\[-`{-~]"
_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+")


def lexical_text(text: str) -> str:
    """Lowercased, with @mentions and URLs reduced to one token each (as in training)."""
    return _URL.sub("http", _MENTION.sub("@user", text.lower()))


def hashed_ngrams(texts: list[str]) -> Any:
    """Sparse ``(len(texts), N_FEATURES)`` float32 matrix of L2-normalised n-gram counts."""
    return _vectoriser().transform([lexical_text(t) for t in texts])


@cache
def _vectoriser() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        ngram_range=(1, 2),
        n_features=N_FEATURES,
        token_pattern=TOKEN_PATTERN,
        lowercase=False,
        alternate_sign=False,
        norm="l2",
        dtype=np.float32,
    )


def blend(head_probs: np.ndarray, lexical_probs: np.ndarray, weight: float) -> np.ndarray:
    """Log-linear blend of two probability matrices; ``weight`` is the lexical model's share."""
    logits = (1.0 - weight) * np.log(np.clip(head_probs, 1e-7, 1.0))
    logits += weight * np.log(np.clip(lexical_probs, 1e-7, 1.0))
    return softmax(logits).astype(np.float32)


class LexicalModel:
    """Hashed n-gram logistic regression; build it with :meth:`LexicalModel.load`."""

    def __init__(self, manifest: Manifest, weight: np.ndarray, bias: np.ndarray) -> None:
        self.manifest = manifest
        self.labels: tuple[str, ...] = tuple(manifest.labels)
        self._weight = weight  # (N_FEATURES, labels)
        self._bias = bias

    @classmethod
    def load(cls, model_dir: Path, *, task: str = "sentiment") -> LexicalModel:
        """Load and verify a lexical model directory.

        Raises:
            ModelLoadError: A file, checksum, label set or featuriser does not match.
        """
        from safetensors.numpy import load_file

        t0 = time.perf_counter()
        model_dir = Path(model_dir)
        manifest = verify_model_dir(model_dir, task=task, labels=TASK_LABELS[task])
        expected = (FEATURISER, FEATURISER_VERSION, N_FEATURES)
        declared = (manifest.encoder.name, manifest.encoder.version, manifest.encoder.dim)
        if declared != expected:
            raise ModelLoadError(
                f"Model {manifest.name!r} reads features {declared}, but this cx-nlp computes "
                f"{expected}; use a lexical model trained by this version "
                "(cx-nlp train sentiment-lexical)."
            )
        tensors = load_file(str(model_dir / WEIGHTS_FILE))
        weight = tensors["layers.0.weight"].astype(np.float32)
        if weight.shape != (len(manifest.labels), N_FEATURES):
            raise ModelLoadError(
                f"Lexical model {manifest.name!r} weight has shape {weight.shape}, expected "
                f"{(len(manifest.labels), N_FEATURES)}; re-export the model."
            )
        bias = tensors["layers.0.bias"].astype(np.float32)
        logger.info("loaded lexical model %s in %.3fs", manifest.name, time.perf_counter() - t0)
        return cls(manifest, np.ascontiguousarray(weight.T), bias)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Softmax probabilities ``(len(texts), len(labels))``."""
        if not texts:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logits = np.asarray(hashed_ngrams(texts) @ self._weight) + self._bias
        return softmax(logits).astype(np.float32)
