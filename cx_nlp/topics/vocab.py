"""The topic vocabulary: per-language stop words and lookup lemmatisation for c-TF-IDF.

Keywords are counted on a *vocabulary view* of each text: lowercased word tokens, each
replaced by its lemma from spaCy's lookup tables (``spacy-lookups-data``) for the text's
language. Languages without a usable lookup table keep their tokens as they are; stop words of
every language present come from ``spacy.lang.<code>.stop_words``. spaCy is imported
inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

logger = logging.getLogger(__name__)

# Letters only (no digits or underscores), at least two characters: prices, order numbers
# and emoji never become topic keywords.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
# spaCy's Italian lookup table maps many nouns to verbs (fattura -> fatturare, negozio ->
# negoziare), which makes labels worse than the surface forms; Italian stays unlemmatised.
UNLEMMATISED_LANGUAGES: frozenset[str] = frozenset({"it"})


@lru_cache(maxsize=64)
def language_stop_words(code: str) -> frozenset[str]:
    """spaCy's stop words for ``code`` (ISO 639-1), lowercased; empty when spaCy has none."""
    try:
        module = importlib.import_module(f"spacy.lang.{code}.stop_words")
    except ModuleNotFoundError:
        logger.warning("spaCy has no stop words for language %r; keeping all its words", code)
        return frozenset()
    return frozenset(word.lower() for word in module.STOP_WORDS)


def stop_words(languages: Iterable[str]) -> list[str]:
    """The sorted union of stop words of ``languages``, lemmatised as the vocabulary is."""
    words: set[str] = set()
    for code in sorted(set(languages)):
        base = language_stop_words(code)
        table = lemma_table(code)
        words |= base | {_lemma(table, word) for word in base}
    # "qu'il" -> "qu", "il": the vectorizer sees tokens, so stop words are tokens too
    return sorted(words | {token for word in words for token in _TOKEN_RE.findall(word)})


@lru_cache(maxsize=64)
def lemma_table(code: str) -> Mapping[str, str]:
    """The ``lemma_lookup`` table of ``code`` from spacy-lookups-data; empty when missing.

    spaCy's ``Table`` is keyed by string hashes, so it is used through ``get`` only.
    """
    from spacy.lookups import load_lookups

    if code in UNLEMMATISED_LANGUAGES:
        return {}
    lookups = load_lookups(code, ["lemma_lookup"], strict=False)
    if not lookups.has_table("lemma_lookup"):
        logger.info("no lemma lookup table for %r; its keywords stay unlemmatised", code)
        return {}
    table: Mapping[str, str] = lookups.get_table("lemma_lookup")
    return table


def vocabulary_view(text: str, language: str) -> str:
    """``text`` as the vectorizer sees it: lowercased word tokens, lemmatised when possible."""
    table = lemma_table(language)
    return " ".join(_lemma(table, token) for token in _TOKEN_RE.findall(text.lower()))


def _lemma(table: Mapping[str, str], token: str) -> str:
    value: object = table.get(token, token)
    if isinstance(value, list):  # some tables (e.g. Greek) list several lemmas
        value = value[0] if value else token
    return str(value).lower()


def vocabulary_views(texts: Sequence[str], languages: Sequence[str]) -> list[str]:
    """:func:`vocabulary_view` of every text with its own language."""
    if len(texts) != len(languages):
        raise ValueError(f"got {len(texts)} texts but {len(languages)} languages")
    return [vocabulary_view(text, code) for text, code in zip(texts, languages, strict=True)]


def corpus_vocabulary(
    views: Sequence[str], stop: Sequence[str], *, min_df: int, max_features: int
) -> list[str]:
    """Words in at least ``min_df`` texts (not stop words), the ``max_features`` most frequent.

    BERTopic fits its vectorizer on one document per topic, where ``min_df`` would mean
    "in several topics"; fixing the vocabulary from the texts keeps one-off words (typos,
    names) out of the keywords.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(
        token_pattern=TOKEN_PATTERN,
        lowercase=False,
        stop_words=list(stop),
        min_df=min_df if len(views) >= 10 * min_df else 1,
        max_features=max_features,
    )
    vectorizer.fit(views)
    return sorted(str(word) for word in vectorizer.vocabulary_)
