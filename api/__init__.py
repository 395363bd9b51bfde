"""The cx-nlp HTTP API: a thin FastAPI shell over ``cx_nlp`` (see docs/api.md)."""

from api.main import create_app

__all__ = ["create_app"]
