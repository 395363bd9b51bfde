"""Inline SVG charts drawn in Python: bars, diverging bars, stacked bars, lines, effects.

Every function returns an ``<svg>`` string with a ``viewBox`` (it scales with the page) and
escapes every text it is given, so data can never become markup. Hovering a mark shows its
exact value (an SVG ``<title>``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 760
LABEL_WIDTH = 210
ROW = 24
FONT = 12
MUTED = "#6b7280"
GRID = "#e5e7eb"
POSITIVE_COLOR = "#2e8b57"
NEGATIVE_COLOR = "#c0392b"
NEUTRAL_COLOR = "#a0a7b0"
ACCENT = "#3b6ea5"
SERIES_COLORS = ("#3b6ea5", "#e07b39", "#2e8b57", "#9b59b6", "#c0392b", "#7f8c8d", "#d4a017")


class Markup(str):
    """HTML built from escaped parts: the renderer inserts it as is, any other str is escaped."""

    __slots__ = ()


@dataclass(frozen=True)
class Bar:
    """One labelled value; ``text`` is how the value is written next to the bar."""

    label: str
    value: float
    text: str
    color: str = ACCENT


@dataclass(frozen=True)
class Segment:
    """One part of a 100% stacked bar."""

    name: str
    share: float
    color: str
    text: str


@dataclass(frozen=True)
class StackedBar:
    """A labelled 100% bar; ``note`` is written after it (e.g. the count)."""

    label: str
    segments: Sequence[Segment]
    note: str = ""


@dataclass(frozen=True)
class Series:
    """A line: one value (or None, a gap) per x label."""

    name: str
    values: Sequence[float | None]
    color: str


@dataclass(frozen=True)
class Effect:
    """An estimate with its interval, for an effects (forest) chart."""

    label: str
    value: float
    low: float
    high: float
    text: str
    color: str


def _svg(width: int, height: float, body: str, label: str) -> Markup:
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
        f'{height:.0f}" width="{width}" height="{height:.0f}" role="img" '
        f'aria-label="{escape(label)}">{body}</svg>'
    )


def _clip(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _text(x: float, y: float, text: str, *, anchor: str = "start", **style: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{escape(value)}"' for key, value in style.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{FONT}"{extra}>'
        f"{escape(text)}</text>"
    )


def _label(y: float, label: str) -> str:
    return (
        f"<g><title>{escape(label)}</title>"
        f"{_text(LABEL_WIDTH - 8, y, _clip(label), anchor='end', fill='#111827')}</g>"
    )


def bar_chart(bars: Sequence[Bar], *, label: str, max_value: float | None = None) -> Markup:
    """Horizontal bars from zero, largest scale ``max_value`` (default: the largest value)."""
    top = max_value or max((bar.value for bar in bars), default=0.0) or 1.0
    area = WIDTH - LABEL_WIDTH - 90
    parts = []
    for i, bar in enumerate(bars):
        y = 8 + i * ROW
        length = max(0.0, bar.value) / top * area
        parts.append(_label(y + 15, bar.label))
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{max(length, 1.0):.1f}" height="{ROW - 8}"'
            f' rx="2" fill="{bar.color}"><title>{escape(bar.label)}: {escape(bar.text)}</title>'
            "</rect>"
        )
        parts.append(_text(LABEL_WIDTH + length + 6, y + 15, bar.text, fill=MUTED))
    return _svg(WIDTH, 16 + len(bars) * ROW, "".join(parts), label)


def diverging_chart(bars: Sequence[Bar], *, label: str, limit: float = 100.0) -> Markup:
    """Bars left (negative) or right (positive) of a zero line, scaled to ``±limit``."""
    area = WIDTH - LABEL_WIDTH - 60
    zero = LABEL_WIDTH + area / 2
    height = 26 + len(bars) * ROW
    parts = [
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="4" y2="{height - 18:.1f}" stroke="{MUTED}"/>',
        _text(LABEL_WIDTH, height - 4, f"\u2212{limit:.0f}", fill=MUTED),
        _text(zero, height - 4, "0", anchor="middle", fill=MUTED),
        _text(LABEL_WIDTH + area, height - 4, f"+{limit:.0f}", anchor="end", fill=MUTED),
    ]
    for i, bar in enumerate(bars):
        y = 8 + i * ROW
        length = min(abs(bar.value), limit) / limit * area / 2
        x = zero if bar.value >= 0 else zero - length
        color = POSITIVE_COLOR if bar.value >= 0 else NEGATIVE_COLOR
        parts.append(_label(y + 15, bar.label))
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 3}" width="{max(length, 1.0):.1f}" height="{ROW - 8}" '
            f'rx="2" fill="{color}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
        )
        text_x = zero + length + 6 if bar.value >= 0 else zero - length - 6
        anchor = "start" if bar.value >= 0 else "end"
        parts.append(_text(text_x, y + 15, bar.text, anchor=anchor, fill="#111827"))
    return _svg(WIDTH, height, "".join(parts), label)


def stacked_chart(rows: Sequence[StackedBar], *, label: str) -> Markup:
    """100% stacked horizontal bars with a legend."""
    area = WIDTH - LABEL_WIDTH - 90
    legend = _legend([(s.name, s.color) for s in rows[0].segments]) if rows else ""
    parts = [legend]
    for i, row in enumerate(rows):
        y = 30 + i * ROW
        x = float(LABEL_WIDTH)
        parts.append(_label(y + 15, row.label))
        for segment in row.segments:
            length = max(0.0, segment.share) * area
            if length > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" '
                    f'fill="{segment.color}"><title>{escape(row.label)} · {escape(segment.name)}: '
                    f"{escape(segment.text)}</title></rect>"
                )
            x += length
        parts.append(_text(LABEL_WIDTH + area + 6, y + 15, row.note, fill=MUTED))
    return _svg(WIDTH, 38 + len(rows) * ROW, "".join(parts), label)


def _legend(entries: Sequence[tuple[str, str]], *, x0: float = LABEL_WIDTH) -> str:
    parts = []
    x = x0
    for name, color in entries:
        parts.append(f'<rect x="{x:.1f}" y="5" width="10" height="10" fill="{color}"/>')
        parts.append(_text(x + 14, 14, name, fill="#111827"))
        x += 24 + 7 * len(name)
    return "".join(parts)


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    y_range: tuple[float, float],
    y_format: Callable[[float], str],
) -> Markup:
    """Lines over categorical x labels (periods), with gaps where a value is None."""
    left, right, top, bottom = 56, 16, 34, 42
    height = 260
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    low, high = y_range
    span = (high - low) or 1.0

    def x_at(i: int) -> float:
        return left + (plot_w * (i + 0.5) / len(x_labels) if x_labels else 0.0)

    def y_at(value: float) -> float:
        return top + plot_h * (1 - (value - low) / span)

    parts = [_legend([(s.name, s.color) for s in series], x0=left)]
    for step in range(5):
        value = low + span * step / 4
        y = y_at(value)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}"/>')  # fmt: skip
        parts.append(_text(left - 6, y + 4, y_format(value), anchor="end", fill=MUTED))
    every = max(1, -(-len(x_labels) // 12))
    for i, x_label in enumerate(x_labels):
        if i % every == 0:
            parts.append(_text(x_at(i), height - bottom + 18, x_label, anchor="middle", fill=MUTED))
    for line in series:
        segments: list[list[tuple[float, float]]] = [[]]
        for i, maybe in enumerate(line.values):
            if maybe is None:
                segments.append([])
                continue
            point = (x_at(i), y_at(maybe))
            segments[-1].append(point)
            parts.append(
                f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{line.color}">'
                f"<title>{escape(line.name)} · {escape(x_labels[i])}: {escape(y_format(maybe))}"
                "</title></circle>"
            )
        for points in segments:
            if len(points) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{line.color}" '
                    'stroke-width="2"/>'
                )
    return _svg(WIDTH, height, "".join(parts), label)


def column_chart(
    x_labels: Sequence[str], values: Sequence[float], *, label: str, texts: Sequence[str]
) -> Markup:
    """Vertical bars over categorical x labels (volume per period)."""
    left, right, top, bottom = 56, 16, 12, 42
    height = 220
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    high = max(values, default=0.0) or 1.0
    slot = plot_w / max(len(values), 1)
    parts = [
        f'<line x1="{left}" x2="{WIDTH - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{MUTED}"/>',
        _text(left - 6, top + 8, texts[values.index(high)] if values else "0", anchor="end",
              fill=MUTED),
    ]  # fmt: skip
    every = max(1, -(-len(x_labels) // 12))
    for i, (x_label, value) in enumerate(zip(x_labels, values, strict=True)):
        bar_h = value / high * plot_h
        x = left + i * slot
        parts.append(
            f'<rect x="{x + slot * 0.12:.1f}" y="{top + plot_h - bar_h:.1f}" '
            f'width="{max(slot * 0.76, 1.0):.1f}" height="{bar_h:.1f}" fill="{ACCENT}">'
            f"<title>{escape(x_label)}: {escape(texts[i])}</title></rect>"
        )
        if i % every == 0:
            parts.append(_text(x + slot / 2, height - bottom + 18, x_label, anchor="middle",
                               fill=MUTED))  # fmt: skip
    return _svg(WIDTH, height, "".join(parts), label)


def effects_chart(effects: Sequence[Effect], *, label: str, zero_label: str = "0") -> Markup:
    """Effects as bars from zero with their 95% intervals as whiskers (a forest plot)."""
    area = WIDTH - LABEL_WIDTH - 150
    ends = [v for e in effects for v in (e.low, e.high, e.value) if math.isfinite(v)]
    low_end, high_end = min([0.0, *ends]), max([0.0, *ends])
    reach = (high_end - low_end) or 1.0
    height = 26 + len(effects) * ROW

    def x_at(value: float) -> float:
        value = value if math.isfinite(value) else 0.0
        return LABEL_WIDTH + (value - low_end) / reach * area

    zero = x_at(0.0)

    parts = [
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="4" y2="{height - 18:.1f}" stroke="{MUTED}"/>',
        _text(zero, height - 4, zero_label, anchor="middle", fill=MUTED),
    ]
    for i, effect in enumerate(effects):
        y = 8 + i * ROW
        start, end = sorted((zero, x_at(effect.value)))
        parts.append(_label(y + 15, effect.label))
        parts.append(
            f'<rect x="{start:.1f}" y="{y + 5}" width="{max(end - start, 1.0):.1f}" '
            f'height="{ROW - 12}" rx="2" fill="{effect.color}" fill-opacity="0.75">'
            f"<title>{escape(effect.label)}: {escape(effect.text)}</title></rect>"
        )
        low, high = x_at(effect.low), x_at(effect.high)
        mid = y + ROW / 2 + 1
        parts.append(
            f'<path d="M{low:.1f} {mid:.1f}H{high:.1f}M{low:.1f} {mid - 5:.1f}V{mid + 5:.1f}'
            f'M{high:.1f} {mid - 5:.1f}V{mid + 5:.1f}" stroke="#111827" fill="none"/>'
        )
        parts.append(_text(WIDTH - 4, y + 15, effect.text, anchor="end", fill="#111827"))
    return _svg(WIDTH, height, "".join(parts), label)
