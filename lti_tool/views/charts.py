"""Geometry for the dashboard's server-drawn SVG charts; the templates draw, this only measures.

Charts never carry meaning in colour alone: every bar is labelled with its value in text, and the
page gives each chart a ``<title>``, a ``<desc>`` and the table of its numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, value text and geometry in the chart's units (``y``: top)."""

    label: str
    text: str
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars of 0..1 values, each under its label.

    Labels sit above their bars rather than beside them, so the chart stays narrow: on a
    phone it scales down less and its text stays readable, and long labels need no cutting.
    """

    bars: tuple[Bar, ...]
    height: float
    plot_width: float = 380.0
    bar_height: float = 18.0
    row_height: float = 44.0  # a label line, then its bar

    @property
    def width(self) -> float:
        return self.plot_width + 110.0  # room for "100% passed"


def bar_chart(items: Sequence[tuple[str, float, str]]) -> BarChart:
    """Bars for ``(label, share 0..1, value text)``, one label-and-bar row each."""
    chart = BarChart((), 0.0)
    bars = tuple(
        Bar(label, text, 20.0 + chart.row_height * i,
            max(0.0, min(share, 1.0)) * chart.plot_width)
        for i, (label, share, text) in enumerate(items)
    )
    return BarChart(bars, chart.row_height * len(bars))


@dataclass(frozen=True)
class LineChart:
    """A 0..1 curve over a time axis: the polyline, an area under it and axis ticks."""

    points: str
    area: str
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    marks: tuple[tuple[float, float, str], ...]  # x, width, label: shaded stretches
    left: float = 48.0
    top: float = 12.0
    plot_width: float = 420.0  # narrow enough to stay legible when a phone scales it down
    plot_height: float = 180.0

    @property
    def width(self) -> float:
        return self.left + self.plot_width + 16.0

    @property
    def height(self) -> float:
        return self.top + self.plot_height + 40.0


def line_chart(
    edges: Sequence[float], values: Sequence[float],
    marks: Sequence[tuple[float, float, str]] = (),
) -> LineChart:
    """A step-free polyline through each bin's midpoint; ``marks`` shade ``(start, end, label)``."""
    chart = LineChart("", "", (), (), ())
    end = edges[-1] if edges else 1.0
    span = end or 1.0

    def x(t: float) -> float:
        return chart.left + chart.plot_width * t / span

    def y(v: float) -> float:
        return chart.top + chart.plot_height * (1 - max(0.0, min(v, 1.0)))

    mids = [(edges[i] + edges[i + 1]) / 2 for i in range(len(values))]
    points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in zip(mids, values, strict=True))
    base = chart.top + chart.plot_height
    area = f"{x(mids[0]):.1f},{base:.1f} {points} {x(mids[-1]):.1f},{base:.1f}" if mids else ""
    step = _nice_step(span)
    x_ticks = tuple((x(t), _clock(t)) for t in _range(0.0, span, step))
    y_ticks = tuple((y(v / 100), f"{v}%") for v in (0, 25, 50, 75, 100))
    shaded = tuple((x(a), max(x(b) - x(a), 2.0), label) for a, b, label in marks)
    return LineChart(points, area, x_ticks, y_ticks, shaded)


def _nice_step(span: float) -> float:
    for step in (10, 15, 30, 60, 120, 300, 600):
        if span / step <= 8:
            return float(step)
    return span / 8


def _range(start: float, stop: float, step: float) -> list[float]:
    values, t = [], start
    while t <= stop + 1e-9:
        values.append(t)
        t += step
    return values


def _clock(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
