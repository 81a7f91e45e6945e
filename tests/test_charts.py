"""Charts: scales, coordinates and words computed at build time, and the SVG they become."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import jinja2
import pytest

from builder.charts import (
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_TOP,
    MAX_BAR_WIDTH,
    MAX_X_LABELS,
    WIDTH,
    bar_chart,
    nice_scale,
    papers_over_time,
    papers_per_day,
)
from builder.grouping import Day
from builder.render import DEFAULT_THEME

D = dt.date


def day(date: dt.date, count: int) -> Day:
    return Day(date, tuple(f"p{index}" for index in range(count)))


@pytest.mark.parametrize(
    ("largest", "expected"),
    [(0, (1, 1)), (1, (1, 1)), (3, (3, 1)), (4, (4, 1)), (5, (6, 2)), (7, (8, 2)),
     (9, (10, 5)), (17, (20, 5)), (92, (100, 50)), (237, (300, 100)), (100_000, (100_000, 50_000))],
)  # fmt: skip
def test_nice_scale(largest, expected):
    top, step = nice_scale(largest)
    assert (top, step) == expected
    assert top >= largest and top // step <= 4 and top % step == 0


def test_bars_fill_equal_slots_and_scale_to_the_top_tick():
    chart = bar_chart("c", "T", "S", "Day", [("a", "a", 10), ("b", "b", 5), ("c", "c", 0)])
    bottom = chart.height - MARGIN_BOTTOM
    plot_height = bottom - MARGIN_TOP
    slot = (chart.right - chart.left) / 3
    assert chart.left == MARGIN_LEFT and chart.bottom == bottom
    assert [bar.value for bar in chart.bars] == [10, 5, 0]
    first, second, third = chart.bars
    assert first.width == MAX_BAR_WIDTH  # wide slots: bars capped, centred
    assert first.x == pytest.approx(MARGIN_LEFT + (slot - MAX_BAR_WIDTH) / 2, abs=0.01)
    assert second.x - first.x == pytest.approx(slot, abs=0.02)
    assert first.y == MARGIN_TOP and first.height == plot_height  # 10 is the top of 0..10
    assert second.height == pytest.approx(plot_height / 2, abs=0.01)
    assert second.y + second.height == pytest.approx(bottom, abs=0.01)
    assert third.height == 0
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]
    assert [t.at for t in chart.y_ticks] == [bottom, MARGIN_TOP + plot_height / 2, MARGIN_TOP]


def test_many_days_are_thin_bars_with_a_few_labels_spread_out():
    days = [day(D(2025, 1, 1) + dt.timedelta(days=n), n % 7 + 1) for n in range(1000)]
    chart = papers_per_day(days)
    assert chart is not None and len(chart.bars) == 1000
    assert all(0 < bar.width < 1 for bar in chart.bars)
    assert all(
        chart.left <= bar.x and bar.x + bar.width <= chart.right + 0.01 for bar in chart.bars
    )
    assert len(chart.x_ticks) == MAX_X_LABELS
    assert chart.x_ticks[0].label == "Jan 1, 2025" and chart.x_ticks[-1].label == "Sep 27, 2027"
    assert not chart.table  # a thousand rows are summed up instead


def test_the_archive_chart_in_words():
    chart = papers_per_day(
        [day(D(2025, 3, 11), 81), day(D(2025, 3, 14), 75), day(D(2025, 9, 8), 92)]
    )
    assert chart is not None
    assert chart.summary == (
        "3 listing days from March 11, 2025 to September 8, 2025, with 75 to 92 papers a day; "
        "the most, 92, on September 8, 2025."
    )
    assert [bar.label for bar in chart.bars] == [
        "March 11, 2025",
        "March 14, 2025",
        "September 8, 2025",
    ]
    assert chart.table


def test_no_days_no_chart_and_one_day_one_bar():
    assert papers_per_day([]) is None
    chart = papers_per_day([day(D(2025, 3, 11), 1)])
    assert chart is not None and len(chart.bars) == 1
    assert chart.summary == "1 paper listed on March 11, 2025, the only listing day."
    assert chart.bars[0].x + chart.bars[0].width / 2 == pytest.approx(
        (chart.left + chart.right) / 2, abs=0.01
    )
    assert [tick.label for tick in chart.x_ticks] == ["Mar 11, 2025"]


def test_a_topic_over_a_long_site_is_counted_by_month_with_empty_months():
    site_days = [D(2025, 3, 11), D(2025, 3, 14), D(2025, 9, 8)]
    chart = papers_over_time(
        "Retrieval", [D(2025, 3, 11), D(2025, 3, 14), D(2025, 9, 8)], site_days
    )
    assert chart is not None and chart.unit == "Month"
    assert [(bar.label, bar.value) for bar in chart.bars] == [
        ("March 2025", 2), ("April 2025", 0), ("May 2025", 0), ("June 2025", 0),
        ("July 2025", 0), ("August 2025", 0), ("September 2025", 1),
    ]  # fmt: skip
    assert chart.summary == (
        "3 papers in Retrieval from March 11, 2025 to September 8, 2025; "
        "the most, 2, in March 2025."
    )
    assert chart.title == "Retrieval: papers per month"


def test_a_topic_over_a_short_site_is_counted_by_listing_day():
    site_days = [D(2025, 3, 11), D(2025, 3, 14), D(2025, 4, 1)]
    chart = papers_over_time("Agents", [D(2025, 3, 14)], site_days)
    assert chart is not None and chart.unit == "Day"
    assert [(bar.label, bar.value) for bar in chart.bars] == [
        ("March 11, 2025", 0), ("March 14, 2025", 1), ("April 1, 2025", 0),
    ]  # fmt: skip
    assert chart.summary == "1 paper in Agents; the most, 1, on March 14, 2025."


def test_a_topic_without_papers_has_no_chart():
    assert papers_over_time("Empty", [], [D(2025, 3, 11)]) is None


def test_across_a_year_end_months_roll_over():
    chart = papers_over_time(
        "X", [D(2024, 11, 1), D(2025, 2, 15)], [D(2024, 11, 1), D(2025, 2, 15)]
    )
    assert chart is not None
    assert [bar.label for bar in chart.bars] == [
        "November 2024", "December 2024", "January 2025", "February 2025",
    ]  # fmt: skip


# -- the SVG ---------------------------------------------------------------------------------


def render(chart) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DEFAULT_THEME / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.from_string(
        '{% import "partials/charts.html" as c %}{{ c.bar_chart(chart) }}'
    ).render(chart=chart)


def test_the_svg_is_labelled_and_carries_the_numbers_as_text():
    chart = papers_per_day([day(D(2025, 3, 11), 81), day(D(2025, 9, 8), 92)])
    html = render(chart)
    figure = ET.fromstring(html)  # well-formed: parses as XML
    svg = figure.find("svg")
    assert svg is not None
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == f"0 0 {WIDTH} {chart.height}"
    assert svg.get("aria-labelledby") == "papers-per-day-title"
    assert svg.find("title").text == "Papers per listing day"
    assert svg.get("aria-describedby") == "papers-per-day-caption"
    assert figure.find("figcaption").text == chart.summary
    rects = svg.findall("rect")
    assert [(r.get("height"), r.find("title").text) for r in rects] == [
        (str(chart.bars[0].height), "March 11, 2025: 81"),
        (str(chart.bars[1].height), "September 8, 2025: 92"),
    ]
    cells = [td.text for td in figure.iter("td")]
    assert cells == ["March 11, 2025", "81", "September 8, 2025", "92"]
    assert "style=" not in html  # the pages' policy forbids style attributes
    assert not re.search(r"<script", html)


def test_empty_buckets_draw_no_bar_but_stay_in_the_table():
    chart = papers_over_time("X", [D(2025, 3, 11)], [D(2025, 3, 11), D(2025, 9, 8)])
    figure = ET.fromstring(render(chart))
    assert len(figure.findall(".//rect")) == 1
    assert len(list(figure.iter("tr"))) == 1 + 7  # header and March to September


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, [0]), (5, [0, 1, 2, 3, 4]), (7, [0, 2, 4, 6]), (8, [0, 2, 4, 7]), (10, [0, 3, 6, 9]),
     (1000, [0, 250, 500, 750, 999])],
)  # fmt: skip
def test_x_labels_are_evenly_spaced_first_and_last_included(count, expected):
    from builder.charts import _spread

    assert _spread(count, 5) == expected
