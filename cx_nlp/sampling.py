"""Active learning: pick the scored texts a model is least sure about, for a person to label.

:func:`sample_for_labelling` streams a scored export (the output of ``cx-nlp score``), so
memory stays bounded whatever the file size:

1. **Uncertainty** per record from the task's scores: sentiment, the margin between the two
   most probable labels (``1 - (p1 - p2)``); emotion, the label whose score is nearest 0.5;
   forces, the weakest force detected (texts with no force detected rank last: their
   scores are not in the export).
2. **Candidate pool**: per language, the ``pool_factor * n`` most uncertain records, with
   identical texts (case, spacing and punctuation aside) kept once.
3. **Quotas**: ``n`` split over languages in proportion to their volume, at least
   ``min_per_language`` each (when ``n`` allows), never more than a language's pool.
4. **Diversity**: within a language, a greedy farthest-point walk over character n-gram
   vectors, weighted by uncertainty, so near-paraphrases do not fill the quota.

The result is written as CSV with the columns of :data:`LABEL_COLUMNS`; ``label`` is empty
for the person to fill in, and ``cx-nlp train <task> --data FILE.csv`` reads it back.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from cx_nlp.errors import InputError
from cx_nlp.io.readers import read_chunks

SampleTask = Literal["sentiment", "emotion", "forces"]
LABEL_COLUMNS: tuple[str, ...] = (
    "id",
    "text",
    "language",
    "predicted_label",
    "confidence",
    "label",
)
# Labels of multi-label tasks are joined with this in ``predicted_label`` (and ``label``).
LABEL_SEPARATOR = ";"
UNDETERMINED = "und"
# The one pool used without per-language quotas.
ALL_LANGUAGES = "*"
_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Candidate:
    """One scored text that may be sampled."""

    id: str
    text: str
    language: str
    predicted_label: str
    confidence: float
    uncertainty: float
    tiebreak: float

    @property
    def rank(self) -> tuple[float, float]:
        """Heap order: more uncertain first; a seeded hash breaks ties."""
        return self.uncertainty, self.tiebreak

    def as_row(self) -> dict[str, str]:
        """The CSV row, with ``label`` empty."""
        return {
            "id": self.id,
            "text": self.text,
            "language": self.language,
            "predicted_label": self.predicted_label,
            "confidence": f"{self.confidence:.4f}",
            "label": "",
        }


@dataclass(frozen=True)
class SampleSummary:
    """What a sampling run read and picked."""

    read: int
    eligible: int
    selected: int
    per_language: dict[str, int]


def sample_for_labelling(
    scored: Path,
    output: Path,
    *,
    n: int,
    task: SampleTask = "sentiment",
    per_language: bool = True,
    min_per_language: int = 5,
    pool_factor: int = 5,
    seed: int = 0,
) -> SampleSummary:
    """Write the ``n`` most useful texts to label from ``scored`` to the CSV ``output``.

    Args:
        scored: A scored export (JSONL from ``cx-nlp score``; CSV/Parquet exports work too,
            their nested fields being JSON strings).
        output: The CSV to write (UTF-8 with a BOM, so spreadsheets open it correctly).
        n: How many texts to pick.
        task: Whose uncertainty to use.
        per_language: Split ``n`` over languages by volume; False pools every language.
        min_per_language: Smallest quota of a language (when ``n`` allows).
        pool_factor: Candidates kept per language, as a multiple of ``n``.
        seed: Breaks ties; the same file and seed give the same sample.

    Raises:
        InputError: ``scored`` cannot be read.
    """
    pools = CandidatePools(size=max(pool_factor * n, n), seed=seed)
    read = 0
    for record in _records(scored):
        read += 1
        candidate = pools.make_candidate(record, task)
        if candidate is not None:
            pools.add(candidate, pool=candidate.language if per_language else ALL_LANGUAGES)
    quotas = allocate_quotas(n, pools.volumes, pools.sizes, minimum=min_per_language)
    selected = [
        candidate
        for pool in sorted(quotas)
        for candidate in select_diverse(pools.ranked(pool), quotas[pool])
    ]
    write_label_csv(output, selected)
    return SampleSummary(
        read=read,
        eligible=sum(pools.volumes.values()),
        selected=len(selected),
        per_language=dict(Counter(candidate.language for candidate in selected)),
    )


class CandidatePools:
    """Per pool (a language, or all), the most uncertain distinct candidates (bounded heaps)."""

    def __init__(self, *, size: int, seed: int) -> None:
        self.size = size
        self.seed = seed
        self.volumes: Counter[str] = Counter()
        self._heaps: dict[str, list[tuple[tuple[float, float], str, Candidate]]] = {}
        self._keys: dict[str, set[str]] = {}

    @property
    def sizes(self) -> dict[str, int]:
        """Candidates held per pool."""
        return {language: len(heap) for language, heap in self._heaps.items()}

    def make_candidate(self, record: Mapping[str, Any], task: SampleTask) -> Candidate | None:
        """A candidate from a scored record, or None (rejected row, task not scored)."""
        text = record.get("text")
        if record.get("error") or not isinstance(text, str) or not text.strip():
            return None
        scored = _decode(record.get(_FIELDS[task]))
        prediction = _PREDICTORS[task](scored) if isinstance(scored, dict) else None
        if prediction is None:
            return None
        label, confidence, uncertainty = prediction
        record_id = str(record.get("id", ""))
        return Candidate(
            id=record_id,
            text=text,
            language=_language(record.get("language")),
            predicted_label=label,
            confidence=confidence,
            uncertainty=round(uncertainty, 6),
            tiebreak=_seeded_hash(self.seed, record_id, text),
        )

    def add(self, candidate: Candidate, *, pool: str) -> None:
        """Count the candidate in ``pool``; keep it if it is among the pool's most uncertain."""
        self.volumes[pool] += 1
        heap = self._heaps.setdefault(pool, [])
        keys = self._keys.setdefault(pool, set())
        key = _dedup_key(candidate.text)
        if key in keys:
            return
        entry = (candidate.rank, key, candidate)
        if len(heap) < self.size:
            heapq.heappush(heap, entry)
            keys.add(key)
        elif entry[:2] > heap[0][:2]:
            evicted = heapq.heapreplace(heap, entry)
            keys.discard(evicted[1])
            keys.add(key)

    def ranked(self, pool: str) -> list[Candidate]:
        """A pool's candidates, most uncertain first."""
        entries = sorted(self._heaps.get(pool, []), key=lambda e: e[:2], reverse=True)
        return [entry[2] for entry in entries]


