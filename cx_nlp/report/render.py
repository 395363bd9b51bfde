"""The report as one self-contained HTML page: inline CSS, inline SVG charts, one tiny script.

Every string that comes from the data (texts, labels, segment values, ids, the title) goes
through ``html.escape``; the page's Content-Security-Policy allows no network access and only
the one inline script, by hash, so a review holding ``<script>`` is shown as text and could not
run even if it slipped through.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any

from cx_nlp.report import charts
from cx_nlp.report.charts import Bar, Effect, Markup, Segment, Series, StackedBar
from cx_nlp.report.drivers import Driver, ThemeKey
from cx_nlp.report.labels import Labels
from cx_nlp.report.stats import OTHER, OUTLIER_TOPIC, TARGETS, GroupStats, ReportData, Verbatim
from cx_nlp.schema import Channel, CxForce, Emotion, Polarity, SentimentLabel

TOP_GROUPS = 15
TOP_DRIVERS = 10
SENTIMENT_COLORS = {
    SentimentLabel.NEGATIVE: charts.NEGATIVE_COLOR,
    SentimentLabel.NEUTRAL: charts.NEUTRAL_COLOR,
    SentimentLabel.POSITIVE: charts.POSITIVE_COLOR,
}
FORCE_COLORS = dict(zip(CxForce, charts.SERIES_COLORS, strict=False))


def _html(value: Any) -> str:
    return value if isinstance(value, Markup) else escape(str(value))


def _join(parts: Iterable[str]) -> Markup:
    return Markup("".join(parts))


SCRIPT = """
document.querySelectorAll('.tabs').forEach(function (tabs) {
  var buttons = Array.prototype.slice.call(tabs.querySelectorAll(':scope > .tab-bar > button'));
  buttons.forEach(function (button) {
    button.addEventListener('click', function () {
      buttons.forEach(function (other) {
        var selected = other === button;
        other.setAttribute('aria-selected', selected ? 'true' : 'false');
        document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
      });
    });
  });
});
document.querySelectorAll('table.sortable th').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table');
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute('data-order') !== 'asc';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-order'); });
    th.setAttribute('data-order', ascending ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function key(row) {
      var cell = row.cells[column];
      var raw = cell.getAttribute('data-sort');
      var value = raw === null ? cell.textContent : raw;
      var number = parseFloat(value);
      return isNaN(number) ? value.toLowerCase() : number;
    }
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0)
        : (typeof x === 'number' ? -1 : 1);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
  });
});
"""

STYLE = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827;
  margin: 0; background: #f6f7f9; }
header { background: #1f3b5a; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 6px; font-size: 24px; }
header p { margin: 2px 0; opacity: .9; }
nav { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #e5e7eb;
  padding: 8px 32px; z-index: 1; }
nav a { margin-right: 16px; color: #1f3b5a; text-decoration: none; font-weight: 600; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 24px 48px; }
section { scroll-margin-top: 48px; background: #fff; border: 1px solid #e5e7eb;
  border-radius: 8px; margin: 18px 0; padding: 16px 22px; }
h2 { margin: 0 0 12px; font-size: 20px; color: #1f3b5a; }
h3 { margin: 18px 0 8px; font-size: 15px; }
.chart { max-width: 100%; height: auto; display: block; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card .value { font-size: 24px; font-weight: 700; }
.card .help { color: #6b7280; font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 5px 8px; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sortable th { cursor: pointer; user-select: none; }
th[data-order="asc"]::after { content: " ▲"; }
th[data-order="desc"]::after { content: " ▼"; }
.tab-bar { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 10px; }
.tab-bar button { border: 1px solid #cbd5e1; background: #fff; border-radius: 16px;
  padding: 4px 12px; cursor: pointer; font: inherit; }
.tab-bar button[aria-selected="true"] { background: #1f3b5a; color: #fff; border-color: #1f3b5a; }
.muted, .note { color: #6b7280; }
.note { font-size: 13px; }
.examples { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
blockquote { margin: 8px 0; padding: 8px 12px; border-left: 4px solid #cbd5e1;
  background: #f9fafb; white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote.positive { border-left-color: #2e8b57; }
blockquote.negative { border-left-color: #c0392b; }
blockquote .meta { display: block; color: #6b7280; font-size: 12px; margin-top: 4px;
  white-space: normal; }
mark { background: #fde68a; padding: 0 1px; }
.bar { display: flex; height: 10px; width: 120px; border-radius: 2px; overflow: hidden; }
.bar span { display: block; height: 100%; }
@media (max-width: 700px) { .examples { grid-template-columns: 1fr; } }
@media print { nav { display: none; } .tab-bar { display: none; } [hidden] { display: block; } }
"""


