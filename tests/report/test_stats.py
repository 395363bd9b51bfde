"""One-pass aggregation of scored files: the figures of cx_nlp.aggregate, chunk by chunk."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cx_nlp.aggregate import emotion_shares, forces_index, sentiment_distribution
from cx_nlp.io.writers import CsvWriter
from cx_nlp.report import stats
from cx_nlp.report.stats import OTHER, UNREADABLE, choose_period, collect
from cx_nlp.schema import CxForce, Doc, Emotion, Polarity, SentimentLabel
from tests.report.records import scored_record, write_jsonl


def _random_records(count: int, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for i in range(count):
        forces = {
            force.value: (rng.choice(["positive", "negative"]), [(0, 5)])
            for force in CxForce
            if rng.random() < 0.2
        }
        records.append(
            scored_record(
                f"R-{i}",
                sentiment=rng.choice([label.value for label in SentimentLabel]),
                emotions=[e.value for e in Emotion if rng.random() < 0.3],
                forces=forces,
                channel=rng.choice(["review", "survey", "chat"]),
                created_at=f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T09:00:00",
                rating=float(rng.randint(1, 5)),
                error="empty_text" if rng.random() < 0.02 else None,
            )
        )
    return records


def test_collect_matches_aggregate_over_many_chunks(tmp_path: Path) -> None:
    records = _random_records(2 * stats.CHUNK_SIZE + 123)
    data = collect(write_jsonl(tmp_path / "scored.jsonl", records))
    docs = [
        Doc.model_validate({k: v for k, v in r.items() if k in stats._DOC_FIELDS}) for r in records
    ]
    assert data.overall.forces == forces_index(docs)
    for label, share in sentiment_distribution(docs).items():
        assert data.overall.sentiment_share(label) == pytest.approx(share, abs=1e-4)
    for emotion, share in emotion_shares(docs).items():
        assert data.overall.emotion_share(emotion) == pytest.approx(share, abs=1e-4)


def test_collect_counts_rejected_and_unreadable_rows_apart(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "scored.jsonl",
        [scored_record("A"), scored_record("B", error="empty_text"), {"id": "C", "rating": "x"}],
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    data = collect(path)
    assert (data.read, data.analysed) == (4, 1)
    assert data.rejected == {"empty_text": 1, UNREADABLE: 2}


def test_collect_computes_nps_csat_ces(tmp_path: Path) -> None:
    records = [
        scored_record(f"N{i}", recommend_score=score) for i, score in enumerate([10, 9, 8, 7, 6, 0])
    ]
    records += [scored_record(f"R{i}", rating=r) for i, r in enumerate([5.0, 4.0, 3.0, 1.0])]
    records += [scored_record(f"E{i}", effort_score=e) for i, e in enumerate([2.0, 4.0])]
    overall = collect(write_jsonl(tmp_path / "scored.jsonl", records)).overall
    assert overall.nps == pytest.approx(0.0)  # 2 promoters, 2 detractors of 6
    assert overall.csat == pytest.approx(0.5)
    assert overall.effort.mean == pytest.approx(3.0)


def test_collect_groups_by_segment_then_metadata(tmp_path: Path) -> None:
    records = [
        scored_record("A", segments={"store": "Milano"}),
        scored_record("B", metadata={"store": "Roma"}),
        scored_record("C", segments={"store": "Milano"}, metadata={"store": "ignored"}),
    ]
    data = collect(write_jsonl(tmp_path / "scored.jsonl", records), segment_columns=["store"])
    assert {key: group.n for key, group in data.groups("segment:store").items()} == {
        "Milano": 2,
        "Roma": 1,
    }


def test_collect_discovers_segment_columns(tmp_path: Path) -> None:
    records = [scored_record("A", segments={"country": "IT", "store": "Roma"})]
    data = collect(write_jsonl(tmp_path / "scored.jsonl", records))
    assert data.segment_columns == ["country", "store"]


def test_collect_pools_values_past_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "MAX_GROUPS", 2)
    records = [scored_record(str(i), segments={"store": f"S{i}"}) for i in range(5)]
    data = collect(write_jsonl(tmp_path / "scored.jsonl", records))
    groups = data.groups("segment:store")
    assert len(groups) == 3
    assert groups[OTHER].n == 3


def test_collect_reads_flat_csv_like_jsonl(tmp_path: Path) -> None:
    records = _random_records(300)
    docs = [
        Doc.model_validate({k: v for k, v in r.items() if k in stats._DOC_FIELDS}) for r in records
    ]
    writer = CsvWriter(tmp_path / "scored.csv")
    writer.write(docs)
    writer.close()
    from_csv = collect(tmp_path / "scored.csv")
    from_jsonl = collect(write_jsonl(tmp_path / "scored.jsonl", records))
    assert from_csv.overall.forces == from_jsonl.overall.forces
    assert from_csv.rejected == from_jsonl.rejected
    assert from_csv.overall.emotion_share(Emotion.JOY) == pytest.approx(
        from_jsonl.overall.emotion_share(Emotion.JOY)
    )


@pytest.mark.parametrize(
    ("first", "last", "records", "period"),
    [
        (date(2025, 1, 1), date(2025, 1, 20), 1000, "day"),
        (date(2025, 1, 1), date(2025, 6, 30), 1000, "week"),
        (date(2025, 1, 1), date(2026, 10, 28), 345, "month"),
        (date(2025, 1, 1), date(2026, 10, 28), 100, "quarter"),
        (date(2010, 1, 1), date(2025, 12, 31), 100_000, "year"),
    ],
)
def test_choose_period_keeps_periods_readable(
    first: date, last: date, records: int, period: str
) -> None:
    assert choose_period(first, last, records) == period


def test_timeline_lists_empty_periods_too(tmp_path: Path) -> None:
    records = [scored_record(f"A{i}", created_at="2025-01-05T10:00:00") for i in range(20)] + [
        scored_record(f"B{i}", created_at="2025-03-05T10:00:00") for i in range(20)
    ]
    period, timeline = collect(write_jsonl(tmp_path / "scored.jsonl", records)).timeline()
    assert period == "month"
    assert [(key, group.n) for key, group in timeline] == [
        ("2025-01", 20),
        ("2025-02", 0),
        ("2025-03", 20),
    ]


def test_verbatims_keep_the_strongest_with_evidence(tmp_path: Path) -> None:
    records = []
    for i in range(stats.VERBATIMS_PER_FORCE + 3):
        record = scored_record(
            f"V{i}", "Prezzo onesto. Tutto bene.", forces={"fairness": ("positive", [(0, 14)])}
        )
        record["forces"]["fairness"]["score"] = 0.5 + i / 100
        records.append(record)
    data = collect(write_jsonl(tmp_path / "scored.jsonl", records))
    kept = data.verbatims[(CxForce.FAIRNESS, Polarity.POSITIVE)]
    assert [v.id for v in kept] == [f"V{i}" for i in range(len(records) - 1, 2, -1)]
    assert kept[0].spans == ((0, 14),)
    assert not data.verbatims[(CxForce.FAIRNESS, Polarity.NEGATIVE)]


def test_verbatims_cut_long_texts_around_the_evidence(tmp_path: Path) -> None:
    text = "a" * 2000 + " Rimborso negato. " + "b" * 2000
    start = text.index("Rimborso")
    record = scored_record("L", text, forces={"fairness": ("negative", [(start, start + 16)])})
    data = collect(write_jsonl(tmp_path / "scored.jsonl", [record]))
    (verbatim,) = data.verbatims[(CxForce.FAIRNESS, Polarity.NEGATIVE)]
    assert len(verbatim.text) == stats.VERBATIM_CHARS
    assert verbatim.cut_start
    assert verbatim.cut_end
    (span,) = verbatim.spans
    assert verbatim.text[span[0] : span[1]] == "Rimborso negato."
