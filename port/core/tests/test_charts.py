"""The shared trend chart: inline SVG placed on the server, and its numbers as a table."""

import pytest
from django.template import Context, Template

from port.core.charts import HEIGHT, PAD_BOTTOM, PAD_LEFT, PAD_RIGHT, PAD_TOP, WIDTH, ChartPoint, line_chart_layout


def test_points_run_oldest_left_to_newest_right_and_low_to_high_bottom_to_top():
    chart = line_chart_layout([ChartPoint("a", 10), ChartPoint("b", 35), ChartPoint("c", 60)], low=10, high=60)
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == [PAD_LEFT, (PAD_LEFT + WIDTH - PAD_RIGHT) / 2, WIDTH - PAD_RIGHT]
    assert ys == [HEIGHT - PAD_BOTTOM, (HEIGHT - PAD_BOTTOM + PAD_TOP) / 2, PAD_TOP]
    assert chart.path.split() == [f"{x:g},{y:g}" for x, y in zip(xs, ys, strict=True)]


def test_a_value_outside_the_range_is_drawn_at_the_edge_and_one_point_is_centred():
    chart = line_chart_layout([ChartPoint("a", 99)], low=0, high=10, threshold=5)
    assert chart.points[0].y == PAD_TOP
    assert chart.points[0].x == PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT) / 2
    assert chart.threshold_y == (HEIGHT - PAD_BOTTOM + PAD_TOP) / 2
    with pytest.raises(ValueError):
        line_chart_layout([], low=5, high=5)


def test_the_tag_draws_an_svg_hidden_from_screen_readers_and_a_table_of_every_number():
    html = Template(
        '{% load charts %}{% line_chart points low=0 high=10 title="Readiness" threshold=7 threshold_label="Goal" %}'
    ).render(Context({"points": [ChartPoint("Jan 1, 2025", 3), ChartPoint("Feb 1, 2025", 8)]}))
    assert '<svg class="chart-svg" viewBox="0 0 300 120" width="100%" aria-hidden="true"' in html
    assert "<polyline" in html and html.count("<circle") == 2
    assert 'class="chart-threshold"' in html
    assert "<td>Jan 1, 2025</td><td>3</td>" in html and "<td>Feb 1, 2025</td><td>8</td>" in html
    assert "2 times, latest 8 on Feb 1, 2025." in html
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing from another host


def test_with_no_points_the_tag_draws_nothing_and_says_so():
    html = Template('{% load charts %}{% line_chart points low=0 high=10 title="Readiness" %}').render(
        Context({"points": []})
    )
    assert "<svg" not in html and "<table" not in html
    assert "nothing recorded yet." in html
