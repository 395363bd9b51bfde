"""Turn annotators' working files into the committed corpus files under ``data/forces/``.

Public texts are stored as references (dataset, file, row) with evidence as character offsets
into the source text, so no public text is copied into the repository; original texts keep
their text. Usage::

    python -m cx_nlp.training.forces_merge OUT_DIR SHARED_DATA public:FILE... original:FILE...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cx_nlp.training.forces_corpus import ORIGINAL, resolve_text

_FIELDS = ("forces", "journey", "sentiment")


def parse_uid(uid: str) -> dict[str, str]:
    """``dataset/file#row`` -> its parts (file may contain slashes)."""
    dataset, _, rest = uid.partition("/")
    file, _, row = rest.rpartition("#")
    return {"dataset": dataset, "file": file, "row": row}


def public_record(label: dict[str, Any], shared: Path, annotator: str) -> dict[str, Any]:
    """A committed record for a labelled public text: reference plus offsets."""
    source = parse_uid(label["uid"])
    record: dict[str, Any] = {"uid": label["uid"], "source": source}
    text = resolve_text(record, shared)
    evidence = {}
    for force, quote in label.get("evidence", {}).items():
        start = text.find(quote)
        evidence[force] = [start, start + len(quote)] if start >= 0 else None
    language = label.get("language") or source["file"].split("/")[1]
    return {**record, "language": language, **{k: label.get(k) for k in _FIELDS},
            "evidence": evidence, "annotator": annotator}  # fmt: skip


def original_record(label: dict[str, Any], annotator: str) -> dict[str, Any]:
    """A committed record for a text written by the project."""
    text = label["text"]
    evidence = {}
    for force, quote in label.get("evidence", {}).items():
        start = text.find(quote)
        evidence[force] = [start, start + len(quote)] if start >= 0 else None
    return {"uid": label["uid"], "source": {"dataset": ORIGINAL, "channel": label.get("channel")},
            "language": label["language"], "text": text, **{k: label.get(k) for k in _FIELDS},
            "evidence": evidence, "annotator": annotator}  # fmt: skip


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main(out_dir: Path, shared: Path, specs: list[str]) -> None:
    """Write ``labels_public.jsonl`` and ``labels_original.jsonl`` into ``out_dir``."""
    languages = {}
    public, original = [], []
    for spec in specs:
        kind, _, name = spec.partition(":")
        path = Path(name)
        annotator = path.stem
        for label in _read(path):
            if kind == "public":
                public.append(public_record(label, shared, annotator))
            else:
                original.append(original_record(label, annotator))
        languages[path.name] = len(public) + len(original)
    for name, records in (("labels_public.jsonl", public), ("labels_original.jsonl", original)):
        lines = [json.dumps(record, ensure_ascii=False) for record in records]
        (out_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
