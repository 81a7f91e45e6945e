"""The page of each saved-search feed: its rule in words and its newest papers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from builder.paths import SITE_FEED, saved_feed, saved_feed_path
from builder.pickling import pickled_by_fields
from builder.subscriptions import default_description, describe_rules
from builder.views import FeedRef, Page, PageMeta, PaperCard, SiteData


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SavedFeedView:
    title: str
    lede: str | None  # the feed's own description, when site.yaml gives one
    rules: tuple[str, ...]  # each condition in words
    feed: FeedRef
    count: int  # every paper that matches
    papers: tuple[PaperCard, ...]  # the newest of them
    feed_items: int  # how many the feed carries


def saved_feed_pages(site: SiteData, card: Callable[[str], PaperCard]) -> list[Page]:
    """One page per feed of site.yaml's `feeds:`, at /feeds/SLUG/ beside its feed files."""
    pages = []
    for saved in site.config.saved_feeds:
        ids = site.saved.get(saved.slug, ())
        feed = saved_feed(saved.slug, saved.title)
        view = SavedFeedView(
            saved.title,
            saved.description if saved.description != default_description(saved) else None,
            describe_rules(saved),
            feed,
            len(ids),
            tuple(card(pid) for pid in ids[: site.config.topic_page_size]),
            site.config.feed_items,
        )
        pages.append(
            Page(
                PageMeta(
                    "saved-feed",
                    saved_feed_path(saved.slug),
                    saved.title,
                    saved.description,
                    (feed, SITE_FEED),
                ),
                "saved_feed.html",
                view,
                f"saved feed {saved.slug!r}",
            )
        )
    return pages