def allocate_quotas(
    n: int, volumes: Mapping[str, int], available: Mapping[str, int], *, minimum: int
) -> dict[str, int]:
    """Split ``n`` over languages by volume, each at least ``minimum`` and at most available.

    The minimum shrinks to ``n // languages`` when ``n`` is too small to give it to all;
    what a language cannot use goes to the others, largest volume first.
    """
    languages = sorted(volumes, key=lambda lang: (-volumes[lang], lang))
    if not languages or n <= 0:
        return {}
    floor = min(minimum, n // len(languages))
    quotas = {lang: min(floor, available.get(lang, 0)) for lang in languages}
    remaining = n - sum(quotas.values())
    total = sum(volumes.values())
    shares = {lang: remaining * volumes[lang] / total for lang in languages}
    for lang in languages:
        room = available.get(lang, 0) - quotas[lang]
        extra = min(int(shares[lang]), room)
        quotas[lang] += extra
    remaining = n - sum(quotas.values())
    by_remainder = sorted(languages, key=lambda lang: (-(shares[lang] % 1), -volumes[lang], lang))
    while remaining > 0:
        open_languages = [lang for lang in by_remainder if quotas[lang] < available.get(lang, 0)]
        if not open_languages:
            break
        for lang in open_languages[:remaining]:
            quotas[lang] += 1
        remaining = n - sum(quotas.values())
    return {lang: quota for lang, quota in quotas.items() if quota > 0}


def select_diverse(
    ranked: list[Candidate], k: int, *, shortlist_factor: int = 4
) -> list[Candidate]:
    """Pick ``k`` of ``ranked`` (most uncertain first): greedy farthest-point, uncertainty-weighted.

    Only the ``shortlist_factor * k`` most uncertain are considered, so selection stays
    about uncertainty; among them, each step takes the candidate maximising
    ``distance to the nearest already picked * (0.5 + uncertainty)``.
    """
    shortlist = ranked[: max(k * shortlist_factor, k)]
    if len(shortlist) <= k:
        return shortlist
    vectors = text_vectors([candidate.text for candidate in shortlist])
    weights = 0.5 + np.array([candidate.uncertainty for candidate in shortlist])
    picked = [0]
    nearest = 1.0 - vectors @ vectors[0]
    while len(picked) < k:
        score = nearest * weights
        score[picked] = -np.inf
        best = int(np.argmax(score))
        picked.append(best)
        nearest = np.minimum(nearest, 1.0 - vectors @ vectors[best])
    return [shortlist[i] for i in picked]


def text_vectors(texts: list[str]) -> np.ndarray:
    """L2-normalised hashed character 3-4-gram counts (no model needed, deterministic)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vectorizer = HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 4), n_features=2**14, alternate_sign=False
    )
    matrix = vectorizer.transform([text.casefold() for text in texts])
    return np.asarray(matrix.toarray(), dtype=np.float32)


def write_label_csv(path: Path, candidates: Iterable[Candidate]) -> None:
    """Write the labelling sheet: :data:`LABEL_COLUMNS`, ``label`` empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LABEL_COLUMNS))
        writer.writeheader()
        writer.writerows(candidate.as_row() for candidate in candidates)


