"""Analyzers: each module registers one factory; importing them is cheap (no heavy imports)."""

from cx_nlp.analyzers import (
    emotion,
    encoder,
    forces,
    journey,
    language,
    prepare,
    sentences,
    sentiment,
    topics,
)

__all__ = [
    "emotion",
    "encoder",
    "forces",
    "journey",
    "language",
    "prepare",
    "sentences",
    "sentiment",
    "topics",
]
