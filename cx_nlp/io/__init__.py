"""File input and output for batch scoring."""

from cx_nlp.io.readers import read_chunks
from cx_nlp.io.writers import open_writer

__all__ = ["open_writer", "read_chunks"]
