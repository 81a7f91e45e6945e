"""Charts drawn at build time: papers per listing day, and a topic's papers over time.

Only numbers and coordinates are computed here; the SVG markup is the `bar_chart` macro of
the theme (partials/charts.html), so the browser needs no script and no chart library.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from builder.grouping import Day
from builder.pickling import pickled_by_fields

# The drawing's own units (its viewBox); the page scales it to the column's width.
WIDTH = 600
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 40, 10, 10, 26
MAX_BAR_WIDTH = 40
BAR_FILL = 0.8  # of each bar's slot; the rest is the gap
MAX_X_LABELS = 5
TABLE_LIMIT = 60  # bars: more than this and the numbers are summed up, not tabled
DAILY_SPAN = 92  # days: a longer site is charted by month on topic pages


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # what the bar counts: "March 11, 2025", "March 2025"
    value: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Tick:
    at: float  # x or y in the drawing
    label: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class BarChart:
    """A bar chart as plain numbers: the drawing, its axes and the words that describe it."""

    id: str  # unique on its page: the chart's ids start with it
    title: str
    summary: str  # the numbers in one sentence, for everyone who cannot see the bars
    width: int
    height: int
    left: float  # the plot area
    top: float
    right: float
    bottom: float
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    unit: str  # what one bar stands for: "Day", "Month"

    @property
    def table(self) -> bool:
        """Whether the bars are few enough to be listed as a table too."""
        return len(self.bars) <= TABLE_LIMIT


def nice_scale(largest: int) -> tuple[int, int]:
    """The top of the value axis and its step: 1, 2 or 5 times a power of ten, at most four
    steps, the top at or above `largest`."""
    if largest <= 0:
        return 1, 1
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            if math.ceil(largest / step) <= 4:
                return math.ceil(largest / step) * step, step
        magnitude *= 10


def bar_chart(
    chart_id: str,
    title: str,
    summary: str,
    unit: str,
    buckets: Sequence[tuple[str, str, int]],
    height: int = 180,
) -> BarChart:
    """Bars of equal slots, left to right, from (label, axis label, value) buckets."""
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    scale_top, step = nice_scale(max((value for _, _, value in buckets), default=0))
    slot = (right - left) / max(1, len(buckets))
    bar_width = min(slot * BAR_FILL, MAX_BAR_WIDTH)
    bars = []
    for index, (label, _, value) in enumerate(buckets):
        bar_height = (bottom - top) * value / scale_top
        bars.append(
            Bar(
                _round(left + index * slot + (slot - bar_width) / 2),
                _round(bottom - bar_height),
                _round(bar_width),
                _round(bar_height),
                label,
                value,
            )
        )
    y_ticks = tuple(
        Tick(_round(bottom - (bottom - top) * value / scale_top), str(value))
        for value in range(0, scale_top + 1, step)
    )
    x_ticks = tuple(
        Tick(_round(left + (index + 0.5) * slot), buckets[index][1])
        for index in _spread(len(buckets), MAX_X_LABELS)
    )
    return BarChart(
        chart_id, title, summary, WIDTH, height, left, top, right, bottom,
        tuple(bars), y_ticks, x_ticks, unit,
    )  # fmt: skip


def papers_per_day(days: Sequence[Day]) -> BarChart | None:
    """The archive's chart: one bar per listing day, oldest first; None without days."""
    if not days:
        return None
    counts = [(day.date, len(day.paper_ids)) for day in days]
    buckets = [(_long(date), _short(date), count) for date, count in counts]
    busiest_date, busiest = max(counts, key=lambda item: (item[1], item[0]))
    fewest = min(count for _, count in counts)
    if len(counts) == 1:
        summary = f"{_papers(busiest)} listed on {_long(busiest_date)}, the only listing day."
    else:
        each = (
            f"{busiest} papers each" if fewest == busiest else f"{fewest} to {busiest} papers a day"
        )
        summary = (
            f"{len(counts)} listing days{_span(counts[0][0], counts[-1][0])}, with {each}; "
            f"the most, {busiest}, on {_long(busiest_date)}."
        )
    return bar_chart("papers-per-day", "Papers per listing day", summary, "Day", buckets)


def papers_over_time(
    topic_name: str, first_listed: Iterable[dt.date], site_days: Sequence[dt.date]
) -> BarChart | None:
    """A topic's chart: its papers by the day they were first listed, over the site's whole
    time span (by listing day when the site spans up to DAILY_SPAN days, else by month), so
    every topic's chart has the same axis. None when the topic has no papers."""
    dates = sorted(first_listed)
    if not dates or not site_days:
        return None
    start, end = min(site_days), max(site_days)
    daily = (end - start).days <= DAILY_SPAN
    # Each bucket is the first day of its span: the listing day itself, or its month's 1st.
    keys = sorted(set(site_days)) if daily else _months(start, end)
    counts = dict.fromkeys(keys, 0)
    for date in dates:
        counts[date if daily else date.replace(day=1)] += 1
    labels = {
        key: (_long(key), _short(key)) if daily else (f"{key:%B %Y}", f"{key:%b %Y}")
        for key in keys
    }
    buckets = [(*labels[key], counts[key]) for key in keys]
    busiest = max(keys, key=lambda key: (counts[key], key))
    unit = "Day" if daily else "Month"
    summary = (
        f"{_papers(len(dates))} in {topic_name}{_span(dates[0], dates[-1])}; the most, "
        f"{counts[busiest]}, {'on' if daily else 'in'} {labels[busiest][0]}."
    )
    title = f"{topic_name}: papers per {unit.lower()}"
    return bar_chart("topic-chart", title, summary, unit, buckets, height=140)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month from `start`'s to `end`'s."""
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=31)).replace(day=1)
    return months


def _spread(count: int, most: int) -> list[int]:
    """Up to `most` indices spread evenly from the first to the last of `count`."""
    if count <= most:
        return list(range(count))
    step = math.ceil((count - 1) / (most - 1))
    indices = list(range(0, count, step))
    if indices[-1] != count - 1:  # the last always; it replaces a label too close to it
        if count - 1 - indices[-1] <= step / 2:
            indices[-1] = count - 1
        else:
            indices.append(count - 1)
    return indices


def _span(first: dt.date, last: dt.date) -> str:
    return "" if first == last else f" from {_long(first)} to {_long(last)}"


def _round(value: float) -> float:
    return round(value, 2)


def _long(date: dt.date) -> str:
    return f"{date:%B} {date.day}, {date.year}"


def _short(date: dt.date) -> str:
    return f"{date:%b} {date.day}, {date.year}"


def _papers(count: int) -> str:
    return _plural(count, "paper")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