def render_report(
    data: ReportData,
    *,
    labels: Labels,
    title: str | None = None,
    source: str = "",
    generated: datetime | None = None,
) -> str:
    """The whole HTML document for ``data`` in the language of ``labels``."""
    page = _Page(data, labels)
    sections = [
        page.overview(),
        page.volume(),
        page.sentiment(),
        page.emotions(),
        page.forces(),
        page.topics(),
        page.scores(),
        page.drivers(),
        page.verbatims(),
        page.method(),
    ]
    present = [(section_id, heading, body) for section_id, heading, body in sections if body]
    nav = _join(f'<a href="#{sid}">{_html(heading)}</a>' for sid, heading, _ in present)
    body = _join(
        f'<section id="{sid}"><h2>{_html(heading)}</h2>{_html(content)}</section>'
        for sid, heading, content in present
    )
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    policy = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'; base-uri 'none'; form-action 'none'"
    )
    heading = title or labels["title"]
    when = (generated or datetime.now()).strftime("%Y-%m-%d %H:%M")
    meta = [f"{labels['source']}: {source}", f"{labels['generated']} {when}"]
    period = page.date_range()
    if period:
        meta.append(f"{labels['period']}: {period}")
    meta_html = _join(f"<p>{_html(line)}</p>" for line in meta)
    return (
        f'<!DOCTYPE html>\n<html lang="{labels.language.value}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_html(heading)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{_html(heading)}</h1>{meta_html}</header>"
        f'<nav aria-label="{_html(labels["nav"])}">{nav}</nav><main>{body}</main>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def highlight(text: str, spans: Sequence[tuple[int, int]]) -> Markup:
    """``text`` escaped, with the (merged, clipped) ``spans`` wrapped in ``<mark>``."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts = []
    position = 0
    for start, end in merged:
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return _join(parts)


def _table(
    headers: Sequence[tuple[str, bool]],
    rows: Iterable[Sequence[tuple[Any, Any]]],
    *,
    sortable: bool = True,
) -> Markup:
    """A table; ``headers`` are ``(name, numeric)``, cells ``(content, sort key or None)``."""
    head = "".join(
        f'<th class="{"num" if numeric else ""}">{_html(name)}</th>' for name, numeric in headers
    )
    body = []
    for row in rows:
        cells = []
        for (content, sort), (_, numeric) in zip(row, headers, strict=True):
            attrs = ' class="num"' if numeric else ""
            if sort is not None:
                attrs += f' data-sort="{_html(sort)}"'
            cells.append(f"<td{attrs}>{_html(content)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    css = ' class="sortable"' if sortable else ""
    return Markup(
        f"<table{css}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _tabs(name: str, panels: Sequence[tuple[str, str]]) -> Markup:
    """Buttons that show one panel at a time (all panels show when printed)."""
    if not panels:
        return Markup("")
    buttons, bodies = [], []
    for i, (label, content) in enumerate(panels):
        panel_id = f"{name}-{i}"
        selected = "true" if i == 0 else "false"
        buttons.append(
            f'<button type="button" role="tab" aria-selected="{selected}" '
            f'aria-controls="{panel_id}">{_html(label)}</button>'
        )
        hidden = "" if i == 0 else " hidden"
        bodies.append(f'<div id="{panel_id}" role="tabpanel"{hidden}>{_html(content)}</div>')
    return Markup(
        f'<div class="tabs"><div class="tab-bar" role="tablist">{"".join(buttons)}</div>'
        f"{''.join(bodies)}</div>"
    )


def _note(text: str) -> Markup:
    return Markup(f'<p class="note">{_html(text)}</p>')


class _Page:
    """Builds each section; a section with nothing to show returns an empty body."""

    def __init__(self, data: ReportData, labels: Labels) -> None:
        self.data = data
        self.labels = labels
        self.period, self.timeline = data.timeline()

    # --- names -------------------------------------------------------------------------

    def group_name(self, dimension: str, key: str) -> str:
        if key == OTHER:
            return self.labels["others"]
        if dimension == "channel":
            return self.labels.name(Channel(key))
        if dimension == "topic":
            return self.topic_name(key)
        return key

    def topic_name(self, key: str) -> str:
        if key == str(OUTLIER_TOPIC):
            return self.labels["outliers"]
        return self.data.topic_labels.get(key, key)

    def theme_name(self, theme: ThemeKey) -> str:
        kind, name, polarity = theme
        if kind == "force":
            force = self.labels.name(CxForce(name))
            return f"{force} ({self.labels.polarity(Polarity(polarity))})"
        sentiment = self.labels.name(SentimentLabel(polarity)).lower()
        return f"{self.labels['topic']}: {self.topic_name(name)} ({sentiment})"

    def ordered_groups(self, dimension: str) -> list[tuple[str, GroupStats]]:
        groups = self.data.groups(dimension)
        ranked = sorted(groups.items(), key=lambda item: (item[0] == OTHER, -item[1].n, item[0]))
        return ranked[:TOP_GROUPS]

    def date_range(self) -> str:
        days = [key for key in self.data.groups("day") if key != OTHER]
        return f"{min(days)} \u2013 {max(days)}" if days else ""

    def dimensions(self) -> list[tuple[str, str]]:
        """Segment dimensions present: channel, language, then the segment columns."""
        found = [
            (dimension, self.labels[dimension])
            for dimension in ("channel", "language")
            if self.data.groups(dimension)
        ]
        for column in self.data.segment_columns:
            if self.data.groups(f"segment:{column}"):
                found.append((f"segment:{column}", column))
        return found

    def segment_tabs(self, name: str, table: Callable[[str, str], Markup]) -> list[str]:
        """A "by segment" heading and one tab per dimension present; nothing when none is."""
        panels = [(heading, table(dimension, heading)) for dimension, heading in self.dimensions()]
        if not panels:
            return []
        return [f"<h3>{_html(self.labels['by_segment'])}</h3>", _tabs(name, panels)]

    # --- sections ----------------------------------------------------------------------

    def overview(self) -> tuple[str, str, str]:
        data, labels = self.data, self.labels
        cards = [
            (labels["read"], labels.count(data.read), ""),
            (labels["analysed"], labels.count(data.analysed), ""),
            (labels["rejected"], labels.count(sum(data.rejected.values())), ""),
        ]
        overall = data.overall
        if overall.sentiment_score.mean is not None:
            cards.append(
                (labels["mean_sentiment"], labels.number(overall.sentiment_score.mean, 2), "")
            )
        cards.extend(self.score_cards(overall))
        html = _join(
            f'<div class="card"><div class="help">{_html(name)}</div>'
            f'<div class="value">{_html(value)}</div><div class="help">{_html(help_)}</div></div>'
            for name, value, help_ in cards
        )
        body = [f'<div class="cards">{html}</div>']
        if data.rejected:
            reasons = ", ".join(
                f"{code}: {labels.count(count)}" for code, count in data.rejected.most_common()
            )
            body.append(_note(f"{labels['rejected_by']}: {reasons}"))
        return "overview", labels["overview"], _join(body)

    def score_cards(self, stats: GroupStats) -> list[tuple[str, str, str]]:
        labels = self.labels
        cards = []
        if stats.nps is not None:
            cards.append((labels["nps"], labels.number(stats.nps, 0), labels["nps_help"]))
        if stats.csat is not None:
            cards.append((labels["csat"], labels.percent(stats.csat, 0), labels["csat_help"]))
        if stats.effort.mean is not None:
            cards.append((labels["ces"], labels.number(stats.effort.mean, 2), labels["ces_help"]))
        if stats.rating.mean is not None:
            cards.append((labels["mean_rating"], labels.number(stats.rating.mean, 2), ""))
        return cards

    def volume(self) -> tuple[str, str, str]:
        labels = self.labels
        if not self.data.analysed:
            return "volume", labels["volume"], ""
        body: list[str] = []
        total = self.data.analysed
        for dimension, heading in self.dimensions()[:2]:
            bars = [
                Bar(
                    self.group_name(dimension, key),
                    stats.n,
                    f"{labels.count(stats.n)} ({labels.percent(stats.n / total)})",
                )
                for key, stats in self.ordered_groups(dimension)
            ]
            body.append(f"<h3>{_html(heading)}</h3>")
            body.append(charts.bar_chart(bars, label=f"{labels['volume']} · {heading}"))
        body.append(f"<h3>{_html(labels['over_time'])}</h3>")
        if self.timeline:
            periods = [period for period, _ in self.timeline]
            counts = [float(stats.n) for _, stats in self.timeline]
            body.append(
                charts.column_chart(
                    periods,
                    counts,
                    label=f"{labels['volume']} · {labels['over_time']}",
                    texts=[labels.count(int(count)) for count in counts],
                )
            )
            body.append(_note(labels["how_time"]))
        else:
            body.append(_note(labels["no_dates"]))
        return "volume", labels["volume"], _join(body)

    def sentiment_bar(self, label: str, stats: GroupStats) -> StackedBar:
        labels = self.labels
        return StackedBar(
            label,
            [
                Segment(
                    labels.name(sentiment),
                    stats.sentiment_share(sentiment),
                    SENTIMENT_COLORS[sentiment],
                    labels.percent(stats.sentiment_share(sentiment)),
                )
                for sentiment in SentimentLabel
            ],
            note=labels.count(stats.sentiment_n),
        )

    def sentiment(self) -> tuple[str, str, str]:
        labels = self.labels
        overall = self.data.overall
        if not overall.sentiment_n:
            return "sentiment", labels["sentiment"], ""
        rows = [self.sentiment_bar(labels["analysed"], overall)]
        for dimension, _ in self.dimensions()[:1]:
            rows.extend(
                self.sentiment_bar(self.group_name(dimension, key), stats)
                for key, stats in self.ordered_groups(dimension)
                if stats.sentiment_n
            )
        body: list[str] = [
            f"<h3>{_html(labels['distribution'])}</h3>",
            charts.stacked_chart(rows, label=f"{labels['sentiment']} · {labels['distribution']}"),
        ]
        if self.timeline:
            periods = [period for period, _ in self.timeline]
            series = [
                Series(
                    labels.name(sentiment),
                    [
                        100 * stats.sentiment_share(sentiment) if stats.sentiment_n else None
                        for _, stats in self.timeline
                    ],
                    SENTIMENT_COLORS[sentiment],
                )
                for sentiment in SentimentLabel
            ]
            body.append(f"<h3>{_html(labels['trend'])}</h3>")
            body.append(
                charts.line_chart(
                    periods,
                    series,
                    label=f"{labels['sentiment']} · {labels['trend']}",
                    y_range=(0.0, 100.0),
                    y_format=lambda value: f"{labels.number(value, 0)}%",
                )
            )
        body.append(_note(labels["how_sentiment"]))
        return "sentiment", labels["sentiment"], _join(body)

    def emotions(self) -> tuple[str, str, str]:
        labels = self.labels
        overall = self.data.overall
        if not overall.emotions_n:
            return "emotions", labels["emotions"], ""
        ranked = sorted(Emotion, key=lambda emotion: -overall.emotion_share(emotion))
        bars = [
            Bar(
                labels.name(emotion),
                overall.emotion_share(emotion),
                labels.percent(overall.emotion_share(emotion)),
                "#7c5cbf",
            )
            for emotion in ranked
        ]
        chart = charts.bar_chart(bars, label=labels["emotions"], max_value=1.0)
        return "emotions", labels["emotions"], _join([chart])

    def forces(self) -> tuple[str, str, str]:
        labels = self.labels
        overall = self.data.overall
        if overall.forces is None:
            return "forces", labels["forces"], ""
        bars = []
        rows = []
        for force in CxForce:
            value = overall.forces[force]
            bars.append(Bar(labels.name(force), value.index, labels.number(value.index, 1)))
            rows.append(
                [
                    (labels.name(force), None),
                    (labels.number(value.index, 1), value.index),
                    (self.count_share(value.positive, value.texts), value.positive),
                    (self.count_share(value.negative, value.texts), value.negative),
                ]
            )
        body: list[str] = [
            charts.diverging_chart(bars, label=f"{labels['forces']} · {labels['index']}"),
            _table(
                [
                    (labels["force"], False),
                    (labels["index"], True),
                    (labels["positive_mentions"], True),
                    (labels["negative_mentions"], True),
                ],
                rows,
            ),
        ]
        if self.timeline:
            series = [
                Series(
                    labels.name(force),
                    [
                        stats.forces[force].index if stats.forces is not None else None
                        for _, stats in self.timeline
                    ],
                    FORCE_COLORS[force],
                )
                for force in CxForce
            ]
            values = [v for line in series for v in line.values if v is not None]
            # A symmetric axis in steps of 20 (ticks every 10): zero in the middle.
            reach = 20.0 * math.ceil(max([20.0, *(abs(v) for v in values)]) / 20.0)
            body.append(f"<h3>{_html(labels['trend'])}</h3>")
            body.append(
                charts.line_chart(
                    [period for period, _ in self.timeline],
                    series,
                    label=f"{labels['forces']} · {labels['trend']}",
                    y_range=(-reach, reach),
                    y_format=lambda value: labels.number(value, 0),
                )
            )
        body.extend(self.segment_tabs("forces-segment", self.forces_table))
        body.append(_note(labels["how_forces"]))
        return "forces", labels["forces"], _join(body)

    def count_share(self, count: int, total: int) -> str:
        share = count / total if total else 0.0
        return f"{self.labels.count(count)} ({self.labels.percent(share)})"

    def force_cells(self, stats: GroupStats) -> list[tuple[Any, Any]]:
        cells: list[tuple[Any, Any]] = []
        for force in CxForce:
            value = stats.force_index(force)
            if value is None:
                cells.append(("", None))
                continue
            cells.append(
                (Markup(_heat(value.index, self.labels.number(value.index, 0))), value.index)
            )
        return cells

    def forces_table(self, dimension: str, heading: str) -> Markup:
        labels = self.labels
        rows = [
            [
                (self.group_name(dimension, key), None),
                (labels.count(stats.n), stats.n),
                *self.force_cells(stats),
            ]
            for key, stats in self.ordered_groups(dimension)
        ]
        headers = [(heading, False), (labels["feedback"], True)]
        headers += [(labels.name(force), True) for force in CxForce]
        return _table(headers, rows)

    def topics(self) -> tuple[str, str, str]:
        labels = self.labels
        groups = self.ordered_groups("topic")
        if not groups:
            return "topics", labels["topics"], _note(labels["no_topics"])
        total = self.data.analysed
        rows = []
        for key, stats in groups:
            mean_rating = stats.rating.mean
            rows.append(
                [
                    (self.topic_name(key), None),
                    (labels.count(stats.n), stats.n),
                    (labels.percent(stats.n / total), stats.n / total),
                    (_mini_bar(self, stats), stats.sentiment_share(SentimentLabel.NEGATIVE)),
                    (
                        labels.number(stats.sentiment_score.mean, 2)
                        if stats.sentiment_score.mean is not None
                        else "",
                        stats.sentiment_score.mean,
                    ),
                    (
                        labels.number(mean_rating, 2) if mean_rating is not None else "",
                        mean_rating,
                    ),
                    *self.force_cells(stats),
                ]
            )
        headers = [
            (labels["topic"], False),
            (labels["feedback"], True),
            (labels["share"], True),
            (labels["sentiment"], False),
            (labels["mean_sentiment"], True),
            (labels["mean_rating"], True),
            *((labels.name(force), True) for force in CxForce),
        ]
        body = [_table(headers, rows), _note(labels["sort_hint"])]
        return "topics", labels["topics"], _join(body)

    def scores(self) -> tuple[str, str, str]:
        labels = self.labels
        overall = self.data.overall
        cards = self.score_cards(overall)
        if not cards:
            return "scores", labels["scores"], _note(labels["no_scores"])
        body: list[str] = [
            _join(
                [
                    '<div class="cards">',
                    *(
                        f'<div class="card"><div class="help">{_html(name)}</div>'
                        f'<div class="value">{_html(value)}</div>'
                        f'<div class="help">{_html(help_)}</div></div>'
                        for name, value, help_ in cards
                    ),
                    "</div>",
                ]
            )
        ]
        if overall.recommend.n:
            shares = [
                (labels["detractors"], overall.detractors, charts.NEGATIVE_COLOR),
                (
                    labels["passives"],
                    overall.recommend.n - overall.promoters - overall.detractors,
                    charts.NEUTRAL_COLOR,
                ),
                (labels["promoters"], overall.promoters, charts.POSITIVE_COLOR),
            ]
            body.append(
                charts.stacked_chart(
                    [
                        StackedBar(
                            labels["nps"],
                            [
                                Segment(
                                    name,
                                    count / overall.recommend.n,
                                    color,
                                    labels.percent(count / overall.recommend.n),
                                )
                                for name, count, color in shares
                            ],
                            note=labels.count(overall.recommend.n),
                        )
                    ],
                    label=labels["nps"],
                )
            )
        if self.timeline:
            series = []
            if overall.recommend.n:
                series.append(
                    Series(labels["nps"], [s.nps for _, s in self.timeline], charts.ACCENT)
                )
            if overall.csat is not None:
                series.append(
                    Series(
                        labels["csat"],
                        [100 * s.csat if s.csat is not None else None for _, s in self.timeline],
                        charts.POSITIVE_COLOR,
                    )
                )
            if series:
                body.append(f"<h3>{_html(labels['trend'])}</h3>")
                body.append(
                    charts.line_chart(
                        [period for period, _ in self.timeline],
                        series,
                        label=f"{labels['scores']} · {labels['trend']}",
                        y_range=(-100.0 if overall.recommend.n else 0.0, 100.0),
                        y_format=lambda value: labels.number(value, 0),
                    )
                )
        body.extend(self.segment_tabs("scores-segment", self.scores_table))
        body.append(_note(labels["how_scores"]))
        return "scores", labels["scores"], _join(body)

    def scores_table(self, dimension: str, heading: str) -> Markup:
        labels = self.labels
        rows = []
        for key, stats in self.ordered_groups(dimension):
            cells: list[tuple[Any, Any]] = [
                (self.group_name(dimension, key), None),
                (labels.count(stats.n), stats.n),
            ]
            for value, text in (
                (stats.nps, labels.number(stats.nps, 0) if stats.nps is not None else ""),
                (stats.csat, labels.percent(stats.csat, 0) if stats.csat is not None else ""),
                (
                    stats.effort.mean,
                    labels.number(stats.effort.mean, 2) if stats.effort.mean is not None else "",
                ),
                (
                    stats.rating.mean,
                    labels.number(stats.rating.mean, 2) if stats.rating.mean is not None else "",
                ),
            ):
                cells.append((text, value))
            rows.append(cells)
        headers = [
            (heading, False),
            (labels["feedback"], True),
            (labels["nps"], True),
            (labels["csat"], True),
            (labels["ces"], True),
            (labels["mean_rating"], True),
        ]
        return _table(headers, rows)

    def drivers(self) -> tuple[str, str, str]:
        labels = self.labels
        panels = []
        for target in TARGETS:
            accumulator = self.data.drivers.get(target)
            if accumulator is None or not accumulator.rows:
                continue
            drivers = accumulator.drivers()
            panels.append((labels[f"target_{target}"], self.drivers_panel(drivers)))
        if not panels:
            return "drivers", labels["drivers"], ""
        body = [_tabs("drivers", panels), _note(labels["how_drivers"])]
        return "drivers", labels["drivers"], _join(body)

    def drivers_panel(self, drivers: list[Driver]) -> Markup:
        labels = self.labels
        if not drivers:
            return _note(labels["no_drivers"])
        body: list[str] = []
        pains = sorted((d for d in drivers if d.theme[2] == "negative"), key=lambda d: -d.effect)[
            :TOP_DRIVERS
        ]
        strengths = sorted(
            (d for d in drivers if d.theme[2] == "positive"), key=lambda d: d.effect
        )[:TOP_DRIVERS]
        for heading, chosen in (("pain_points", pains), ("strengths", strengths)):
            if not chosen:
                continue
            effects = [
                Effect(
                    self.theme_name(d.theme),
                    d.effect,
                    d.ci_low,
                    d.ci_high,
                    f"{_signed(labels, d.effect)} [{_signed(labels, d.ci_low)}; "
                    f"{_signed(labels, d.ci_high)}]",
                    charts.NEGATIVE_COLOR if heading == "pain_points" else charts.POSITIVE_COLOR,
                )
                for d in chosen
            ]
            body.append(f"<h3>{_html(labels[heading])}</h3>")
            body.append(charts.effects_chart(effects, label=labels[heading]))
        rows = [
            [
                (self.theme_name(d.theme), None),
                (f"{labels.count(d.mentions)} ({labels.percent(d.share)})", d.mentions),
                (labels.number(d.mean_with, 2), d.mean_with),
                (labels.number(d.mean_reference, 2), d.mean_reference),
                (_signed(labels, d.effect), d.effect),
                (f"{_signed(labels, d.ci_low)} … {_signed(labels, d.ci_high)}", d.ci_low),
            ]
            for d in drivers
        ]
        headers = [
            (labels["theme"], False),
            (labels["mentions"], True),
            (labels["mean_with"], True),
            (labels["mean_reference"], True),
            (labels["effect"], True),
            (labels["ci"], True),
        ]
        body.append(_table(headers, rows))
        from cx_nlp.report.drivers import MIN_SUPPORT

        body.append(_note(labels["min_support"].format(n=MIN_SUPPORT)))
        return _join(body)

    def verbatims(self) -> tuple[str, str, str]:
        labels = self.labels
        if not any(self.data.verbatims.values()):
            return "verbatims", labels["verbatims"], ""
        panels = []
        for force in CxForce:
            columns = []
            for polarity in (Polarity.NEGATIVE, Polarity.POSITIVE):
                examples = self.data.verbatims.get((force, polarity), [])
                quotes = [self.quote(example, polarity) for example in examples]
                heading = labels[
                    "negative_mentions" if polarity is Polarity.NEGATIVE else "positive_mentions"
                ]
                columns.append(
                    f"<div><h3>{_html(heading)}</h3>"
                    f"{''.join(quotes) or _note(labels['no_examples'])}</div>"
                )
            panels.append(
                (labels.name(force), Markup(f'<div class="examples">{"".join(columns)}</div>'))
            )
        body = [_note(labels["evidence_hint"]), _tabs("verbatims", panels)]
        return "verbatims", labels["verbatims"], _join(body)

    def quote(self, example: Verbatim, polarity: Polarity) -> str:
        labels = self.labels
        text = highlight(example.text, example.spans)
        prefix = "… " if example.cut_start else ""
        suffix = " …" if example.cut_end else ""
        meta = [example.id]
        if example.channel:
            meta.append(labels.name(Channel(example.channel)))
        if example.created_at:
            meta.append(example.created_at)
        if example.sentiment is not None:
            meta.append(labels.name(example.sentiment))
        if example.rating is not None:
            meta.append(f"{labels['rating']} {labels.number(example.rating, 0)}")
        return (
            f'<blockquote class="{polarity.value}">{prefix}{text}{suffix}'
            f'<span class="meta">{_html(" · ".join(meta))}</span></blockquote>'
        )

    def method(self) -> tuple[str, str, str]:
        labels = self.labels
        notes = ["how_sentiment", "how_forces", "how_scores", "how_drivers", "how_time"]
        return "method", labels["method"], _join(_note(labels[key]) for key in notes)


def _signed(labels: Labels, value: float) -> str:
    if value != value:  # NaN: no replicate had both groups
        return "\u2013"
    return ("+" if value > 0 else "") + labels.number(value, 2)


def _heat(index: float, text: str) -> str:
    """A cell coloured from red (index -100) through white to green (+100)."""
    strength = min(abs(index), 100.0) / 100.0
    if index >= 0:
        color = (255 - int(strength * 180), 255 - int(strength * 90), 255 - int(strength * 160))
    else:
        color = (255 - int(strength * 60), 255 - int(strength * 180), 255 - int(strength * 180))
    return (
        f'<span style="display:block;background:rgb{color};padding:0 4px;border-radius:3px">'
        f"{escape(text)}</span>"
    )


def _mini_bar(page: _Page, stats: GroupStats) -> Markup:
    labels = page.labels
    parts = []
    for sentiment in SentimentLabel:
        share = stats.sentiment_share(sentiment)
        parts.append(
            f'<span style="width:{100 * share:.1f}%;background:{SENTIMENT_COLORS[sentiment]}" '
            f'title="{escape(labels.name(sentiment))}: {escape(labels.percent(share))}"></span>'
        )
    return Markup(f'<div class="bar">{"".join(parts)}</div>')
