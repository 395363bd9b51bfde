"""The CX-forces corpus: public texts referenced by dataset/file/row, plus original texts.

Labels live in ``data/forces/*.jsonl`` (one object per text). Public texts are never copied into
the repository: a record names its source (``dataset``, ``file``, ``row``) and
:func:`resolve_text` reads the text from the shared data folder. Original texts written by the
project carry their ``text``.

Row conventions (stable, used in the label files):

- ``m_absa_multilingual``: ``<domain>/<lang>/<train|dev>.txt``, 1-based line number.
- ``semeval2015_absa_en``: XML file name, ``row`` is the sentence id (``"1004293:1"``).
- ``absita2018_it``: ``absita_2018_training.csv``, ``row`` is ``sentence_id``.
- ``ate_absita2020_it``: ``ate_absita_training.ndjson``, ``row`` is ``id_sentence``.
- ``amazon_it_reviews_stars``: ``reviews_<k>.csv``, 1-based data-row number.
- ``banking77_en``: ``train.csv``, 1-based data-row number.
- ``emoevent_es_en``: ``emoevent_<lang>.csv``, ``row`` is the ``id`` column.
"""

from __future__ import annotations

import csv
import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cx_nlp.errors import FileInputError

ORIGINAL = "cx-nlp-original"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SourceText:
    """A public text and where it comes from."""

    dataset: str
    file: str
    row: str
    language: str
    text: str
    hint: str = ""  # the source's own aspect labels, a weak signal for sampling

    @property
    def uid(self) -> str:
        """A stable identifier, ``dataset/file#row``."""
        return f"{self.dataset}/{self.file}#{self.row}"


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def iter_m_absa(root: Path) -> Iterator[SourceText]:
    """M-ABSA review sentences in en/de/es/fr/pt (train files), with their aspect categories."""
    for path in sorted((root / "m_absa_multilingual").glob("*/*/train.txt")):
        language = path.parent.name
        relative = path.relative_to(root / "m_absa_multilingual").as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            text, _, aspects = line.partition("####")
            yield SourceText("m_absa_multilingual", relative, str(number), language,
                             _clean(text), aspects)  # fmt: skip


def iter_semeval(root: Path) -> Iterator[SourceText]:
    """SemEval-2015 restaurant and laptop sentences (en) with their categories."""
    for path in sorted((root / "semeval2015_absa_en").glob("*.xml")):
        for sentence in ET.parse(path).getroot().iter("sentence"):
            text = sentence.findtext("text") or ""
            hint = ";".join(
                f"{o.get('category')}:{o.get('polarity')}" for o in sentence.iter("Opinion")
            )
            yield SourceText("semeval2015_absa_en", path.name, sentence.get("id", ""), "en",
                             _clean(text), hint)  # fmt: skip


def iter_absita(root: Path) -> Iterator[SourceText]:
    """ABSITA 2018 Italian hotel-review sentences with aspect presence flags."""
    path = root / "absita2018_it" / "absita_2018_training.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle, delimiter=";"):
            aspects = [k.removesuffix("_presence") for k, v in record.items()
                       if k.endswith("_presence") and v == "1"]  # fmt: skip
            yield SourceText("absita2018_it", path.name, record["sentence_id"], "it",
                             _clean(record["sentence"]), ";".join(aspects))  # fmt: skip


def iter_ate_absita(root: Path) -> Iterator[SourceText]:
    """ATE_ABSITA 2020 Amazon.it product reviews (training file)."""
    path = root / "ate_absita2020_it" / "ate_absita_training.ndjson"
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        yield SourceText("ate_absita2020_it", path.name, record["id_sentence"], "it",
                         _clean(record["sentence"]), f"score:{record['score']}")  # fmt: skip


