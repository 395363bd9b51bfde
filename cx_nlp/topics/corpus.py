"""Read a feedback file and encode it with a profile's pipeline up to its encoder."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cx_nlp.analyzers.encoder import EncoderAnalyzer
from cx_nlp.analyzers.journey import document_vectors
from cx_nlp.artifacts import EncoderInfo
from cx_nlp.config import Settings, load_pipeline_config
from cx_nlp.errors import ConfigError, InputError
from cx_nlp.io.readers import read_chunks
from cx_nlp.pipeline import build_pipeline
from cx_nlp.schema import UNDETERMINED_LANGUAGE, Doc
from cx_nlp.scoring import ColumnMapping, to_item

logger = logging.getLogger(__name__)


@dataclass
class EncodedCorpus:
    """Prepared texts, their document vectors and languages, and the encoder used."""

    texts: list[str]
    vectors: np.ndarray
    languages: list[str]
    encoder: EncoderInfo
    rejected: int


def encode_file(
    path: Path, *, text_column: str, profile: str, settings: Settings, chunk_size: int = 1000
) -> EncodedCorpus:
    """Run ``profile``'s analyzers up to and including ``encoder`` over ``path``'s rows.

    Rows the pipeline rejects (empty text, bad encoding) are counted and left out of the
    fit; the count is logged and returned.

    Raises:
        ConfigError: the profile has no ``encoder`` analyzer.
    """
    config = load_pipeline_config(profile, settings)
    names = [spec.name for spec in config.analyzers]
    if "encoder" not in names:
        raise ConfigError(f"Profile '{profile}' has no encoder analyzer; pick one that does.")
    head = config.model_copy(update={"analyzers": config.analyzers[: names.index("encoder") + 1]})
    pipeline = build_pipeline(head, settings)
    columns = ColumnMapping(text=text_column)
    docs: list[Doc] = []
    unreadable = 0
    for chunk in read_chunks(path, chunk_size=chunk_size):
        items = [to_item(record, row, columns)[0] for row, record in chunk
                 if not isinstance(record, InputError)]  # fmt: skip
        unreadable += len(chunk) - len(items)
        docs.extend(pipeline.analyze(items, on_invalid="record"))
    encoder_analyzer = pipeline.analyzers[-1]
    if not isinstance(encoder_analyzer, EncoderAnalyzer):
        raise ConfigError(f"Profile '{profile}' ends its encoding with an unknown analyzer.")
    corpus = _collect(docs, encoder_analyzer)
    corpus.rejected += unreadable
    return corpus


def _collect(docs: list[Doc], encoder_analyzer: EncoderAnalyzer) -> EncodedCorpus:
    scored = [doc for doc in docs if doc.error is None and doc.embeddings is not None]
    rejected = len(docs) - len(scored)
    if rejected:
        logger.warning("%d of %d rows were rejected and left out of the fit", rejected, len(docs))
    encoder = encoder_analyzer.encoder
    blocks = [doc.embeddings.sentences for doc in scored if doc.embeddings is not None]
    stacked = np.concatenate(blocks) if blocks else np.zeros((0, encoder.dim), np.float32)
    languages = [doc.language.code if doc.language else UNDETERMINED_LANGUAGE for doc in scored]
    return EncodedCorpus(
        texts=[doc.text for doc in scored],
        vectors=document_vectors(stacked, [len(doc.sentences) for doc in scored]),
        languages=languages,
        encoder=EncoderInfo(name=encoder.name, version=encoder.version, dim=encoder.dim),
        rejected=rejected,
    )
