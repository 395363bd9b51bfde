"""Print a short summary of a scored JSONL file (used by ``make demo``).

Usage: python -m cx_nlp.demo_summary out/demo_scored.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def summarize(path: Path) -> str:
    """A few lines an analyst can read: volumes, languages, sentiment, emotions, errors."""
    languages: Counter[str] = Counter()
    sentiments: Counter[str] = Counter()
    emotions: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    forces: Counter[str] = Counter()
    rows = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            rows += 1
            if record["error"]:
                errors[record["error"]["code"]] += 1
                continue
            languages[record["language"]["code"]] += 1
            if record["sentiment"]:
                sentiments[record["sentiment"]["label"]] += 1
            if record["emotions"]:
                emotions.update(record["emotions"]["labels"])
            forces.update(f"{name} {tag['polarity']}" for name, tag in record["forces"].items())
    lines = [
        f"{rows} records in {path}",
        f"  languages: {dict(languages.most_common())}",
        f"  sentiment: {dict(sentiments.most_common())}",
        f"  emotions:  {dict(emotions.most_common())}",
        f"  forces:    {dict(forces.most_common())}",
        f"  rejected:  {dict(errors.most_common())}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(summarize(Path(sys.argv[1])) + "\n")
