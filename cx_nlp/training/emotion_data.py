"""Emotion datasets from ``shared/data``, mapped onto Plutchik's eight ``Emotion`` labels.

Rows carry any number of labels; an empty tuple means "no emotion of the eight".
Official test files are withheld upstream and never read here.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from cx_nlp.schema import Emotion
from cx_nlp.training.data import TRAIN, VAL, LabelledText, read_lines, seeded_split

# XED label ids (README "Format and labels"): 1 anger ... 8 trust.
XED_IDS: dict[int, str] = {
    1: Emotion.ANGER.value,
    2: Emotion.ANTICIPATION.value,
    3: Emotion.DISGUST.value,
    4: Emotion.FEAR.value,
    5: Emotion.JOY.value,
    6: Emotion.SADNESS.value,
    7: Emotion.SURPRISE.value,
    8: Emotion.TRUST.value,
}
XED_LANGUAGES = ("en", "it", "es", "fr", "de", "pt")
_XED_LINE = re.compile(r"^(.*)\t\s*(\d+(?:\s*,\s*\d+)*)\s*$")

_A, _AN, _D, _F = Emotion.ANGER, Emotion.ANTICIPATION, Emotion.DISGUST, Emotion.FEAR
_J, _SA, _SU, _T = Emotion.JOY, Emotion.SADNESS, Emotion.SURPRISE, Emotion.TRUST
# GoEmotions' 27 emotions onto Plutchik-8 (the table is repeated in the model card).
# Dyads follow Plutchik's wheel (love = joy + trust, optimism = anticipation + joy);
# the rest follow GoEmotions' own Ekman grouping, with admiration/approval/caring as
# trust and curiosity/desire as anticipation. "neutral" maps to no label.
GOEMOTIONS_TO_PLUTCHIK: dict[str, tuple[Emotion, ...]] = {
    "admiration": (_T,),
    "amusement": (_J,),
    "anger": (_A,),
    "annoyance": (_A,),
    "approval": (_T,),
    "caring": (_T,),
    "confusion": (_SU,),
    "curiosity": (_AN,),
    "desire": (_AN,),
    "disappointment": (_SA,),
    "disapproval": (_A,),
    "disgust": (_D,),
    "embarrassment": (_SA,),
    "excitement": (_J,),
    "fear": (_F,),
    "gratitude": (_J, _T),
    "grief": (_SA,),
    "joy": (_J,),
    "love": (_J, _T),
    "nervousness": (_F,),
    "optimism": (_AN, _J),
    "pride": (_J,),
    "realization": (_SU,),
    "relief": (_J,),
    "remorse": (_SA,),
    "sadness": (_SA,),
    "surprise": (_SU,),
    "neutral": (),
}
# EmoEvent uses Ekman's six plus "others" (neutral or another emotion).
EMOEVENT_LABELS: dict[str, tuple[Emotion, ...]] = {
    "anger": (_A,),
    "disgust": (_D,),
    "fear": (_F,),
    "joy": (_J,),
    "sadness": (_SA,),
    "surprise": (_SU,),
    "others": (),
}
# Labels each source can assert as absent: EmoEvent's "others" may hide trust or
# anticipation, so training masks those two losses for EmoEvent rows.
KNOWN_LABELS: dict[str, frozenset[str]] = {
    "emoevent": frozenset(e.value for e in Emotion) - {_T.value, _AN.value},
}


def _xed_file(data_dir: Path, language: str) -> Path:
    if language == "en":
        return data_dir / "xed_emotion" / "AnnotatedData" / "en-annotated.tsv"
    return data_dir / "xed_emotion" / "Projections" / f"{language}-projections.tsv"


def load_xed(
    data_dir: Path, *, languages: tuple[str, ...] = XED_LANGUAGES, seed: int = 0
) -> list[LabelledText]:
    """XED subtitles (en gold, others projected); seeded 85/15 split per text.

    Only ``text<TAB>ids`` lines are kept (the files hold stray alignment rows).
    """
    out = []
    for code in languages:
        for line in read_lines(_xed_file(data_dir, code)):
            match = _XED_LINE.match(line)
            if not match or not match.group(1).strip():
                continue
            ids = {int(i) for i in match.group(2).split(",")}
            labels = tuple(XED_IDS[i] for i in sorted(ids) if i in XED_IDS)
            text = match.group(1).strip()
            out.append(LabelledText(text, labels, code, "xed", seeded_split(text, seed=seed)))
    return out


def _plutchik(names: list[str], mapping: dict[str, tuple[Emotion, ...]]) -> tuple[str, ...]:
    found = {emotion.value for name in names for emotion in mapping[name]}
    return tuple(e.value for e in Emotion if e.value in found)


def load_goemotions(data_dir: Path) -> list[LabelledText]:
    """GoEmotions (English Reddit) train and dev, 27 emotions mapped to Plutchik-8."""
    names = read_lines(data_dir / "goemotions" / "emotions.txt")
    out = []
    for split, stem in ((TRAIN, "train"), (VAL, "dev")):
        for line in read_lines(data_dir / "goemotions" / f"{stem}.tsv"):
            text, ids, _ = line.split("\t")
            labels = _plutchik([names[int(i)] for i in ids.split(",")], GOEMOTIONS_TO_PLUTCHIK)
            out.append(LabelledText(text, labels, "en", "goemotions", split))
    return out


def load_emoevent(
    data_dir: Path, *, languages: tuple[str, ...] = ("es", "en")
) -> list[LabelledText]:
    """EmoEvent tweets (es, en): the official train and dev splits."""
    out = []
    for code in languages:
        for split, stem in ((TRAIN, "train"), (VAL, "dev")):
            path = data_dir / "emoevent_es_en" / "splits" / code / f"{stem}.tsv"
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                for row in reader:
                    if row["tweet"]:
                        labels = _plutchik([row["emotion"].strip()], EMOEVENT_LABELS)
                        out.append(LabelledText(row["tweet"], labels, code, "emoevent", split))
    return out
