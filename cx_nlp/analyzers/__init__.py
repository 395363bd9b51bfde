"""Analyzers: each module registers one factory; importing them is cheap (no heavy imports)."""

from cx_nlp.analyzers import emotion, encoder, language, prepare, sentences, sentiment

__all__ = ["emotion", "encoder", "language", "prepare", "sentences", "sentiment"]
