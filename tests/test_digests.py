"""Weekly and monthly digests: ISO weeks, one paper once a week, pages, links and the feed."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import feedparser
import pytest

from builder.build import build_site
from builder.digests import site_months, site_weeks, topic_groups, week_items
from builder.errors import ContentError
from builder.grouping import Day, make_papers, merge_listings
from builder.paths import month_path, week_path
from builder.records import DayListing, Record
from builder.views import TopicInfo

FIXTURE = Path(__file__).parent / "fixtures" / "site"
BASE = "https://example.org/fixture/"


def days(*dates: str) -> tuple[Day, ...]:
    return tuple(Day(dt.date.fromisoformat(d), (d,)) for d in dates)


def test_weeks_are_iso_weeks_across_the_turn_of_the_year():
    weeks = site_weeks(days("2021-01-03", "2020-12-28", "2024-12-30", "2025-01-05", "2025-01-06"))
    assert [(w.year, w.number) for w in weeks] == [(2020, 53), (2025, 1), (2025, 2)]
    assert [w.url_path for w in weeks] == ["weeks/2020-W53/", "weeks/2025-W01/", "weeks/2025-W02/"]
    first = weeks[0]
    assert (first.start, first.end) == (dt.date(2020, 12, 28), dt.date(2021, 1, 3))
    assert first.last_listed == dt.date(2021, 1, 3) and first.label == "Week 53, 2020"
    assert [d.date.isoformat() for d in weeks[1].days] == ["2024-12-30", "2025-01-05"]


def test_months_know_their_last_day():
    months = site_months(days("2024-02-10", "2024-12-31", "2024-02-29"))
    assert [(m.url_path, m.start, m.end, m.label) for m in months] == [
        ("months/2024-02/", dt.date(2024, 2, 1), dt.date(2024, 2, 29), "February 2024"),
        ("months/2024-12/", dt.date(2024, 12, 1), dt.date(2024, 12, 31), "December 2024"),
    ]
    assert (week_path(2025, 3), month_path(2025, 3)) == ("weeks/2025-W03/", "months/2025-03/")


def test_a_paper_listed_on_two_days_of_a_week_is_in_its_digest_once():
    records = {i: Record(i, i.upper(), "A.") for i in "abc"}

    def listing(date, *ids):
        return DayListing(date, Path(f"{date}.yaml"), tuple(records[i] for i in ids))

    merged, listed = merge_listings(
        [listing(dt.date(2025, 3, 11), "a", "b"), listing(dt.date(2025, 3, 14), "c", "a")]
    )
    papers = make_papers(merged, listed, {"a": ("x", "y"), "b": ("y",), "c": ("x",)})
    (week,) = site_weeks(listed)
    assert week.paper_ids == ("a", "b", "c")
    topics = (TopicInfo("x", "X", ""), TopicInfo("y", "Y", ""))
    groups = topic_groups(week, papers, topics)
    assert [(topic.slug, ids) for topic, ids in groups] == [("x", ("a", "c")), ("y", ("b",))]
    (item,) = week_items(listed, papers, topics, limit=5)
    assert item.paper_count == 3 and item.period.last_listed == dt.date(2025, 3, 14)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The fixture site plus a listing day a week later, so weeks have neighbours."""
    root = tmp_path_factory.mktemp("digests")
    shutil.copytree(FIXTURE, root / "content")
    (root / "content" / "papers" / "2025-03-18.yaml").write_text(
        "date: 2025-03-18\npapers:\n"
        "  - id: fast-diffusion-sampling\n"
        "    title: Fast Diffusion Sampling\n"
        "    abstract: We make diffusion samplers faster.\n"
        "  - id: a-new-garden\n"
        "    title: A New Garden\n"
        "    abstract: Beans.\n",
        encoding="utf-8",
    )
    build_site(root / "content", out_dir=root / "site")
    return root / "site"


def main_of(site: Path, path: str) -> str:
    html = (site / path / "index.html").read_text(encoding="utf-8")
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_a_week_page_groups_its_papers_by_topic_with_counts_and_links_its_neighbours(site):
    html = main_of(site, "weeks/2025-W11")
    assert "<h1>Week 11, 2025</h1>" in html
    assert "5 papers in 3 topics, listed on 2 days" in html
    assert 'Diffusion models <span class="count">3 papers</span>' in html
    assert 'Retrieval <span class="count">1 paper</span>' in html
    assert html.count('href="../../papers/fast-diffusion-sampling/"') == 1
    assert 'href="../2025-W12/" rel="next"' in html and 'rel="prev"' not in html
    later = main_of(site, "weeks/2025-W12")
    assert 'href="../2025-W11/" rel="prev"' in later and 'rel="next"' not in later
    assert "2 papers in 2 topics, listed on 1 day" in later


def test_a_month_page_has_every_paper_of_the_month_once(site):
    html = main_of(site, "months/2025-03")
    assert "<h1>March 2025</h1>" in html
    assert "6 papers in 3 topics, listed on 3 days" in html
    assert html.count('href="../../papers/fast-diffusion-sampling/"') == 1


def test_the_archive_links_the_digests_and_their_index_lists_every_week_and_month(site):
    assert 'href="../weeks/"' in main_of(site, "archive")
    index = main_of(site, "weeks")
    for path in ("2025-W11/", "2025-W12/", "../months/2025-03/"):
        assert f'href="{path}"' in index
    assert index.index("2025-W12/") < index.index("2025-W11/")  # newest first


def test_the_weekly_feed_has_one_item_a_week_dated_by_its_last_listing_day(site):
    for name, version in (("feed.xml", "rss20"), ("atom.xml", "atom10")):
        parsed = feedparser.parse((site / "weeks" / name).read_bytes())
        assert not parsed.bozo and parsed.version == version
        assert [e.link for e in parsed.entries] == [
            f"{BASE}weeks/2025-W12/",
            f"{BASE}weeks/2025-W11/",
        ]
        assert [e.id for e in parsed.entries] == [e.link for e in parsed.entries]
        assert [e.published_parsed[:3] for e in parsed.entries] == [(2025, 3, 18), (2025, 3, 14)]
        assert parsed.entries[1].title == "Week 11, 2025: 5 papers"
        body = parsed.entries[1].content[0].value
        assert f'<a href="{BASE}papers/fast-diffusion-sampling/">' in body
        assert body.count("fast-diffusion-sampling/") == 1


def test_notes_may_link_digests_and_open_data_but_not_a_week_without_papers(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    note = content / "notes" / "links.md"
    body = (
        "[w](/weeks/2025-W11/) [m](/months/2025-03/) [d](/weeks/) [o](/feeds.opml) "
        "[a](/api/papers.json) [t](/api/topics/retrieval.json) "
        "[c](/papers/fast-diffusion-sampling/cite.bib)"
    )
    note.write_text(f"---\ntitle: Links\ndate: 2025-03-15\n---\n{body}\n", encoding="utf-8")
    build_site(content, out_dir=tmp_path / "site")
    note.write_text("---\ntitle: Links\ndate: 2025-03-15\n---\n[w](/weeks/2025-W13/)\n")
    with pytest.raises(ContentError, match="weeks/2025-W13/"):
        build_site(content, out_dir=tmp_path / "site")
