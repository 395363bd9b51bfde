"""Inter-annotator agreement on the forces corpus: Cohen's kappa per force.

Usage::

    python -m cx_nlp.training.agreement data/forces/labels_public.jsonl \\
        data/forces/second_annotation.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cx_nlp.schema import CxForce, SentimentLabel


def _read(paths: list[Path]) -> dict[str, dict[str, Any]]:
    records: dict[str, dict[str, Any]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                records[record["uid"]] = record
    return records


def force_kappas(
    first: dict[str, dict[str, Any]], second: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Kappa per force over (positive, negative, absent), plus agreement counts, on shared uids."""
    shared = sorted(set(first) & set(second))
    result: dict[str, Any] = {"texts": len(shared)}
    for force in CxForce:
        a = [first[uid].get("forces", {}).get(force.value, "absent") for uid in shared]
        b = [second[uid].get("forces", {}).get(force.value, "absent") for uid in shared]
        result[force.value] = {
            "kappa": _kappa(a, b),
            "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(shared), 3),
            "tagged_first": sum(x != "absent" for x in a),
            "tagged_second": sum(x != "absent" for x in b),
        }
    a_sent = [first[uid].get("sentiment", SentimentLabel.NEUTRAL.value) for uid in shared]
    b_sent = [second[uid].get("sentiment", SentimentLabel.NEUTRAL.value) for uid in shared]
    result["sentiment"] = {"kappa": _kappa(a_sent, b_sent)}
    return result


def _kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa; 1.0 when both annotators used one and the same category throughout."""
    from sklearn.metrics import cohen_kappa_score

    if len(set(first) | set(second)) < 2:
        return 1.0
    return round(float(cohen_kappa_score(first, second)), 3)


def disagreements(
    first: dict[str, dict[str, Any]], second: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Texts where the two annotations differ on any force."""
    return [
        {"uid": uid, "first": first[uid].get("forces", {}), "second": second[uid].get("forces", {})}
        for uid in sorted(set(first) & set(second))
        if first[uid].get("forces", {}) != second[uid].get("forces", {})
    ]


if __name__ == "__main__":
    *primary, secondary = (Path(arg) for arg in sys.argv[1:])
    report = force_kappas(_read(primary), _read([secondary]))
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
