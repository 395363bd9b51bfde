"""Several encoders side by side: their vectors concatenated, one unit-norm row per text.

Spec ``usem3+e5-small-cx``: each part's L2-normalised vector is scaled by ``1/sqrt(k)``
(k parts), so the concatenation has unit norm and every part weighs the same. A head
trained on one part alone moves onto the concatenation exactly: zero weights for the other
parts and its own weights times ``sqrt(k)`` (:func:`widen_head_layer`).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from cx_nlp.encoders.base import Encoder


class ConcatEncoder:
    """The parts' vectors, concatenated in spec order; name ``a+b``, dim the sum."""

    def __init__(self, parts: list[Encoder]) -> None:
        if len(parts) < 2:
            raise ValueError("a concatenated encoder needs at least two parts")
        self.parts = parts
        self.name = "+".join(part.name for part in parts)
        self.version = "+".join(part.version for part in parts)
        self.dim = sum(part.dim for part in parts)
        self._scale = np.float32(1.0 / math.sqrt(len(parts)))

    def encode(self, texts: list[str]) -> np.ndarray:
        """Every part's vectors of ``texts``, scaled and side by side: ``(len(texts), dim)``."""
        return combine([part.encode(texts) for part in self.parts])


def combine(blocks: list[np.ndarray]) -> np.ndarray:
    """Concatenate unit-norm blocks into unit-norm rows (each block times ``1/sqrt(k)``)."""
    scale = np.float32(1.0 / math.sqrt(len(blocks)))
    return np.ascontiguousarray(np.hstack(blocks) * scale, dtype=np.float32)


def part_dims(encoder: Encoder) -> list[int]:
    """The widths of ``encoder``'s unit-norm blocks: its parts', or its own width."""
    parts = encoder.parts if isinstance(encoder, ConcatEncoder) else [encoder]
    return [part.dim for part in parts]


def pool_sentences(vectors: np.ndarray, weights: np.ndarray, dims: list[int]) -> np.ndarray:
    """One document vector from its sentences' vectors, in the encoder's own geometry.

    The ``weights``-weighted sum of the rows, each block of ``dims`` L2-normalised again
    and scaled as :func:`combine` does, so a head reads it like any sentence vector. One
    sentence gives back its own vector.
    """
    total = np.asarray(weights, dtype=np.float32) @ np.asarray(vectors, dtype=np.float32)
    edges = np.cumsum([0, *dims])
    blocks = [total[a:b] / max(float(np.linalg.norm(total[a:b])), 1e-12) for a, b in
              itertools.pairwise(edges)]  # fmt: skip
    return np.asarray(combine([block[None, :] for block in blocks])[0])


def widen_head_layer(weight: np.ndarray, part_dims: list[int], part: int) -> np.ndarray:
    """First-layer weights ``(out, dims[part])`` of a one-part head, for the concatenation."""
    wide = np.zeros((weight.shape[0], sum(part_dims)), dtype=np.float32)
    start = sum(part_dims[:part])
    wide[:, start : start + part_dims[part]] = weight * np.float32(math.sqrt(len(part_dims)))
    return wide
