"""Sentence encoders: one protocol, several backends, chosen by a spec string."""

from cx_nlp.encoders.base import Encoder, load_encoder

__all__ = ["Encoder", "load_encoder"]