def _records(path: Path) -> Iterator[Mapping[str, Any]]:
    for chunk in read_chunks(path, chunk_size=1000):
        for row, record in chunk:
            if isinstance(record, InputError):
                raise InputError(f"{path.name} row {row} is not a scored record: {record.message}")
            yield record


def _decode(value: Any) -> Any:
    """Nested fields of CSV/Parquet exports are JSON strings."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _language(value: Any) -> str:
    value = _decode(value)
    code = value.get("code") if isinstance(value, dict) else value
    return str(code) if isinstance(code, str) and code else UNDETERMINED


def _seeded_hash(seed: int, record_id: str, text: str) -> float:
    digest = hashlib.blake2b(f"{seed}\0{record_id}\0{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _dedup_key(text: str) -> str:
    return _PUNCTUATION.sub(" ", text.casefold()).strip()


def _sentiment(scored: dict[str, Any]) -> tuple[str, float, float] | None:
    probabilities = scored.get("probabilities")
    if not isinstance(probabilities, dict) or len(probabilities) < 2:
        return None
    ordered = sorted(probabilities.items(), key=lambda item: float(item[1]), reverse=True)
    top, second = float(ordered[0][1]), float(ordered[1][1])
    return str(scored.get("label", ordered[0][0])), top, 1.0 - (top - second)


def _emotion(scored: dict[str, Any]) -> tuple[str, float, float] | None:
    scores = scored.get("scores")
    if not isinstance(scores, dict) or not scores:
        return None
    closest = max(1.0 - 2.0 * abs(float(score) - 0.5) for score in scores.values())
    labels = scored.get("labels") or []
    return LABEL_SEPARATOR.join(sorted(labels)), 1.0 - closest, closest


def _forces(scored: dict[str, Any]) -> tuple[str, float, float] | None:
    tags = {force: tag for force, tag in scored.items() if isinstance(tag, dict)}
    label = LABEL_SEPARATOR.join(
        f"{force}:{tag.get('polarity')}" for force, tag in sorted(tags.items())
    )
    if not tags:
        return label, 1.0, 0.0
    weakest = min(float(tag.get("score", 1.0)) for tag in tags.values())
    return label, weakest, 1.0 - weakest


_FIELDS: dict[str, str] = {"sentiment": "sentiment", "emotion": "emotions", "forces": "forces"}
_PREDICTORS = {"sentiment": _sentiment, "emotion": _emotion, "forces": _forces}