def iter_amazon_it(root: Path) -> Iterator[SourceText]:
    """Scraped Amazon.it reviews with star ratings."""
    for path in sorted((root / "amazon_it_reviews_stars").glob("reviews*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for number, record in enumerate(csv.DictReader(handle), start=1):
                yield SourceText("amazon_it_reviews_stars", path.name, str(number), "it",
                                 _clean(record["comment"]), record["stars"])  # fmt: skip


def iter_banking77(root: Path) -> Iterator[SourceText]:
    """BANKING77 customer messages (en) with their intent."""
    path = root / "banking77_en" / "train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for number, record in enumerate(csv.DictReader(handle), start=1):
            yield SourceText("banking77_en", path.name, str(number), "en",
                             _clean(record["text"]), record["category"])  # fmt: skip


def iter_emoevent(root: Path) -> Iterator[SourceText]:
    """EmoEvent tweets (es, en) with their emotion."""
    for language in ("es", "en"):
        path = root / "emoevent_es_en" / f"emoevent_{language}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle, delimiter="\t"):
                if record.get("tweet"):
                    text, emotion = _clean(record["tweet"]), record.get("emotion") or ""
                    yield SourceText("emoevent_es_en", path.name, record["id"], language,
                                     text, emotion)  # fmt: skip


SOURCES = {
    "m_absa_multilingual": iter_m_absa,
    "semeval2015_absa_en": iter_semeval,
    "absita2018_it": iter_absita,
    "ate_absita2020_it": iter_ate_absita,
    "amazon_it_reviews_stars": iter_amazon_it,
    "banking77_en": iter_banking77,
    "emoevent_es_en": iter_emoevent,
}


@lru_cache(maxsize=8)
def _index(root: Path, dataset: str) -> dict[str, SourceText]:
    return {source.uid: source for source in SOURCES[dataset](root)}


def resolve_text(record: dict[str, Any], root: Path) -> str:
    """The text of a label record: its own ``text``, or read from the shared data folder.

    Raises:
        FileInputError: the referenced dataset, file or row does not exist.
    """
    source = record["source"]
    if source["dataset"] == ORIGINAL:
        return str(record["text"])
    uid = f"{source['dataset']}/{source['file']}#{source['row']}"
    try:
        return _index(root, source["dataset"])[uid].text
    except (KeyError, FileNotFoundError) as exc:
        raise FileInputError(
            f"Forces corpus record {uid} not found under {root}; is ../shared/data present?"
        ) from exc


# How many texts to sample per dataset and language, and the weak signals to favour.
_QUOTAS: dict[tuple[str, str], int] = {
    ("absita2018_it", "it"): 380, ("ate_absita2020_it", "it"): 200,
    ("amazon_it_reviews_stars", "it"): 160, ("m_absa_multilingual", "en"): 160,
    ("semeval2015_absa_en", "en"): 160, ("banking77_en", "en"): 200,
    ("emoevent_es_en", "en"): 20, ("emoevent_es_en", "es"): 20,
    ("m_absa_multilingual", "es"): 240, ("m_absa_multilingual", "fr"): 240,
    ("m_absa_multilingual", "de"): 240, ("m_absa_multilingual", "pt"): 240,
}  # fmt: skip
_SIGNALS = re.compile(
    r"price|value|service|staff|attitude|logistic|after-sales|churn|loyal|exchange|warranty"
    r"|refund|charge|fee|cancel|terminate|card_arrival|pending|transfer|ambience|atmosphere",
    re.IGNORECASE,
)


def sample_pool(root: Path, *, seed: int = 13) -> list[SourceText]:
    """A seeded sample for labelling: two thirds with a weak force signal, one third random."""
    rng = random.Random(seed)
    pool: list[SourceText] = []
    for (dataset, language), quota in _QUOTAS.items():
        candidates = [s for s in _index(root, dataset).values()
                      if s.language == language and 3 <= len(s.text.split()) <= 120]  # fmt: skip
        signalled = [s for s in candidates if _SIGNALS.search(s.hint)]
        rng.shuffle(signalled)
        chosen = signalled[: quota * 2 // 3]
        taken = {s.uid for s in chosen}
        rest = [s for s in candidates if s.uid not in taken]
        rng.shuffle(rest)
        pool.extend(chosen + rest[: quota - len(chosen)])
    rng.shuffle(pool)
    return pool
