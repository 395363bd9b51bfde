"""Accuracy and speed of the ``language`` analyzer on a seeded multilingual evaluation set.

The set is drawn from validation data under ``/work/shared/data`` (test splits are withheld and
never used): UMSAB tweets (``val_text.txt``), M-ABSA review sentences (``dev.txt``), Amazon.it
reviews and XED subtitle lines (no official split; the shared part only). Each language gets up
to ``--per-language`` long texts (5+ words) and as many short ones (1-4 words): natural short
lines plus the first 1-4 words of sentences. Mentions, URLs, hashtags and ``RT`` are stripped
first. ``und`` counts as wrong for accuracy and is reported separately.

Run: ``.venv/bin/python benchmarks/langid_accuracy.py`` (add ``--help`` for options).
"""

from __future__ import annotations

import argparse
import csv
import html
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from cx_nlp.analyzers.language import LanguageAnalyzer, LanguageConfig, detection_sample
from cx_nlp.schema import UNDETERMINED_LANGUAGE

DATA = Path("/work/shared/data")
PRODUCT_LANGUAGES = ("it", "en", "es", "fr", "de", "pt")
UMSAB = {
    "it": "italian",
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "pt": "portuguese",
    "ar": "arabic",
}  # hindi is left out: its tweets are romanised Hinglish, which no detector can call "hi"
MABSA_LANGUAGES = ("en", "de", "es", "fr", "pt")
MABSA_DOMAINS = ("coursera", "food", "hotel", "laptop", "phone", "restaurant", "sight")
# XED file stem per ISO 639-1 code; fi is gold-annotated, the rest are projections.
XED = {
    "it": "Projections/it-projections",
    "en": "AnnotatedData/en-annotated",
    "es": "Projections/es-projections",
    "fr": "Projections/fr-projections",
    "de": "Projections/de-projections",
    "pt": "Projections/pt-projections",
    "nl": "Projections/nl-projections",
    "pl": "Projections/pl-projections",
    "ro": "Projections/ro-projections",
    "sv": "Projections/sv-projections",
    "da": "Projections/da-projections",
    "nb": "Projections/no-projections",
    "fi": "AnnotatedData/fi-annotated",
    "cs": "Projections/cs-projections",
    "hu": "Projections/hu-projections",
    "el": "Projections/el-projections",
    "tr": "Projections/tr-projections2",
    "ru": "Projections/ru-projections",
    "bg": "Projections/bg-projections",
    "he": "Projections/he-projections",
    "ja": "Projections/ja-projections",
    "zh": "Projections/cn-projections",
}

_XED_LINE = re.compile(r"^(.*)\t\s*\d+(\s*,\s*\d+)*\s*$")
_NOISE = re.compile(r"\bRT\b|@\w+|#\w+|https?://\S+|www\.\S+|\bhttp\b|…")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
# A "word": a space-separated token, or two CJK characters (CJK scripts have no spaces).
_WORD = re.compile(rf"[{_CJK}]{{1,2}}|[^\s{_CJK}]+")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")  # and CJK full stops


def clean(text: str) -> str:
    """Drop tweet noise (mentions, hashtags, URLs, ``RT``) and tidy whitespace."""
    return " ".join(_NOISE.sub(" ", html.unescape(text.replace("\\n", " "))).split())


def words(text: str) -> list[re.Match[str]]:
    """The word tokens of ``text`` that contain a letter."""
    return [match for match in _WORD.finditer(text) if _LETTER.search(match.group())]


def read_umsab(code: str) -> Iterator[str]:
    """UMSAB validation tweets."""
    path = DATA / "umsab_xlmt_sentiment" / UMSAB[code] / "val_text.txt"
    yield from path.read_text(encoding="utf-8").splitlines()


def read_mabsa(code: str) -> Iterator[str]:
    """M-ABSA dev sentences of every domain."""
    for domain in MABSA_DOMAINS:
        path = DATA / "m_absa_multilingual" / domain / code / "dev.txt"
        for line in path.read_text(encoding="utf-8").splitlines():
            yield line.split("####", 1)[0]


def read_xed(code: str) -> Iterator[str]:
    """XED subtitle lines (valid ``text<TAB>labels`` rows only)."""
    path = DATA / "xed_emotion" / f"{XED[code]}.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _XED_LINE.match(line.rstrip("\r"))
        if match:
            yield match.group(1)


