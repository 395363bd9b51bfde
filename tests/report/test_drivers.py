"""Driver analysis: effects recovered from crafted data, intervals, support, determinism."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cx_nlp.report.drivers import Driver, DriverAccumulator, ScoredThemes
from cx_nlp.report.stats import collect
from tests.report.records import scored_record, write_jsonl

CERTAINTY_NEGATIVE = ("force", "certainty", "negative")
CERTAINTY_POSITIVE = ("force", "certainty", "positive")


def _rows(count: int, *, share: float, drop: float, seed: int = 11) -> list[ScoredThemes]:
    """Ratings around 4.2; ``share`` of the rows mention certainty negatively and lose ``drop``."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        noise = rng.gauss(0.0, 0.6)
        if rng.random() < share:
            rows.append(ScoredThemes(4.2 - drop + noise, [CERTAINTY_NEGATIVE], []))
        else:
            rows.append(ScoredThemes(4.2 + noise, [], [CERTAINTY_NEGATIVE, CERTAINTY_POSITIVE]))
    return rows


def _driver(accumulator: DriverAccumulator, theme: tuple[str, str, str]) -> Driver:
    return next(d for d in accumulator.drivers() if d.theme == theme)


def test_drivers_recover_a_known_effect_within_the_interval() -> None:
    accumulator = DriverAccumulator()
    rows = _rows(4000, share=0.2, drop=2.0)
    for start in range(0, len(rows), 700):  # several chunks, as when streaming a file
        accumulator.add(rows[start : start + 700])
    driver = _driver(accumulator, CERTAINTY_NEGATIVE)
    expected = driver.share * 2.0  # neutralising the mentions lifts the mean by share x drop
    assert driver.ci_low < expected < driver.ci_high
    assert driver.effect == pytest.approx(0.4, abs=0.06)
    assert driver.ci_high - driver.ci_low < 0.2


def test_drivers_give_positive_themes_a_negative_effect() -> None:
    rng = random.Random(5)
    accumulator = DriverAccumulator()
    accumulator.add(
        [
            ScoredThemes(4.5 + rng.gauss(0, 0.3), [CERTAINTY_POSITIVE], [])
            if i % 3 == 0
            else ScoredThemes(3.0 + rng.gauss(0, 0.3), [], [CERTAINTY_POSITIVE])
            for i in range(900)
        ]
    )
    driver = _driver(accumulator, CERTAINTY_POSITIVE)
    assert driver.effect == pytest.approx(-0.5, abs=0.05)  # a third of the rows lose 1.5
    assert driver.ci_high < 0


def test_drivers_leave_out_themes_below_min_support() -> None:
    accumulator = DriverAccumulator()
    mentions = [ScoredThemes(2.0, [CERTAINTY_NEGATIVE], []) for _ in range(3)]
    references = [ScoredThemes(4.0, [], [CERTAINTY_NEGATIVE]) for _ in range(100)]
    accumulator.add(mentions + references)
    assert accumulator.drivers(min_support=5) == []
    assert [d.mentions for d in accumulator.drivers(min_support=3)] == [3]


def test_drivers_are_reproducible_and_chunking_keeps_the_estimate() -> None:
    rows = _rows(1500, share=0.3, drop=1.0)
    whole, chunked, again = DriverAccumulator(), DriverAccumulator(), DriverAccumulator()
    whole.add(rows)
    again.add(rows)
    for start in range(0, len(rows), 100):
        chunked.add(rows[start : start + 100])
    assert whole.drivers() == again.drivers()
    assert _driver(chunked, CERTAINTY_NEGATIVE).effect == pytest.approx(
        _driver(whole, CERTAINTY_NEGATIVE).effect
    )


def test_report_drivers_from_a_scored_file(tmp_path: Path) -> None:
    """Through the whole reader: fairness-negative reviews score 2 stars lower."""
    rng = random.Random(2)
    records = []
    for i in range(1200):
        negative = i % 4 == 0
        records.append(
            scored_record(
                f"D{i}",
                "Costi nascosti.",
                forces={"fairness": ("negative", [(0, 15)])} if negative else None,
                rating=float(min(5, max(1, round((2.0 if negative else 4.0) + rng.gauss(0, 0.5))))),
                topic=(3, "prezzi"),
                sentiment="negative" if negative else "neutral",
            )
        )
    data = collect(write_jsonl(tmp_path / "scored.jsonl", records))
    drivers = data.drivers["rating"].drivers()
    fairness = next(d for d in drivers if d.theme == ("force", "fairness", "negative"))
    assert (
        fairness.ci_low < 0.25 * (fairness.mean_reference - fairness.mean_with) < fairness.ci_high
    )
    assert fairness.effect == pytest.approx(0.5, abs=0.08)
    topic = next(d for d in drivers if d.theme == ("topic", "3", "negative"))
    assert topic.effect == pytest.approx(fairness.effect)  # same rows, same reference here
    effects = [abs(d.effect) for d in drivers]
    assert effects == sorted(effects, reverse=True)
    assert data.drivers["recommend_score"].rows == 0
