"""Feeds: permalink GUIDs, content dates, newest first, limits, self links, valid for readers."""

import datetime as dt

import feedparser

from builder.config import SiteConfig
from builder.feeds import feed_files, make_feeds
from builder.grouping import make_papers, merge_listings
from builder.views import NoteCard, NoteInput, SiteData, TopicInfo
from tests.test_grouping import D1, D2, D3, listing

CONFIG = SiteConfig(title="Digest & Co", base_url="https://example.org/digest/", feed_items=2)


def fragment(template: str, context: object) -> str:
    return f"<p>{template}</p>"


def site(notes: tuple[NoteInput, ...] = ()) -> SiteData:
    records, days = merge_listings([listing(D1, "a", "b"), listing(D2, "c", "a"), listing(D3, "d")])
    topics = {"a": ("llm",), "b": ("llm", "vision"), "c": ("vision",), "d": ("llm",)}
    papers = make_papers(records, days, topics)
    taxonomy = (TopicInfo("llm", "Language models", "LLMs."), TopicInfo("vision", "Vision", "V."))
    return SiteData(CONFIG, papers, days, taxonomy, notes)


def note(slug: str, date: dt.date) -> NoteInput:
    card = NoteCard(slug, f"Note {slug}", f"notes/{slug}/", date, ("Ann",), "Sum.", False)
    return NoteInput(card, "<p>x</p>", "<p>x</p>", (), ())


def parsed(feed, kind: str):
    files = {f.path: f.data for f in feed_files(feed, CONFIG)}
    path = feed.ref.rss if kind == "rss" else feed.ref.atom
    result = feedparser.parse(files[path])
    assert not result.bozo, result.get("bozo_exception")
    return result


def test_site_feed_has_days_and_notes_newest_first_limited():
    feeds = make_feeds(site((note("n1", dt.date(2025, 3, 12)),)), fragment)
    main = feeds[0]
    assert main.ref.rss == "feed.xml"
    assert [e.url_path for e in main.entries] == ["days/2025-09-08/", "days/2025-03-14/"]
    for kind in ("rss", "atom"):
        result = parsed(main, kind)
        assert [e.link for e in result.entries] == [
            "https://example.org/digest/days/2025-09-08/",
            "https://example.org/digest/days/2025-03-14/",
        ]
        assert result.entries[0].id == "https://example.org/digest/days/2025-09-08/"
        assert result.feed.title == "Digest & Co"


def test_topic_feeds_have_one_item_per_paper_dated_when_first_listed():
    feeds = {f.ref.rss: f for f in make_feeds(site(), fragment)}
    llm = feeds["topics/llm/feed.xml"]
    assert [e.url_path for e in llm.entries] == ["papers/d/", "papers/a/"]
    assert [e.date for e in llm.entries] == [D3, D1]
    result = parsed(llm, "rss")
    assert result.entries[1].published_parsed[:3] == (2025, 3, 11)
    assert result.entries[1].id == result.entries[1].link == "https://example.org/digest/papers/a/"


def test_self_links_and_dates_come_from_content_not_the_clock():
    feeds = {f.ref.rss: f for f in make_feeds(site(), fragment)}
    for kind in ("rss", "atom"):
        result = parsed(feeds["topics/vision/feed.xml"], kind)
        self_links = [link.href for link in result.feed.links if link.rel == "self"]
        expected = "feed.xml" if kind == "rss" else "atom.xml"
        assert self_links == [f"https://example.org/digest/topics/vision/{expected}"]
        assert result.feed.updated_parsed[:3] == (2025, 3, 14)


def test_feeds_are_byte_identical_across_runs():
    first = [f.data for feed in make_feeds(site(), fragment) for f in feed_files(feed, CONFIG)]
    second = [f.data for feed in make_feeds(site(), fragment) for f in feed_files(feed, CONFIG)]
    assert first == second


def test_notes_feed_lists_notes_newest_first():
    notes = (note("new", dt.date(2025, 9, 9)), note("old", dt.date(2025, 1, 1)))
    feeds = {f.ref.rss: f for f in make_feeds(site(notes), fragment)}
    result = parsed(feeds["notes/feed.xml"], "atom")
    assert [e.title for e in result.entries] == ["Note new", "Note old"]
