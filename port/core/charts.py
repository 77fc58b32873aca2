"""A small line chart drawn on the server as inline SVG (no script, no library, nothing from another host),
always with its numbers as a table: `{% load charts %}{% line_chart points low=0 high=10 title="..." %}`
(port/core/templatetags/charts.py, template core/line_chart.html). Written once here so every page that
shows a trend (the participant's page, a dashboard) draws it the same way."""

from collections.abc import Sequence
from dataclasses import dataclass

# The drawing's own units; the SVG scales to its container's width (320 px phones to print).
WIDTH, HEIGHT = 300, 120
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 28, 10, 10, 10


@dataclass(frozen=True)
class ChartPoint:
    label: str  # what the point is, in words (its date): the table's first column
    value: float


@dataclass(frozen=True)
class PlacedPoint:
    label: str
    value: float
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    points: list[PlacedPoint]
    low: float
    high: float
    path: str  # the polyline's points attribute
    threshold_y: float | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PAD_LEFT
    right: int = WIDTH - PAD_RIGHT
    top: int = PAD_TOP
    bottom: int = HEIGHT - PAD_BOTTOM

    @property
    def latest(self) -> PlacedPoint | None:
        return self.points[-1] if self.points else None


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def line_chart_layout(
    points: Sequence[ChartPoint], *, low: float, high: float, threshold: float | None = None
) -> LineChart:
    """Where each point goes, oldest (first) on the left. Values outside low..high are drawn at the edge
    (the table keeps the real number)."""
    if high <= low:
        raise ValueError("high must be above low")
    span_x = WIDTH - PAD_LEFT - PAD_RIGHT
    span_y = HEIGHT - PAD_TOP - PAD_BOTTOM

    def y_of(value: float) -> float:
        clamped = min(max(value, low), high)
        return round(HEIGHT - PAD_BOTTOM - (clamped - low) / (high - low) * span_y, 1)

    count = len(points)
    placed = [
        PlacedPoint(
            p.label,
            p.value,
            round(PAD_LEFT + (span_x * index / (count - 1) if count > 1 else span_x / 2), 1),
            y_of(p.value),
        )
        for index, p in enumerate(points)
    ]
    return LineChart(
        points=placed,
        low=low,
        high=high,
        path=" ".join(f"{_number(p.x)},{_number(p.y)}" for p in placed),
        threshold_y=y_of(threshold) if threshold is not None else None,
    )