def read_amazon(code: str) -> Iterator[str]:
    """Amazon.it reviews (shared part; the withheld 20% is not here)."""
    for path in sorted((DATA / "amazon_it_reviews_stars").glob("reviews*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                yield row["comment"]


def sources(code: str) -> list[Iterator[str]]:
    """Every reader that has texts in language ``code``."""
    readers = [read_xed(code)] if code in XED else []
    if code in UMSAB:
        readers.append(read_umsab(code))
    if code in MABSA_LANGUAGES:
        readers.append(read_mabsa(code))
    if code == "it":
        readers.append(read_amazon(code))
    return readers


def short_variants(text: str, rng: random.Random) -> list[str]:
    """Natural short text (1-4 words) as is, else the first 1-4 words of each sentence."""
    if 1 <= len(words(text)) <= 4:
        return [text]
    prefixes = []
    for sentence in _SENTENCE_END.split(text):
        tokens = words(sentence)
        if tokens:
            end = tokens[min(rng.randint(1, 4), len(tokens)) - 1].end()
            prefixes.append(sentence[:end])
    return prefixes


def build_set(code: str, per_language: int, seed: int) -> tuple[list[str], list[str]]:
    """Seeded long (5+ words) and short (1-4 words) samples for one language."""
    rng = random.Random(f"{seed}-{code}")
    long_pool: set[str] = set()
    short_pool: set[str] = set()
    for reader in sources(code):
        for raw in reader:
            text = clean(raw)
            if len(words(text)) >= 5:
                long_pool.add(text)
            short_pool.update(short_variants(text, rng))
    long_texts = sorted(long_pool)
    short_texts = sorted(short_pool)
    return _sample(long_texts, per_language, rng), _sample(short_texts, per_language, rng)


def _sample(texts: list[str], size: int, rng: random.Random) -> list[str]:
    return rng.sample(texts, size) if len(texts) > size else texts


def evaluate(analyzer: LanguageAnalyzer, texts: list[str]) -> tuple[list[str], float]:
    """Predicted codes for ``texts`` and the seconds detection took."""
    samples = [detection_sample(text, analyzer.config.max_chars) for text in texts]
    started = time.perf_counter()
    results = analyzer.detect(samples)
    return [result.code for result in results], time.perf_counter() - started


def score(gold: str, predicted: list[str]) -> tuple[float, float]:
    """Accuracy (``und`` is wrong) and the share of ``und``."""
    counts = Counter(predicted)
    total = max(len(predicted), 1)
    return counts[gold] / total, counts[UNDETERMINED_LANGUAGE] / total


def report(results: dict[str, dict[str, list[str]]], timings: dict[str, float]) -> None:
    """Print per-language accuracy and ``und`` share, then the summary lines."""
    print(f"{'lang':<6}{'long acc':>9}{'und':>7}{'n':>6}  {'short acc':>9}{'und':>7}{'n':>6}")
    for code, kinds in results.items():
        cells = []
        for kind in ("long", "short"):
            accuracy, und = score(code, kinds[kind])
            cells.append(f"{accuracy:9.1%}{und:7.1%}{len(kinds[kind]):6d}")
        print(f"{code:<6}{'  '.join(cells)}")
    print()
    for label, codes in (("product (6)", PRODUCT_LANGUAGES), ("all", tuple(results))):
        for kind in ("long", "short"):
            pairs = [(code, p) for code in codes for p in results[code][kind]]
            correct = sum(p == code for code, p in pairs)
            und = sum(p == UNDETERMINED_LANGUAGE for _, p in pairs)
            print(
                f"{label:<12} {kind:<5} accuracy {correct / len(pairs):6.1%}  "
                f"und {und / len(pairs):5.1%}  n={len(pairs)}"
            )
    for kind, seconds in timings.items():
        count = sum(len(kinds[kind]) for kinds in results.values())
        print(f"throughput {kind:<5} {count / seconds:8.0f} texts/s ({count} in {seconds:.2f}s)")


def run(args: argparse.Namespace) -> None:
    """Build the set, run detection per language and kind, print the report."""
    options = dict(option.split("=", 1) for option in args.option)
    analyzer = LanguageAnalyzer.load(LanguageConfig.model_validate(options))
    results: dict[str, dict[str, list[str]]] = defaultdict(dict)
    timings: dict[str, float] = defaultdict(float)
    errors: list[str] = []
    for code in XED.keys() | UMSAB.keys():
        long_texts, short_texts = build_set(code, args.per_language, args.seed)
        for kind, texts in (("long", long_texts), ("short", short_texts)):
            predicted, seconds = evaluate(analyzer, texts)
            results[code][kind] = predicted
            timings[kind] += seconds
            if args.show_errors:
                errors += [
                    f"{code} {p:<4}{t!r}"
                    for t, p in zip(texts, predicted, strict=True)
                    if p != code
                ]
    report(dict(sorted(results.items(), key=_product_first)), timings)
    if args.show_errors:
        print("\n".join(errors[: args.show_errors]))


def _product_first(item: tuple[str, object]) -> tuple[int, str]:
    code = item[0]
    return (PRODUCT_LANGUAGES.index(code) if code in PRODUCT_LANGUAGES else 99, code)


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-language", type=int, default=300, help="texts per language/kind")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a LanguageConfig option, e.g. --option min_confidence=0.2",
    )
    parser.add_argument("--show-errors", type=int, default=0, help="print N misdetected texts")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
