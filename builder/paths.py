"""Where everything lives on the site: one place that knows every page's path."""

from __future__ import annotations

import datetime as dt

from builder.views import FeedRef, TopicInfo

SITE_FEED = FeedRef("All papers and notes", "feed.xml", "atom.xml")
NOTES_FEED = FeedRef("Notes", "notes/feed.xml", "notes/atom.xml")


def day_path(date: dt.date) -> str:
    return f"days/{date.isoformat()}/"


def paper_path(paper_id: str) -> str:
    return f"papers/{paper_id}/"


def topic_path(slug: str, page: int = 1) -> str:
    return f"topics/{slug}/" if page == 1 else f"topics/{slug}/page/{page}/"


def note_path(slug: str) -> str:
    return f"notes/{slug}/"


def topic_feed(topic: TopicInfo) -> FeedRef:
    return FeedRef(
        f"{topic.name}", f"topics/{topic.slug}/feed.xml", f"topics/{topic.slug}/atom.xml"
    )
