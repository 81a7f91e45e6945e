"""RSS 2.0 and Atom feeds, generated with feedgen; every date comes from content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar, cast

from feedgen.feed import FeedGenerator

from builder.categories import papers_in_category
from builder.config import SiteConfig
from builder.digests import week_items
from builder.grouping import Day, Paper, papers_in_topic
from builder.output import OutputFile
from builder.paths import (
    NOTES,
    NOTES_FEED,
    SITE_FEED,
    WEEKS,
    WEEKS_FEED,
    category_feed,
    category_path,
    day_path,
    paper_path,
    saved_feed,
    saved_feed_path,
    topic_feed,
    topic_path,
)
from builder.views import FeedRef, SiteData, TopicInfo

# Renders a named fragment template with the given view into HTML with absolute URLs.
FragmentRenderer = Callable[[str, object], str]
T = TypeVar("T")
# remember(kind, key, make): make()'s result, kept between builds under `key` (and the
# site's configuration and theme, which the caller adds); builder.memo.Memo.get's shape.
Remember = Callable[[str, str, Callable[[], T]], T]


@dataclass(frozen=True, slots=True)
class FeedSite:
    """What a feed item's template sees of the site as `site`: the papers and what groups
    them, never the notes, so that items made from papers are kept while only notes change."""

    config: SiteConfig
    papers: Mapping[str, Paper]
    days: tuple[Day, ...]
    topics: tuple[TopicInfo, ...]
    categories: tuple[TopicInfo, ...]

    @classmethod
    def of(cls, site: SiteData) -> FeedSite:
        return cls(site.config, site.papers, site.days, site.topics, site.categories)


def _always_make(kind: str, key: str, make: Callable[[], T]) -> T:
    return make()


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url_path: str  # the item's page: its link and its permanent GUID
    title: str
    date: dt.date
    summary: str
    content_html: str


@dataclass(frozen=True, slots=True)
class Feed:
    ref: FeedRef
    title: str
    description: str
    page_path: str  # the HTML page the feed mirrors
    entries: tuple[FeedEntry, ...]  # newest first, already limited


def make_feeds(
    site: SiteData, render: FragmentRenderer, remember: Remember[object] | None = None
) -> list[Feed]:
    """The whole-site feed, one feed per topic, the notes feed and one per arXiv category.

    What is made from the papers alone (their feeds, and the days' items of the site feed)
    is taken from `remember` while `site.papers_key` is unchanged: a note edited at 100,000
    papers must not render a thousand feed items again."""
    config = site.config
    limit = config.feed_items
    keep = remember if remember is not None and site.papers_key else _always_make
    note_entries = [
        FeedEntry(
            note.card.url_path,
            note.card.title,
            note.card.date,
            note.card.summary,
            note.body_html_absolute,
        )
        for note in site.notes
    ]
    day_entries = cast(
        list[FeedEntry], keep("feed-days", site.papers_key, lambda: _day_entries(site, render))
    )
    site_entries = _newest_first(day_entries + note_entries[:limit])[:limit]
    feeds = [
        Feed(SITE_FEED, config.title, config.description, "", tuple(site_entries)),
        Feed(
            NOTES_FEED,
            f"{config.title}: notes",
            "Notes from contributors on the papers.",
            NOTES,
            tuple(_newest_first(note_entries)[:limit]),
        ),
    ]
    made = keep("feeds-of-papers", site.papers_key, lambda: _paper_feeds(site, render))
    return feeds + cast(list[Feed], made)


def _day_entries(site: SiteData, render: FragmentRenderer) -> list[FeedEntry]:
    """The site feed's items for the newest days: each day's papers by topic."""
    return [
        FeedEntry(
            day_path(day.date),
            f"Papers of {day.date:%B} {day.date.day}, {day.date.year}",
            day.date,
            f"{len(day.paper_ids)} papers",
            render("feed_day.html", {"site": FeedSite.of(site), "day": day}),
        )
        for day in reversed(site.days[-site.config.feed_items :])
    ]


def _paper_feeds(site: SiteData, render: FragmentRenderer) -> list[Feed]:
    """The feeds made of papers alone: per topic, per category, per saved search, weekly."""
    config = site.config
    paper_entries = _PaperEntries(site, render)
    feeds = []
    for topic in site.topics:
        ids = papers_in_topic(topic.slug, site.papers, site.days)[: config.feed_items]
        entries = paper_entries(ids)
        feeds.append(
            Feed(
                topic_feed(topic),
                f"{config.title}: {topic.name}",
                topic.description,
                topic_path(topic.slug),
                entries,
            )
        )
    feeds += _category_feeds(site, paper_entries) + _saved_feeds(site, paper_entries)
    return [*feeds, _weekly(site, render)]


class _PaperEntries:
    """Feed items for papers, each made once: a paper is in a topic's, a category's and saved
    searches' feeds alike, and its fragment is the same in all of them."""

    def __init__(self, site: SiteData, render: FragmentRenderer):
        self._site = site
        self._feed_site = FeedSite.of(site)
        self._render = render
        self._made: dict[str, FeedEntry] = {}

    def __call__(self, ids: Iterable[str]) -> tuple[FeedEntry, ...]:
        return tuple(self._entry(paper_id) for paper_id in ids)

    def _entry(self, paper_id: str) -> FeedEntry:
        entry = self._made.get(paper_id)
        if entry is None:
            paper = self._site.papers[paper_id]
            entry = FeedEntry(
                paper_path(paper_id),
                paper.record.title,
                paper.first_listed,
                _summary(paper.record.abstract),
                self._render("feed_paper.html", {"site": self._feed_site, "paper": paper}),
            )
            self._made[paper_id] = entry
        return entry


def _category_feeds(site: SiteData, paper_entries: _PaperEntries) -> list[Feed]:
    """One feed per arXiv category, of its newest papers, like a topic's."""
    feeds = []
    for category in site.categories:
        ids = papers_in_category(category.name, site.papers, site.days)[: site.config.feed_items]
        entries = paper_entries(ids)
        title = f"{site.config.title}: arXiv {category.name}"
        feeds.append(
            Feed(
                category_feed(category),
                title,
                category.description,
                category_path(category.slug),
                entries,
            )
        )
    return feeds


def _saved_feeds(site: SiteData, paper_entries: _PaperEntries) -> list[Feed]:
    """One feed per rule of site.yaml's `feeds:`; a paper is one item, however often listed."""
    feeds = []
    for saved in site.config.saved_feeds:
        ids = site.saved.get(saved.slug, ())[: site.config.feed_items]
        entries = paper_entries(ids)
        title = f"{site.config.title}: {saved.title}"
        ref = saved_feed(saved.slug, saved.title)
        feeds.append(Feed(ref, title, saved.description, saved_feed_path(saved.slug), entries))
    return feeds


def _weekly(site: SiteData, render: FragmentRenderer) -> Feed:
    """One item a week: its papers by topic, dated by the week's last listing day."""
    entries = tuple(
        FeedEntry(
            item.period.url_path,
            f"{item.period.label}: {item.paper_count} papers",
            item.period.last_listed,
            f"{item.paper_count} papers in {len(item.groups)} topics, "
            f"{item.period.start:%B} {item.period.start.day} to "
            f"{item.period.end:%B} {item.period.end.day}, {item.period.end.year}",
            render("feed_week.html", {"site": FeedSite.of(site), "week": item}),
        )
        for item in week_items(site.days, site.papers, site.topics, site.config.feed_items)
    )
    description = "One item a week: the week's papers, grouped by topic."
    return Feed(WEEKS_FEED, f"{site.config.title}: weekly digest", description, WEEKS, entries)


def _newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    return sorted(entries, key=lambda e: (-e.date.toordinal(), e.url_path))


def _summary(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _timestamp(date: dt.date) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)


def feed_files(feed: Feed, config: SiteConfig) -> list[OutputFile]:
    """The RSS and the Atom file of one feed."""
    source = f"feed {feed.ref.rss}"
    return [
        OutputFile(feed.ref.rss, _generator(feed, config, "rss").rss_str(pretty=True), source),
        OutputFile(feed.ref.atom, _generator(feed, config, "atom").atom_str(pretty=True), source),
    ]


def _generator(feed: Feed, config: SiteConfig, kind: str) -> FeedGenerator:
    generator = FeedGenerator()
    self_path, media_type = (
        (feed.ref.rss, "application/rss+xml")
        if kind == "rss"
        else (feed.ref.atom, "application/atom+xml")
    )
    page_url = config.absolute_url(feed.page_path)
    generator.id(page_url)
    generator.title(feed.title)
    generator.description(feed.description)
    generator.subtitle(feed.description)
    generator.language(config.language)
    generator.author(name=config.author)
    # feedgen takes the RSS <link> from the last link added: self first, page last.
    generator.link(href=config.absolute_url(self_path), rel="self", type=media_type)
    generator.link(href=page_url, rel="alternate", type="text/html")
    newest = feed.entries[0].date if feed.entries else dt.date(1970, 1, 1)
    generator.updated(_timestamp(newest))
    generator.lastBuildDate(_timestamp(newest))
    for entry in feed.entries:
        url = config.absolute_url(entry.url_path)
        item = generator.add_entry(order="append")
        item.id(url)
        item.guid(url, permalink=True)
        item.title(entry.title)
        item.link(href=url, rel="alternate", type="text/html")
        item.summary(entry.summary)
        item.content(entry.content_html, type="html")
        item.published(_timestamp(entry.date))
        item.updated(_timestamp(entry.date))
    return generator
