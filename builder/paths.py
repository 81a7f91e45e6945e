"""Where everything lives on the site: one place that knows every page's path."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from builder.views import FeedRef, TopicInfo

HOME, ARCHIVE, TOPICS, NOTES = "", "archive/", "topics/", "notes/"
CATEGORIES = "categories/"  # only when some paper has arXiv categories
FEEDS = "feeds/"  # every feed of the site, with URLs to copy into a reader
SEARCH = "search/"  # only when the build makes a search index (not --no-search)
SEARCH_BUNDLE = "pagefind/"  # the index and Pagefind's scripts, written by builder.search
NOT_FOUND, SITEMAP, ROBOTS = "404.html", "sitemap.xml", "robots.txt"
FIXED_PAGES = (HOME, ARCHIVE, TOPICS, NOTES, FEEDS, NOT_FOUND, SITEMAP, ROBOTS)

SITE_FEED = FeedRef("All papers and notes", "feed.xml", "atom.xml")
NOTES_FEED = FeedRef("Notes", "notes/feed.xml", "notes/atom.xml")

# Subscriptions and open data (builder.subscriptions, digests, opml, api, citations).
WEEKS = "weeks/"  # every weekly and monthly digest
WEEKS_FEED = FeedRef("Weekly digest", "weeks/feed.xml", "weeks/atom.xml")
OPML = "feeds.opml"  # every feed of the site, for a feed reader's import
API = "api/"  # the JSON API's documentation
API_PAPERS = "api/papers.json"
API_SCHEMAS = ("paper.schema.json", "papers.schema.json", "day.schema.json", "topic.schema.json")


def day_path(date: dt.date) -> str:
    return f"days/{date.isoformat()}/"


def paper_path(paper_id: str) -> str:
    return f"papers/{paper_id}/"


def topic_path(slug: str, page: int = 1) -> str:
    return f"topics/{slug}/" if page == 1 else f"topics/{slug}/page/{page}/"


def note_path(slug: str) -> str:
    return f"notes/{slug}/"


def category_path(slug: str, page: int = 1) -> str:
    return f"categories/{slug}/" if page == 1 else f"categories/{slug}/page/{page}/"


def category_feed(category: TopicInfo) -> FeedRef:
    return FeedRef(
        f"arXiv {category.name}",
        f"categories/{category.slug}/feed.xml",
        f"categories/{category.slug}/atom.xml",
    )


def topic_feed(topic: TopicInfo) -> FeedRef:
    return FeedRef(
        f"{topic.name}", f"topics/{topic.slug}/feed.xml", f"topics/{topic.slug}/atom.xml"
    )


def static_path(relative: str) -> str:
    return f"static/{relative}"


def week_path(year: int, week: int) -> str:
    """An ISO week's digest: `weeks/2025-W11/`."""
    return f"weeks/{year}-W{week:02d}/"


def month_path(year: int, month: int) -> str:
    return f"months/{year}-{month:02d}/"


def saved_feed_path(slug: str) -> str:
    return f"feeds/{slug}/"


def saved_feed(slug: str, title: str) -> FeedRef:
    return FeedRef(title, f"feeds/{slug}/feed.xml", f"feeds/{slug}/atom.xml")


def api_day(date: dt.date) -> str:
    return f"api/days/{date.isoformat()}.json"


def api_topic(slug: str) -> str:
    return f"api/topics/{slug}.json"


def api_schema(name: str) -> str:
    return f"api/schema/{name}"


def cite_bib(paper_id: str) -> str:
    return f"papers/{paper_id}/cite.bib"


def cite_json(paper_id: str) -> str:
    return f"papers/{paper_id}/cite.json"


def open_data_paths(
    days: Iterable[dt.date],
    paper_ids: Iterable[str],
    topic_slugs: Iterable[str],
    saved_feeds: Iterable[tuple[str, str]],
) -> set[str]:
    """The digests, saved-search feeds, OPML, JSON API and citation files."""
    days = tuple(days)
    paths = {WEEKS, WEEKS_FEED.rss, WEEKS_FEED.atom, OPML, API, API_PAPERS}
    paths.update(api_schema(name) for name in API_SCHEMAS)
    paths.update(week_path(*day.isocalendar()[:2]) for day in days)
    paths.update(month_path(day.year, day.month) for day in days)
    paths.update(api_day(day) for day in days)
    paths.update(api_topic(slug) for slug in topic_slugs)
    for paper_id in paper_ids:
        paths.update((cite_bib(paper_id), cite_json(paper_id)))
    for slug, title in saved_feeds:
        feed = saved_feed(slug, title)
        paths.update((saved_feed_path(slug), feed.rss, feed.atom))
    return paths


def site_paths(
    days: Iterable[dt.date],
    paper_ids: Iterable[str],
    topics: Iterable[TopicInfo],
    topic_pages: Mapping[str, int],
    note_slugs: Iterable[str],
    static_files: Iterable[str],
    categories: Iterable[TopicInfo] = (),
    category_pages: Mapping[str, int] | None = None,
    saved_feeds: Iterable[tuple[str, str]] = (),  # (slug, title) of each saved-search feed
) -> frozenset[str]:
    """Every path the site will have, known before any page is made: links are checked
    against it."""
    days, paper_ids, topics = tuple(days), tuple(paper_ids), tuple(topics)
    paths = set(FIXED_PAGES)
    paths.update(open_data_paths(days, paper_ids, (t.slug for t in topics), saved_feeds))
    for feed in (SITE_FEED, NOTES_FEED):
        paths.update((feed.rss, feed.atom))
    paths.update(day_path(day) for day in days)
    paths.update(paper_path(paper_id) for paper_id in paper_ids)
    paths.update(note_path(slug) for slug in note_slugs)
    paths.update(static_path(name) for name in static_files)
    for topic in topics:
        feed = topic_feed(topic)
        paths.update((feed.rss, feed.atom))
        pages = max(1, topic_pages.get(topic.slug, 1))
        paths.update(topic_path(topic.slug, number) for number in range(1, pages + 1))
    for category in categories:
        feed = category_feed(category)
        paths.update((CATEGORIES, feed.rss, feed.atom))
        pages = max(1, (category_pages or {}).get(category.slug, 1))
        paths.update(category_path(category.slug, n) for n in range(1, pages + 1))
    return frozenset(paths)
