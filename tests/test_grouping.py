"""Grouping by day, topic and month: pure functions, no files."""

import datetime as dt
from pathlib import Path

from builder.categories import papers_by_category, papers_in_category
from builder.grouping import (
    Day,
    group_by_topic,
    group_days_by_month,
    make_papers,
    merge_listings,
    paginate,
    papers_in_topic,
    topic_counts,
)
from builder.records import DayListing, Record

D1, D2, D3 = dt.date(2025, 3, 11), dt.date(2025, 3, 14), dt.date(2025, 9, 8)


def record(paper_id: str, title: str | None = None) -> Record:
    return Record(paper_id, title or paper_id.title(), f"Abstract of {paper_id}.")


def listing(date: dt.date, *ids: str) -> DayListing:
    return DayListing(date, Path(f"{date}.yaml"), tuple(record(i) for i in ids))


def test_a_paper_on_several_days_is_one_paper_listed_on_each_day_once():
    records, days = merge_listings([listing(D2, "b", "a", "b"), listing(D1, "a", "c")])
    assert sorted(records) == ["a", "b", "c"]
    assert days == (Day(D1, ("a", "c")), Day(D2, ("b", "a")))
    papers = make_papers(records, days, {"a": ("x",), "b": ("y",), "c": ("x",)})
    assert papers["a"].days == (D1, D2)
    assert papers["a"].first_listed == D1


def test_the_latest_listing_of_a_paper_wins():
    edited = Record("a", "A, fixed title", "Abstract.")
    records, _ = merge_listings(
        [DayListing(D2, Path("x"), (edited,)), DayListing(D1, Path("y"), (record("a"),))]
    )
    assert records["a"].title == "A, fixed title"


def test_day_groups_follow_taxonomy_order_and_file_each_paper_under_its_first_topic():
    records, days = merge_listings([listing(D1, "p1", "p2", "p3", "p4")])
    topics = {"p1": ("vision", "llm"), "p2": ("llm",), "p3": ("other",), "p4": ("vision",)}
    papers = make_papers(records, days, topics)
    groups = group_by_topic(days[0].paper_ids, papers, ["llm", "vision", "other"])
    assert [(g.slug, g.paper_ids) for g in groups] == [
        ("llm", ("p2",)),
        ("vision", ("p1", "p4")),
        ("other", ("p3",)),
    ]


def test_topic_lists_are_newest_first_then_in_listing_order():
    records, days = merge_listings([listing(D1, "old1", "old2"), listing(D3, "new1", "old1")])
    papers = make_papers(records, days, dict.fromkeys(records, ("t",)))
    assert papers_in_topic("t", papers, days) == ("new1", "old1", "old2")
    assert topic_counts(papers.values()) == {"t": 3}


def test_archive_groups_years_and_months_newest_first():
    days = [Day(D1, ("a",)), Day(D2, ("b", "c")), Day(D3, ("d",)), Day(dt.date(2024, 12, 1), ())]
    years = group_days_by_month(days)
    assert [y.year for y in years] == [2025, 2024]
    assert [(m.month, m.paper_count) for m in years[0].months] == [(9, 1), (3, 3)]
    assert [d.date for d in years[0].months[1].days] == [D2, D1]


def test_paginate_always_has_a_first_page():
    assert paginate([], 3) == ((),)
    assert paginate(list("abcdefg"), 3) == (("a", "b", "c"), ("d", "e", "f"), ("g",))


def test_papers_by_category_are_newest_first_each_once():
    def in_categories(paper_id: str, *names: str) -> Record:
        return Record(paper_id, paper_id, "Abstract.", categories=names)

    listings = [
        DayListing(D1, Path("1.yaml"), (in_categories("a", "cs.LG"), in_categories("b"))),
        DayListing(
            D2,
            Path("2.yaml"),
            (
                in_categories("c", "cs.CL", "cs.LG", "cs.LG"),
                in_categories("a", "cs.LG"),  # listed again: filed by its first day
                in_categories("d", "cs.LG"),
            ),
        ),
    ]
    records, days = merge_listings(listings)
    papers = make_papers(records, days, dict.fromkeys(records, ("x",)))
    found = papers_by_category(papers, days)
    assert found == {"cs.LG": ("c", "d", "a"), "cs.CL": ("c",)}
    assert papers_in_category("cs.LG", papers, days) == ("c", "d", "a")
    assert papers_in_category("math.CO", papers, days) == ()
    # Kept for the same papers and days, made again for others.
    assert papers_by_category(papers, days) is found
    fewer = {pid: paper for pid, paper in papers.items() if pid != "d"}
    assert papers_in_category(
        "cs.LG", fewer, tuple(Day(d.date, tuple(i for i in d.paper_ids if i != "d")) for d in days)
    ) == ("c", "a")
