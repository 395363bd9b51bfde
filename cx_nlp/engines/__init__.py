"""Scoring engines beyond this machine's processes (``cx-nlp score --engine``).

Each engine module imports its framework at module level: import it only when that engine
is chosen, so that ``import cx_nlp`` and the local engine never load it.
"""

from enum import StrEnum


class Engine(StrEnum):
    """Where ``cx-nlp score`` runs: this machine's processes, or a Ray cluster."""

    local = "local"
    ray = "ray"
