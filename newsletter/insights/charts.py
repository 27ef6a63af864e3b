"""Charts drawn on the server as SVG (no JavaScript), with their data as a table.

A :class:`Chart` holds labels, series and an optional threshold line (e.g. the 0.3% complaint
line); :attr:`Chart.svg` is the drawing (``role="img"``, a ``<title>`` and an ``aria-label``)
and :attr:`Chart.rows` the figures for the accessible table that
``newsletter/insights/chart.html`` renders under it. Colours are CSS custom properties
(``--nl-chart-1`` ... ``--nl-chart-4``, ``--nl-chart-line``) that the template maps to
Wagtail's admin colours, light and dark; the SVG carries fallbacks so it reads anywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

LINE, BAR = "line", "bar"
# Shown where there is no figure (nothing delivered yet): an en dash.
NO_FIGURE = "\u2013"

# Drawing area, in SVG units (the SVG scales to its container's width).
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 40, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TICKS = 4
MAX_AXIS_LABELS = 14

# (custom property, fallback colour, dash pattern of the series' line, marker shape)
PALETTE = (
    ("--nl-chart-1", "#007d7e", "", "circle"),
    ("--nl-chart-2", "#2e1f5e", "6 3", "square"),
    ("--nl-chart-3", "#faa500", "2 3", "diamond"),
    ("--nl-chart-4", "#5c5c5c", "8 3 2 3", "triangle"),
)
THRESHOLD_COLOUR = ("--nl-chart-line", "#cd4444")
TEXT_STYLE = "fill:var(--w-color-text-meta, #5c5c5c);font-size:12px"
GRID_STYLE = "stroke:var(--w-color-border-furniture, #e0e0e0);stroke-width:1"


@dataclass(frozen=True)
class Series:
    """One named row of figures, one per label."""

    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Chart:
    """A line or bar chart and the figures behind it. ``percent``: values are shares (0.003
    shows as 0.30 %); ``labels`` head the table's rows, ``axis_labels`` (shorter, same
    count) sit under the x axis."""

    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    kind: str = LINE
    percent: bool = False
    decimals: int = 1
    threshold: float | None = None
    threshold_label: str = ""
    axis_labels: Sequence[str] = field(default=())
    description: str = ""
    label_heading: str = ""  # the table's first column heading, e.g. "Week"

    @property
    def empty(self) -> bool:
        """No labels: nothing to draw."""
        return not self.labels

    def format(self, value: float | None) -> str:
        """A figure as shown in the table and on the axis."""
        if value is None:
            return NO_FIGURE
        if self.percent:
            return f"{number_format(value * 100, self.decimals)} %"
        return number_format(value, 0 if float(value).is_integer() else self.decimals)

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        """The table: one row per label, one formatted figure per series."""
        return [
            (label, [self.format(series.values[index]) for series in self.series])
            for index, label in enumerate(self.labels)
        ]

    @property
    def caption(self) -> str:
        """The table's caption: the title, and the threshold line if any."""
        if self.threshold is None:
            return self.title
        return gettext("%(title)s (line: %(label)s %(value)s)") % {
            "title": self.title,
            "label": self.threshold_label,
            "value": self.format(self.threshold),
        }

    @cached_property
    def svg(self) -> SafeString:
        """The chart as inline SVG markup."""
        return render_svg(self)


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], **options) -> Chart:
    """A line chart (one line per series); ``options`` as :class:`Chart`'s fields."""
    return Chart(title=title, labels=list(labels), series=list(series), kind=LINE, **options)


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], **options) -> Chart:
    """A bar chart (bars grouped per label); ``options`` as :class:`Chart`'s fields."""
    return Chart(title=title, labels=list(labels), series=list(series), kind=BAR, **options)


# --- drawing ----------------------------------------------------------------------------------


def nice_top(value: float) -> tuple[float, float]:
    """A round top for the y axis at or above ``value``, and its tick step."""
    if value <= 0:
        return 1.0, 1.0 / TICKS
    raw = value / TICKS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    return step * math.ceil(value / step - 1e-9), step


def _colour(index: int) -> str:
    prop, fallback, _dash, _marker = PALETTE[index % len(PALETTE)]
    return f"var({prop}, {fallback})"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _marker(shape: str, x: float, y: float, colour: str, tip: str) -> str:
    style = f'style="fill:{colour}"'
    if shape == "square":
        body = f'<rect x="{_num(x - 3.5)}" y="{_num(y - 3.5)}" width="7" height="7" {style}>'
        end = "</rect>"
    elif shape == "diamond":
        points = f"{_num(x)},{_num(y - 5)} {_num(x + 5)},{_num(y)} {_num(x)},{_num(y + 5)} "
        points += f"{_num(x - 5)},{_num(y)}"
        body, end = f'<polygon points="{points}" {style}>', "</polygon>"
    elif shape == "triangle":
        points = f"{_num(x)},{_num(y - 5)} {_num(x + 5)},{_num(y + 4)} {_num(x - 5)},{_num(y + 4)}"
        body, end = f'<polygon points="{points}" {style}>', "</polygon>"
    else:
        body, end = f'<circle cx="{_num(x)}" cy="{_num(y)}" r="4" {style}>', "</circle>"
    return f"{body}<title>{escape(tip)}</title>{end}"


