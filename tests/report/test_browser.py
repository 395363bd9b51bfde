"""The report opened like a user would: headless Chromium via Selenium over file://.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make system-deps``); skipped without them.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cx_nlp.cli import app
from cx_nlp.config import PROJECT_ROOT
from cx_nlp.report import write_report
from tests.report.records import scored_record, write_jsonl

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
SECTIONS = ("overview", "volume", "sentiment", "emotions", "forces", "topics", "scores",
            "drivers", "verbatims", "method")  # fmt: skip
HEADINGS = {
    "it": ["Sintesi", "Volumi", "Le sei forze della CX", "Temi", "Driver del punteggio"],
    "en": ["Overview", "Volume", "The six CX forces", "Topics", "Score drivers"],
}


@pytest.fixture(scope="session")
def real_scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data_samples/feedback.csv scored by the real fast-topics pipeline, with NPS and segments."""
    out = tmp_path_factory.mktemp("scored") / "scored.jsonl"
    result = CliRunner().invoke(
        app,
        ["score", str(PROJECT_ROOT / "data_samples" / "feedback.csv"), "-o", str(out),
         "--id-column", "id", "--language-column", "language", "--channel-column", "channel",
         "--date-column", "created_at", "--rating-column", "rating", "--recommend-column", "nps",
         "--segment-column", "country", "--segment-column", "product",
         "--profile", "fast-topics"],
    )  # fmt: skip
    assert result.exit_code == 3, result.output  # the sample has two empty rows
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs Chromium: apt-get install chromium chromium-driver (make system-deps)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def _open(browser: Any, path: Path) -> list[dict[str, Any]]:
    """Load ``path`` and return the console entries it produced."""
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get_log("browser")  # drop entries of earlier pages
    browser.get(path.resolve().as_uri())
    # get() normally returns once the page is complete, but on a loaded CI machine Chromium
    # has been seen answering "loading" right after it: wait for the state, do not race it.
    WebDriverWait(browser, 60).until(
        lambda driver: driver.execute_script("return document.readyState") == "complete"
    )
    return list(browser.get_log("browser"))


def _click(browser: Any, element: Any) -> None:
    """Click like a user: scrolled to the middle of the window, clear of the sticky nav."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _visible_chart_sizes(browser: Any) -> list[list[float]]:
    return list(
        browser.execute_script(
            "return Array.from(document.querySelectorAll('svg.chart'))"
            ".filter(s => s.closest('[hidden]') === null)"
            ".map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; });"
        )
    )


def _png_facts(data: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct bytes in the decoded pixel rows of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    position, idat = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        if kind == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    return width, height, len(set(zlib.decompress(idat)[:2_000_000]))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_report_renders_in_a_browser(
    browser: Any, real_scored: Path, tmp_path: Path, lang: str
) -> None:
    report = write_report(
        real_scored, tmp_path / f"report-{lang}.html", lang=lang, segment_columns=["country"]
    )
    console = _open(browser, report)

    assert [e for e in console if e["level"] == "SEVERE"] == []
    ids = browser.execute_script(
        "return Array.from(document.querySelectorAll('section')).map(s => s.id)"
    )
    assert list(ids) == list(SECTIONS)
    headings = browser.execute_script(
        "return Array.from(document.querySelectorAll('h2')).map(h => h.textContent)"
    )
    assert set(HEADINGS[lang]) <= set(headings)
    sizes = _visible_chart_sizes(browser)
    assert len(sizes) >= 8
    assert all(width > 100 and height > 20 for width, height in sizes)
    assert browser.execute_script("return document.querySelectorAll('#verbatims mark').length") > 0
    assert browser.execute_script("return document.querySelectorAll('#topics tbody tr').length") > 1

    shot = tmp_path / f"report-{lang}.png"
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height, 12_000))
    assert browser.save_screenshot(str(shot))
    browser.set_window_size(1280, 1000)
    width, shot_height, distinct = _png_facts(shot.read_bytes())
    assert width >= 1000
    assert shot_height >= 1000
    assert distinct > 50  # charts, text and colours, not a blank page
    assert shot.stat().st_size > 100_000


def test_report_tabs_and_sorting_work(browser: Any, real_scored: Path, tmp_path: Path) -> None:
    report = write_report(real_scored, tmp_path / "report.html", lang="en")
    _open(browser, report)
    buttons = browser.find_elements("css selector", ".tab-bar button")
    assert len(buttons) >= 10
    for button in buttons:
        _click(browser, button)
        panel = browser.find_element("id", button.get_attribute("aria-controls"))
        assert button.get_attribute("aria-selected") == "true"
        assert panel.is_displayed()
        for chart in panel.find_elements("css selector", "svg.chart"):
            assert chart.size["width"] > 100
            assert chart.size["height"] > 20

    def first_topic_counts() -> list[float]:
        return [
            float(cell.get_attribute("data-sort"))
            for cell in browser.find_elements("css selector", "#topics tbody tr td:nth-child(2)")
        ]

    header = browser.find_element("css selector", "#topics th:nth-child(2)")
    _click(browser, header)
    assert first_topic_counts() == sorted(first_topic_counts())
    _click(browser, header)
    assert first_topic_counts() == sorted(first_topic_counts(), reverse=True)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_report_shows_hostile_text_as_text(browser: Any, tmp_path: Path) -> None:
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    records = [
        scored_record(f"H{i}", hostile, forces={"status": ("negative", [(0, 20)])}, rating=2.0)
        for i in range(3)
    ]
    report = write_report(write_jsonl(tmp_path / "s.jsonl", records), tmp_path / "r.html")
    console = _open(browser, report)
    assert browser.execute_script("return window.pwned === undefined")
    assert (
        browser.execute_script("return document.querySelectorAll('main img, main script').length")
        == 0
    )
    text = browser.find_element("css selector", "#verbatims blockquote").get_attribute(
        "textContent"
    )
    assert "<script>window.pwned=2</script>" in text
    assert [e for e in console if e["level"] == "SEVERE"] == []
