"""Group papers by day, by topic and by month: pure functions over plain data."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from builder.pickling import pickled_by_fields
from builder.records import DayListing, Record


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Paper:
    """A paper as the site shows it: one record, every day it was listed, its topics."""

    id: str
    record: Record
    days: tuple[dt.date, ...]  # ascending
    topics: tuple[str, ...]  # best first; the first is where day pages file it

    @property
    def first_listed(self) -> dt.date:
        return self.days[0]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Day:
    """One listing day: the ids of its papers in listing order, each once."""

    date: dt.date
    paper_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TopicGroup:
    slug: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MonthGroup:
    year: int
    month: int
    days: tuple[Day, ...]  # newest first

    @property
    def paper_count(self) -> int:
        return sum(len(day.paper_ids) for day in self.days)


@dataclass(frozen=True, slots=True)
class YearGroup:
    year: int
    months: tuple[MonthGroup, ...]  # newest first

    @property
    def paper_count(self) -> int:
        return sum(month.paper_count for month in self.months)


def merge_listings(listings: Iterable[DayListing]) -> tuple[dict[str, Record], tuple[Day, ...]]:
    """One record per paper id and one Day per date; a repeated paper keeps its latest record.

    The latest listing wins because that is the copy a maintainer most recently touched.
    """
    records: dict[str, Record] = {}
    days: list[Day] = []
    for listing in sorted(listings, key=lambda listing: listing.date):
        ids: list[str] = []
        for record in listing.records:
            records[record.id] = record
            if record.id not in ids:
                ids.append(record.id)
        days.append(Day(listing.date, tuple(ids)))
    return dict(sorted(records.items())), tuple(days)


def days_listed(days: Iterable[Day]) -> dict[str, tuple[dt.date, ...]]:
    listed: dict[str, list[dt.date]] = {}
    for day in sorted(days, key=lambda day: day.date):
        for paper_id in day.paper_ids:
            listed.setdefault(paper_id, []).append(day.date)
    return {paper_id: tuple(dates) for paper_id, dates in listed.items()}


def make_papers(
    records: Mapping[str, Record],
    days: Iterable[Day],
    topics: Mapping[str, tuple[str, ...]],
) -> dict[str, Paper]:
    listed = days_listed(days)
    return {
        paper_id: Paper(paper_id, record, listed[paper_id], topics[paper_id])
        for paper_id, record in records.items()
        if paper_id in listed
    }


def group_by_topic(
    paper_ids: Sequence[str], papers: Mapping[str, Paper], topic_order: Sequence[str]
) -> tuple[TopicGroup, ...]:
    """File each paper under its first topic, topics in taxonomy order, papers in given order."""
    rank = {slug: index for index, slug in enumerate(topic_order)}
    groups: dict[str, list[str]] = {}
    for paper_id in paper_ids:
        groups.setdefault(papers[paper_id].topics[0], []).append(paper_id)
    ordered = sorted(groups.items(), key=lambda item: rank.get(item[0], len(rank)))
    return tuple(TopicGroup(slug, tuple(ids)) for slug, ids in ordered)


def most_upvoted_first(paper_ids: Sequence[str], papers: Mapping[str, Paper]) -> tuple[str, ...]:
    """Most upvotes first; ties and papers without a count keep their order, the latter last."""
    upvotes = {pid: papers[pid].record.upvotes for pid in paper_ids}
    return tuple(sorted(paper_ids, key=lambda pid: (upvotes[pid] is None, -(upvotes[pid] or 0))))


def papers_in_topic(slug: str, papers: Mapping[str, Paper], days: Sequence[Day]) -> tuple[str, ...]:
    """Every paper with this topic, newest first by the day it was first listed."""
    return papers_by_topic(papers, days).get(slug, ())


_by_topic: list[tuple[Mapping[str, Paper], Sequence[Day], dict[str, tuple[str, ...]]]] = []


def papers_by_topic(papers: Mapping[str, Paper], days: Sequence[Day]) -> dict[str, tuple[str, ...]]:
    """Each topic's papers, newest first by the day each was first listed, in listing order
    within a day. Made in one pass and kept for the same `papers` and `days`: pages, feeds
    and the API all ask for every topic."""
    if _by_topic and _by_topic[0][0] is papers and _by_topic[0][1] is days:
        return _by_topic[0][2]
    found: dict[str, list[str]] = {}
    for day in reversed(days):
        for paper_id in day.paper_ids:
            paper = papers[paper_id]
            if paper.first_listed == day.date:
                for slug in dict.fromkeys(paper.topics):
                    found.setdefault(slug, []).append(paper_id)
    result = {slug: tuple(ids) for slug, ids in found.items()}
    _by_topic[:] = [(papers, days, result)]
    return result


def topic_counts(papers: Iterable[Paper]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for paper in papers:
        for slug in paper.topics:
            counts[slug] = counts.get(slug, 0) + 1
    return counts


def group_days_by_month(days: Iterable[Day]) -> tuple[YearGroup, ...]:
    """Years and months newest first, as an archive reads."""
    newest_first = sorted(days, key=lambda day: day.date, reverse=True)
    years = []
    for year, in_year in itertools.groupby(newest_first, key=lambda day: day.date.year):
        months = tuple(
            MonthGroup(year, month, tuple(in_month))
            for month, in_month in itertools.groupby(in_year, key=lambda day: day.date.month)
        )
        years.append(YearGroup(year, months))
    return tuple(years)


def paginate(items: Sequence[str], size: int) -> tuple[tuple[str, ...], ...]:
    """Split into pages of `size`; an empty list is one empty page, so page 1 always exists."""
    if not items:
        return ((),)
    return tuple(tuple(items[start : start + size]) for start in range(0, len(items), size))