class _Frame:
    """Scales of one chart: values to y, label positions to x."""

    def __init__(self, chart: Chart) -> None:
        values = [v for s in chart.series for v in s.values if v is not None]
        if chart.threshold is not None:
            values.append(chart.threshold)
        self.top, self.step = nice_top(max(values, default=0))
        self.slot = PLOT_W / max(1, len(chart.labels))

    def y(self, value: float) -> float:
        return TOP + PLOT_H - (value / self.top) * PLOT_H

    def centre(self, index: int) -> float:
        return LEFT + self.slot * (index + 0.5)


def _axes(chart: Chart, frame: _Frame) -> list[str]:
    parts = []
    for tick in range(TICKS + 1):
        value = frame.step * tick
        if value > frame.top * (1 + 1e-9):
            break
        y = frame.y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" '
            f'style="{GRID_STYLE}"/>'
            f'<text x="{LEFT - 8}" y="{_num(y + 4)}" text-anchor="end" style="{TEXT_STYLE}">'
            f"{escape(_tick_label(chart, value, frame.step))}</text>"
        )
    labels = list(chart.axis_labels) or list(chart.labels)
    every = math.ceil(len(labels) / MAX_AXIS_LABELS) if labels else 1
    for index, label in enumerate(labels):
        if index % every:
            continue
        parts.append(
            f'<text x="{_num(frame.centre(index))}" y="{HEIGHT - BOTTOM + 18}" '
            f'text-anchor="middle" style="{TEXT_STYLE}">{escape(label)}</text>'
        )
    return parts


def _decimals(step: float) -> int:
    """Decimals that show every multiple of ``step`` exactly (at most 3)."""
    return next((d for d in range(3) if abs(round(step, d) - step) < 1e-9 * max(1, step)), 3)


def _tick_label(chart: Chart, value: float, step: float) -> str:
    if not chart.percent:
        return number_format(value, _decimals(step))
    return f"{number_format(value * 100, _decimals(step * 100))} %"


def _legend(chart: Chart) -> list[str]:
    parts, x = [], LEFT
    for index, series in enumerate(chart.series):
        colour = _colour(index)
        parts.append(
            f'<rect x="{x}" y="12" width="14" height="10" style="fill:{colour}"/>'
            f'<text x="{x + 20}" y="21" style="{TEXT_STYLE}">{escape(series.name)}</text>'
        )
        x += 34 + 7 * len(series.name)
    if chart.threshold is not None:
        prop, fallback = THRESHOLD_COLOUR
        parts.append(
            f'<line x1="{x}" x2="{x + 18}" y1="17" y2="17" '
            f'style="stroke:var({prop}, {fallback});stroke-width:2;stroke-dasharray:5 3"/>'
            f'<text x="{x + 24}" y="21" style="{TEXT_STYLE}">'
            f"{escape(chart.threshold_label)} {escape(chart.format(chart.threshold))}</text>"
        )
    return parts


def _lines(chart: Chart, frame: _Frame) -> list[str]:
    parts = []
    for index, series in enumerate(chart.series):
        colour = _colour(index)
        _prop, _fallback, dash, shape = PALETTE[index % len(PALETTE)]
        points = [
            (frame.centre(i), frame.y(v), i, v)
            for i, v in enumerate(series.values)
            if v is not None
        ]
        dash_style = f";stroke-dasharray:{dash}" if dash else ""
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y, _i, _v in points)
        parts.append(
            f'<polyline points="{path}" '
            f'style="fill:none;stroke:{colour};stroke-width:2.5{dash_style}"/>'
        )
        parts += [_marker(shape, x, y, colour, _tip(chart, series, i, v)) for x, y, i, v in points]
    return parts


def _bars(chart: Chart, frame: _Frame) -> list[str]:
    parts = []
    count = max(1, len(chart.series))
    group = frame.slot * 0.8
    width = group / count
    for index, series in enumerate(chart.series):
        colour = _colour(index)
        for i, value in enumerate(series.values):
            if value is None:
                continue
            x = frame.centre(i) - group / 2 + width * index
            y = frame.y(value)
            height = TOP + PLOT_H - y
            parts.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(1.0, width - 1))}" '
                f'height="{_num(height)}" style="fill:{colour}">'
                f"<title>{escape(_tip(chart, series, i, value))}</title></rect>"
            )
    return parts


def _tip(chart: Chart, series: Series, index: int, value: float) -> str:
    return f"{chart.labels[index]} · {series.name}: {chart.format(value)}"


def _threshold(chart: Chart, frame: _Frame) -> list[str]:
    if chart.threshold is None:
        return []
    prop, fallback = THRESHOLD_COLOUR
    y = frame.y(chart.threshold)
    return [
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" '
        f'style="stroke:var({prop}, {fallback});stroke-width:2;stroke-dasharray:5 3">'
        f"<title>{escape(chart.threshold_label)} {escape(chart.format(chart.threshold))}"
        "</title></line>"
    ]


def render_svg(chart: Chart) -> SafeString:
    """``chart`` as an SVG image: axes, gridlines, legend, the series, the threshold line."""
    label = chart.description or gettext("%(title)s. The table below gives the figures.") % {
        "title": chart.title
    }
    frame = _Frame(chart)
    marks = _bars(chart, frame) if chart.kind == BAR else _lines(chart, frame)
    parts = [
        f'<svg class="nl-chart__svg" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'aria-label="{escape(label)}" style="max-width:{WIDTH}px;height:auto;display:block">',
        f"<title>{escape(chart.title)}</title>",
        *_axes(chart, frame),
        *_legend(chart),
        *marks,
        *_threshold(chart, frame),
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + PLOT_H}" y2="{TOP + PLOT_H}" '
        'style="stroke:var(--w-color-text-meta, #5c5c5c);stroke-width:1"/>',
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every text in it is escaped above
