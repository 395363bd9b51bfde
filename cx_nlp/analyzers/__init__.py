"""Analyzers: each module registers one factory; importing them is cheap (no heavy imports)."""

from cx_nlp.analyzers import language, prepare, sentences

__all__ = ["language", "prepare", "sentences"]
