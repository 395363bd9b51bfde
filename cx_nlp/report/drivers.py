"""Driver analysis: how much each force and topic moves a score, in one streaming pass.

For a theme (a force with a polarity, or a topic with the text's sentiment) the texts that
mention it are compared with the texts where it is neutral (for a force: the texts without that
force; for a topic: the texts of that topic with neutral sentiment). The effect is the change in
the overall mean score if the mentions were neutral::

    effect = share_with * (mean_reference - mean_with)

Positive for a negative theme that pulls the score down (what fixing it could gain), negative
for a positive theme that holds it up (what losing it would cost). The confidence interval is a
Poisson bootstrap: every row gets a Poisson(1) weight per replicate, so replicates accumulate in
the same single pass over the file, in constant memory, reproducibly for a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_REPLICATES = 200
DEFAULT_SEED = 7
MIN_SUPPORT = 5

ThemeKey = tuple[str, str, str]
"""``(kind, name, polarity)``: ``("force", "certainty", "negative")``, ``("topic", "3", ...)``."""


@dataclass(frozen=True)
class ScoredThemes:
    """One row's score with the themes it mentions and the themes it is a reference for."""

    score: float
    mentions: Sequence[ThemeKey]
    references: Sequence[ThemeKey]


@dataclass(frozen=True)
class Driver:
    """The estimated effect of one theme on the mean score, with its 95% interval."""

    theme: ThemeKey
    mentions: int
    references: int
    share: float
    mean_with: float
    mean_reference: float
    effect: float
    ci_low: float
    ci_high: float


class DriverAccumulator:
    """Sums, per theme and bootstrap replicate, the counts and scores of mentions and references.

    Row 0 of every array is the data itself (weight 1); rows 1.. are the replicates.
    """

    def __init__(self, *, replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED) -> None:
        self._rng = np.random.default_rng(seed)
        self._replicates = replicates
        self._columns: dict[ThemeKey, int] = {}
        rows = replicates + 1
        self._totals = np.zeros(rows)
        # Four stats per theme: mention count, mention score sum, reference count, reference sum.
        self._stats = np.zeros((4, rows, 0))

    @property
    def rows(self) -> int:
        """Rows with a score seen so far."""
        return int(self._totals[0])

    def add(self, rows: Sequence[ScoredThemes]) -> None:
        """Accumulate a chunk of rows (one matrix product per chunk)."""
        if not rows:
            return
        for row in rows:
            for theme in (*row.mentions, *row.references):
                if theme not in self._columns:
                    self._columns[theme] = len(self._columns)
        width = len(self._columns)
        if self._stats.shape[2] < width:
            grown = np.zeros((4, self._replicates + 1, width))
            grown[:, :, : self._stats.shape[2]] = self._stats
            self._stats = grown
        scores = np.array([row.score for row in rows])
        mention = np.zeros((len(rows), width))
        reference = np.zeros((len(rows), width))
        for i, row in enumerate(rows):
            mention[i, [self._columns[theme] for theme in row.mentions]] = 1.0
            reference[i, [self._columns[theme] for theme in row.references]] = 1.0
        weights = np.empty((len(rows), self._replicates + 1))
        weights[:, 0] = 1.0
        weights[:, 1:] = self._rng.poisson(1.0, size=(len(rows), self._replicates))
        self._totals += weights.sum(axis=0)
        design = np.concatenate(
            [mention, mention * scores[:, None], reference, reference * scores[:, None]], axis=1
        )
        sums = weights.T @ design
        self._stats += sums.reshape(self._replicates + 1, 4, width).transpose(1, 0, 2)

    def drivers(self, *, min_support: int = MIN_SUPPORT) -> list[Driver]:
        """Themes with ``min_support`` mentions and references or more, largest effect first."""
        n_with, s_with, n_ref, s_ref = self._stats
        with np.errstate(divide="ignore", invalid="ignore"):
            effects = (n_with / self._totals[:, None]) * (s_ref / n_ref - s_with / n_with)
        result = []
        for theme, column in self._columns.items():
            mentions, references = int(n_with[0, column]), int(n_ref[0, column])
            if mentions < min_support or references < min_support:
                continue
            replicates = effects[1:, column]
            replicates = replicates[np.isfinite(replicates)]
            low, high = (
                np.percentile(replicates, [2.5, 97.5]) if replicates.size else (np.nan, np.nan)
            )
            result.append(
                Driver(
                    theme=theme,
                    mentions=mentions,
                    references=references,
                    share=mentions / self._totals[0],
                    mean_with=float(s_with[0, column] / mentions),
                    mean_reference=float(s_ref[0, column] / references),
                    effect=float(effects[0, column]),
                    ci_low=float(low),
                    ci_high=float(high),
                )
            )
        return sorted(result, key=lambda driver: (-abs(driver.effect), driver.theme))
