"""`{% load charts %}` then `{% line_chart points low=10 high=60 title=_("BARC-10 total") %}`: a trend as a
small inline SVG line chart with its numbers in a table (port/core/charts.py)."""

from collections.abc import Sequence
from typing import Any

from django import template

from port.core.charts import ChartPoint, line_chart_layout

register = template.Library()


@register.inclusion_tag("core/line_chart.html")
def line_chart(
    points: Sequence[ChartPoint],
    *,
    low: float,
    high: float,
    title: str,
    value_heading: str = "",
    threshold: float | None = None,
    threshold_label: str = "",
    chart_id: str = "chart",
) -> dict[str, Any]:
    """Oldest point first. `threshold` draws a dashed line (e.g. a cut-off) named by `threshold_label`."""
    return {
        "chart": line_chart_layout(points, low=low, high=high, threshold=threshold),
        "title": title,
        "value_heading": value_heading or title,
        "threshold": threshold,
        "threshold_label": threshold_label,
        "chart_id": chart_id,
    }
