"""Weekly and monthly digests: the listing days of an ISO week or a month, grouped by topic.

A paper listed on several days of one week is in that week's digest once, under its first
topic, like on a day page. `/weeks/` lists every week and month; the weekly-digest feed has
one item a week, dated by the week's last listing day (content, never the clock).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from builder.grouping import Day, Paper, group_by_topic
from builder.paths import SITE_FEED, WEEKS, WEEKS_FEED, month_path, week_path
from builder.pickling import pickled_by_fields
from builder.views import FeedRef, Page, PageMeta, PaperCard, TopicInfo, TopicRef, TopicSection


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Period:
    """An ISO week or a calendar month that has listing days."""

    kind: str  # "week" or "month"
    year: int  # the ISO year of a week (2024-12-30 is in 2025-W01)
    number: int  # the week (1–53) or the month (1–12)
    start: dt.date  # Monday, or the first of the month
    end: dt.date  # Sunday, or the month's last day
    days: tuple[Day, ...]  # its listing days, ascending

    @property
    def url_path(self) -> str:
        if self.kind == "week":
            return week_path(self.year, self.number)
        return month_path(self.year, self.number)

    @property
    def label(self) -> str:
        if self.kind == "week":
            return f"Week {self.number}, {self.year}"
        return f"{self.start:%B} {self.year}"

    @property
    def last_listed(self) -> dt.date:
        return self.days[-1].date

    @property
    def paper_ids(self) -> tuple[str, ...]:
        """Every paper listed in the period, once, in the order first listed."""
        return tuple(dict.fromkeys(pid for day in self.days for pid in day.paper_ids))


def site_weeks(days: Sequence[Day]) -> tuple[Period, ...]:
    """Every ISO week with a listing day, oldest first."""
    ordered = sorted(days, key=lambda day: day.date)
    weeks = []
    for (year, week), in_week in itertools.groupby(
        ordered, key=lambda day: day.date.isocalendar()[:2]
    ):
        monday = dt.date.fromisocalendar(year, week, 1)
        weeks.append(
            Period("week", year, week, monday, monday + dt.timedelta(days=6), tuple(in_week))
        )
    return tuple(weeks)


def site_months(days: Sequence[Day]) -> tuple[Period, ...]:
    """Every calendar month with a listing day, oldest first."""
    ordered = sorted(days, key=lambda day: day.date)
    months = []
    for (year, month), in_month in itertools.groupby(
        ordered, key=lambda day: (day.date.year, day.date.month)
    ):
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        months.append(
            Period(
                "month",
                year,
                month,
                first,
                following - dt.timedelta(days=1),
                tuple(in_month),
            )
        )
    return tuple(months)


def topic_groups(
    period: Period, papers: Mapping[str, Paper], topics: Sequence[TopicInfo]
) -> tuple[tuple[TopicInfo, tuple[str, ...]], ...]:
    """The period's papers under their first topic, topics in taxonomy order."""
    by_slug = {topic.slug: topic for topic in topics}
    groups = group_by_topic(period.paper_ids, papers, [topic.slug for topic in topics])
    return tuple((by_slug[group.slug], group.paper_ids) for group in groups)


# --- pages ----------------------------------------------------------------------------------


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class PeriodLink:
    label: str
    url_path: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class PeriodSummary:
    """One week or month in the digests' index."""

    link: PeriodLink
    start: dt.date
    end: dt.date
    day_count: int
    paper_count: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DigestView:
    """A week's or a month's page."""

    kind: str  # "week" or "month"
    label: str
    url_path: str
    start: dt.date
    end: dt.date
    days: tuple[tuple[dt.date, int], ...]  # each listing day and its paper count
    sections: tuple[TopicSection, ...]
    paper_count: int
    previous: PeriodLink | None
    next: PeriodLink | None
    feed: FeedRef | None  # the weekly-digest feed, on week pages


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DigestIndexView:
    weeks: tuple[PeriodSummary, ...]  # newest first
    months: tuple[PeriodSummary, ...]  # newest first
    feed: FeedRef


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class WeekItem:
    """What a weekly-digest feed item shows: the week and its papers by topic."""

    period: Period
    groups: tuple[tuple[TopicInfo, tuple[Paper, ...]], ...]
    paper_count: int


def digest_pages(
    days: Sequence[Day],
    papers: Mapping[str, Paper],
    topics: Sequence[TopicInfo],
    topic_ref: Callable[[str], TopicRef],
    card: Callable[[str], PaperCard],
) -> list[Page]:
    """The digests' index, then a page per week and per month."""
    weeks, months = site_weeks(days), site_months(days)
    pages = [_index_page(weeks, months)]
    for periods in (weeks, months):
        for index, period in enumerate(periods):
            before = periods[index - 1] if index > 0 else None
            after = periods[index + 1] if index + 1 < len(periods) else None
            pages.append(_period_page(period, before, after, papers, topics, topic_ref, card))
    return pages


def _link(period: Period | None) -> PeriodLink | None:
    return PeriodLink(period.label, period.url_path) if period is not None else None


def _summary(period: Period) -> PeriodSummary:
    link = PeriodLink(period.label, period.url_path)
    return PeriodSummary(link, period.start, period.end, len(period.days), len(period.paper_ids))


def _index_page(weeks: Sequence[Period], months: Sequence[Period]) -> Page:
    view = DigestIndexView(
        tuple(_summary(week) for week in reversed(weeks)),
        tuple(_summary(month) for month in reversed(months)),
        WEEKS_FEED,
    )
    return Page(
        PageMeta(
            "digests",
            WEEKS,
            "Weekly and monthly digests",
            "Every week's and every month's papers in one page each, grouped by topic.",
            (WEEKS_FEED, SITE_FEED),
        ),
        "digests.html",
        view,
        "digests index",
    )


def _period_page(
    period: Period,
    before: Period | None,
    after: Period | None,
    papers: Mapping[str, Paper],
    topics: Sequence[TopicInfo],
    topic_ref: Callable[[str], TopicRef],
    card: Callable[[str], PaperCard],
) -> Page:
    sections = tuple(
        TopicSection(
            topic_ref(topic.slug),
            f"topic-{topic.slug}",
            tuple(card(pid) for pid in ids),
        )
        for topic, ids in topic_groups(period, papers, topics)
    )
    count = len(period.paper_ids)
    week = period.kind == "week"
    view = DigestView(
        period.kind,
        period.label,
        period.url_path,
        period.start,
        period.end,
        tuple((day.date, len(day.paper_ids)) for day in period.days),
        sections,
        count,
        _link(before),
        _link(after),
        WEEKS_FEED if week else None,
    )
    span = f"{period.start.isoformat()} to {period.end.isoformat()}"
    return Page(
        PageMeta(
            period.kind,
            period.url_path,
            period.label,
            f"{count} papers listed {span}, grouped by topic.",
            (WEEKS_FEED, SITE_FEED) if week else (SITE_FEED,),
        ),
        "week.html" if week else "month.html",
        view,
        f"{period.kind} {period.url_path}",
    )


def week_items(
    days: Sequence[Day], papers: Mapping[str, Paper], topics: Sequence[TopicInfo], limit: int
) -> tuple[WeekItem, ...]:
    """The newest `limit` weeks, newest first, for the weekly-digest feed."""
    items = []
    for period in reversed(site_weeks(days)[-limit:]):
        groups = tuple(
            (topic, tuple(papers[pid] for pid in ids))
            for topic, ids in topic_groups(period, papers, topics)
        )
        items.append(WeekItem(period, groups, len(period.paper_ids)))
    return tuple(items)
