"""Sentiment datasets from ``shared/data``, mapped onto ``SentimentLabel``.

Each loader returns ``LabelledText`` rows with one label. Official test files are
withheld upstream and never read here.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from cx_nlp.schema import SentimentLabel
from cx_nlp.training.data import (
    TRAIN,
    VAL,
    LabelledText,
    normalise_space,
    read_lines,
    seeded_split,
)

NEG, NEU, POS = (
    SentimentLabel.NEGATIVE.value,
    SentimentLabel.NEUTRAL.value,
    SentimentLabel.POSITIVE.value,
)
UMSAB_LANGUAGES: dict[str, str] = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}
_UMSAB_LABELS = {"0": NEG, "1": NEU, "2": POS}
_STAR_LABELS = {1: NEG, 2: NEG, 3: NEU, 4: POS, 5: POS}
_SENTIPOLC_LABELS = {"negative": NEG, "neutral": NEU, "positive": POS}  # "mixed" is dropped
_MABSA_POLARITY = {"negative": NEG, "neutral": NEU, "positive": POS}
_MABSA_TRIPLET = re.compile(r"\[\s*(.*?)\s*,\s*'([^'\]]+)'\s*,\s*'([^'\]]+)'\s*\](?=\s*[,\]])")
MABSA_DOMAINS = ("coursera", "food", "hotel", "laptop", "phone", "restaurant", "sight")
MABSA_LANGUAGES = ("en", "de", "es", "fr", "pt")


def load_umsab(data_dir: Path, *, languages: tuple[str, ...] | None = None) -> list[LabelledText]:
    """UMSAB (XLM-T) tweets: train and val of each language folder (0 neg, 1 neu, 2 pos)."""
    out = []
    for folder, code in UMSAB_LANGUAGES.items():
        if languages is not None and code not in languages:
            continue
        for split, stem in ((TRAIN, "train"), (VAL, "val")):
            base = data_dir / "umsab_xlmt_sentiment" / folder
            texts = read_lines(base / f"{stem}_text.txt")
            labels = read_lines(base / f"{stem}_labels.txt")
            out += [
                LabelledText(t, (_UMSAB_LABELS[y.strip()],), code, "umsab", split)
                for t, y in zip(texts, labels, strict=True)
            ]
    return out


def load_amazon_it(data_dir: Path, *, seed: int = 0) -> list[LabelledText]:
    """Amazon.it reviews: 1-2 stars negative, 3 neutral, 4-5 positive; seeded 85/15 split."""
    out = []
    for path in sorted((data_dir / "amazon_it_reviews_stars").glob("reviews*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                text = normalise_space(row["comment"])
                if text:
                    label = _STAR_LABELS[int(row["stars"][0])]
                    split = seeded_split(text, seed=seed)
                    out.append(LabelledText(text, (label,), "it", "amazon_it", split))
    return out


def load_ate_absita(data_dir: Path) -> list[LabelledText]:
    """ATE_ABSITA 2020 Amazon.it reviews by score (stars mapping); the dev file is val."""
    out = []
    for split, name in ((TRAIN, "ate_absita_training.ndjson"), (VAL, "ate_absita_dev.ndjson")):
        for line in read_lines(data_dir / "ate_absita2020_it" / name):
            if line.strip():
                record = json.loads(line)
                text = normalise_space(record["sentence"])
                label = _STAR_LABELS[int(record["score"])]
                out.append(LabelledText(text, (label,), "it", "ate_absita", split))
    return out


def _tweet_key(text: str) -> str:
    text = re.sub(r"@\w+", "@user", text.lower())
    return normalise_space(re.sub(r"https?://\S*|\bhttp\b", "http", text))


def load_sentipolc(data_dir: Path) -> list[LabelledText]:
    """SENTIPOLC 2016 training tweets (mixed polarity dropped), all as train.

    Tweets that are also in UMSAB-it val are removed, so UMSAB val stays clean.
    """
    held = {
        _tweet_key(t) for t in read_lines(data_dir / "umsab_xlmt_sentiment/italian/val_text.txt")
    }
    out = []
    path = data_dir / "sentipolc2016_it" / "derived" / "sentipolc16_train.jsonl"
    for line in read_lines(path):
        record = json.loads(line)
        label = _SENTIPOLC_LABELS.get(record["polarity"])
        if label is not None and _tweet_key(record["text"]) not in held:
            out.append(LabelledText(record["text"], (label,), "it", "sentipolc", TRAIN))
    return out


def _mabsa_label(line: str) -> tuple[str, str] | None:
    text, _, tail = line.partition("####")
    polarities = {m.group(3).strip().lower() for m in _MABSA_TRIPLET.finditer(tail)}
    if len(polarities) != 1:  # no aspect, or conflicting aspects: no review-level label
        return None
    label = _MABSA_POLARITY.get(polarities.pop())
    return (text.strip(), label) if label else None


def load_m_absa(
    data_dir: Path, *, languages: tuple[str, ...] = MABSA_LANGUAGES
) -> list[LabelledText]:
    """M-ABSA sentences whose aspects all share one polarity (train and dev as val)."""
    out = []
    for domain in MABSA_DOMAINS:
        for code in languages:
            for split, stem in ((TRAIN, "train"), (VAL, "dev")):
                for line in read_lines(
                    data_dir / "m_absa_multilingual" / domain / code / f"{stem}.txt"
                ):
                    parsed = _mabsa_label(line)
                    if parsed and parsed[0]:
                        out.append(LabelledText(parsed[0], (parsed[1],), code, "m_absa", split))
    return out


def load_absita2018(data_dir: Path, *, seed: int = 0) -> list[LabelledText]:
    """ABSITA 2018 hotel sentences with aspect polarity: positive-only or negative-only ones.

    Sentences with no aspect polarity or with both polarities are dropped (no neutral
    class upstream). Seeded 85/15 split.
    """
    out = []
    path = data_dir / "absita2018_it" / "absita_2018_training.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            pos = any(v == "1" for k, v in row.items() if k.endswith("_positive"))
            neg = any(v == "1" for k, v in row.items() if k.endswith("_negative"))
            if pos != neg:
                text = normalise_space(row["sentence"])
                split = seeded_split(text, seed=seed)
                out.append(LabelledText(text, (POS if pos else NEG,), "it", "absita2018", split))
    return out


def load_goemotions_sentiment(data_dir: Path) -> list[LabelledText]:
    """GoEmotions (Apache-2.0) through its official sentiment grouping: a permissive source.

    Rows whose labels are all neutral become neutral; rows whose emotions are all in the
    positive (negative) group become positive (negative); ambiguous or mixed rows are
    dropped.
    """
    base = data_dir / "goemotions"
    names = read_lines(base / "emotions.txt")
    groups = json.loads((base / "sentiment_dict.json").read_text(encoding="utf-8"))
    polarity = {name: group for group, members in groups.items() for name in members}
    polarity["neutral"] = "neutral"
    out = []
    for split, stem in ((TRAIN, "train"), (VAL, "dev")):
        for line in read_lines(base / f"{stem}.tsv"):
            text, ids, _ = line.split("\t")
            found = {polarity[names[int(i)]] for i in ids.split(",")}
            if len(found) == 1 and (label := _SENTIPOLC_LABELS.get(found.pop())):
                out.append(LabelledText(text, (label,), "en", "goemotions_sentiment", split))
    return out


def absita2018_polarity(row: dict[str, str]) -> str:
    """One ABSITA 2018 row's sentence polarity from its aspect flags (every aspect, ``other`` too).

    Only positive flags: positive; only negative flags: negative; both (mixed), or none
    (aspects without polarity, or no aspect): neutral.
    """
    pos = any(v == "1" for k, v in row.items() if k.endswith("_positive"))
    neg = any(v == "1" for k, v in row.items() if k.endswith("_negative"))
    return POS if pos and not neg else NEG if neg and not pos else NEU


def load_absita2018_sentences(data_dir: Path) -> list[LabelledText]:
    """ABSITA 2018 hotel-review sentences with a 3-class polarity (:func:`absita2018_polarity`).

    Every row is ``train``; carve your own seeded labelled/validation slices. Duplicate
    texts (69 upstream) are kept once.
    """
    out: dict[str, LabelledText] = {}
    path = data_dir / "absita2018_it" / "absita_2018_training.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            text = normalise_space(row["sentence"])
            if text and text not in out:
                label = absita2018_polarity(row)
                out[text] = LabelledText(text, (label,), "it", "absita2018_hotels", TRAIN)
    return list(out.values())
