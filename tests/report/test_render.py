"""The HTML report: escaping, highlighting, languages, self-containment, missing sections."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from cx_nlp.report import write_report
from cx_nlp.report.labels import NAMES, TEXTS, Labels, ReportLanguage
from cx_nlp.report.render import SCRIPT, highlight
from tests.report.records import scored_record, write_jsonl

XSS = '<script>alert("x")</script><img src=x onerror="window.pwned=1">'


def _records() -> list[dict[str, Any]]:
    records = []
    for i in range(40):
        negative = i % 2 == 0
        records.append(
            scored_record(
                f"K{i}",
                "Consegna in ritardo. Nessuno risponde." if negative else "Tutto puntuale.",
                sentiment="negative" if negative else "positive",
                emotions=["anger"] if negative else ["joy"],
                forces={"certainty": ("negative" if negative else "positive", [(0, 20)])},
                topic=(1, "consegna"),
                channel="review" if i % 3 else "survey",
                created_at=f"2025-{1 + i % 6:02d}-10T10:00:00",
                rating=2.0 if negative else 5.0,
                recommend_score=3.0 if negative else 10.0,
                segments={"country": "IT" if i % 4 else "ES"},
            )
        )
    return records


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "scored.jsonl", _records())


def test_report_escapes_text_from_the_data(tmp_path: Path) -> None:
    record = scored_record(
        "<b>id</b>",
        XSS,
        forces={"fairness": ("negative", [(0, 10)])},
        topic=(2, "<i>topic</i>"),
        segments={"store": "<svg onload=alert(1)>"},
    )
    scored = write_jsonl(tmp_path / "scored.jsonl", [record])
    html = write_report(
        scored, tmp_path / "r.html", title="</title><script>x()</script>"
    ).read_text(encoding="utf-8")
    assert html.count("<script") == 1  # the report's own script only
    assert "<img" not in html
    assert "<svg onload" not in html
    assert "<i>topic" not in html
    assert "<b>id" not in html
    assert "<mark>&lt;script&gt;al</mark>ert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("abc def", [(0, 3)], "<mark>abc</mark> def"),
        ("abc def", [(4, 7), (0, 1)], "<mark>a</mark>bc <mark>def</mark>"),
        ("abc def", [(0, 4), (2, 6)], "<mark>abc de</mark>f"),
        ("abc", [(2, 99), (-3, 0)], "ab<mark>c</mark>"),
        ("a<b>", [(1, 4)], "a<mark>&lt;b&gt;</mark>"),
        ("perché 😀 sì", [(7, 8)], "perché <mark>😀</mark> sì"),
        ("no spans", [], "no spans"),
    ],
)
def test_highlight_marks_evidence(text: str, spans: list[tuple[int, int]], expected: str) -> None:
    assert highlight(text, spans) == expected


@pytest.mark.parametrize(
    ("lang", "words", "absent"),
    [
        (
            "it",
            ["Sintesi", "Le sei forze della CX", "Driver del punteggio", "Trattamento equo"],
            "Overview",
        ),
        ("en", ["Overview", "The six CX forces", "Score drivers", "Fair treatment"], "Sintesi"),
    ],
)
def test_report_labels_follow_the_language(
    report_file: Path, tmp_path: Path, lang: str, words: list[str], absent: str
) -> None:
    html = write_report(report_file, tmp_path / "r.html", lang=lang).read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in html
    for word in words:
        assert word in html
    assert absent not in html


def test_report_rejects_an_unknown_language(report_file: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fr"):
        write_report(report_file, tmp_path / "r.html", lang="fr")


def test_report_has_every_section_with_data(report_file: Path, tmp_path: Path) -> None:
    html = write_report(report_file, tmp_path / "r.html").read_text(encoding="utf-8")
    for section in ("overview", "volume", "sentiment", "emotions", "forces", "topics", "scores",
                    "drivers", "verbatims", "method"):  # fmt: skip
        assert f'<section id="{section}">' in html
    assert "consegna" in html
    assert "<mark>Consegna in ritardo." in html
    assert 'aria-controls="drivers-1"' in html  # rating and recommendation score tabs


def test_report_is_self_contained(report_file: Path, tmp_path: Path) -> None:
    html = write_report(report_file, tmp_path / "r.html").read_text(encoding="utf-8")
    links = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert links <= {"http://www.w3.org/2000/svg"}
    assert not re.search(r"<(link|iframe|img)\b|\bsrc=", html)
    assert len(html.encode()) < 2_000_000


def test_report_policy_allows_only_its_own_script(report_file: Path, tmp_path: Path) -> None:
    html = write_report(report_file, tmp_path / "r.html").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html
    assert "default-src 'none'" in html
    assert f"<script>{SCRIPT}</script>" in html


def test_report_skips_sections_without_data(tmp_path: Path) -> None:
    records = [
        scored_record(f"P{i}", topic=None, rating=None, created_at=None, channel=None)
        for i in range(5)
    ]
    scored = write_jsonl(tmp_path / "scored.jsonl", records)
    html = write_report(scored, tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert '<section id="drivers">' not in html
    assert '<section id="verbatims">' not in html
    assert TEXTS[ReportLanguage.EN]["no_topics"] in html
    assert TEXTS[ReportLanguage.EN]["no_scores"] in html
    assert TEXTS[ReportLanguage.EN]["no_dates"] in html


def test_report_of_only_rejected_rows_still_renders(tmp_path: Path) -> None:
    scored = write_jsonl(tmp_path / "s.jsonl", [scored_record("X", error="empty_text")])
    html = write_report(scored, tmp_path / "r.html", lang="en").read_text(encoding="utf-8")
    assert "empty_text: 1" in html


def test_label_dictionaries_have_the_same_keys() -> None:
    assert set(TEXTS[ReportLanguage.IT]) == set(TEXTS[ReportLanguage.EN])
    assert set(NAMES[ReportLanguage.IT]) == set(NAMES[ReportLanguage.EN])


@pytest.mark.parametrize(
    ("lang", "value", "digits", "expected"),
    [
        ("it", 1234.5, 1, "1.234,5"),
        ("en", 1234.5, 1, "1,234.5"),
        ("it", -0.25, 2, "\u22120,25"),
        ("en", 12.0, 0, "12"),
        ("it", -0.001, 2, "0,00"),
    ],
)
def test_numbers_follow_the_language(lang: str, value: float, digits: int, expected: str) -> None:
    assert Labels(lang).number(value, digits) == expected
