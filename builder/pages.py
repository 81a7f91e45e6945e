"""Page models: one function per page kind builds the view object its template receives.

Views hold plain data and site paths ("papers/x/"); templates turn them into markup and
URLs. A site path is relative to the site root and ends in "/" for a folder page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from builder.config import SiteConfig
from builder.grouping import (
    Day,
    MonthGroup,
    Paper,
    YearGroup,
    group_by_topic,
    group_days_by_month,
    paginate,
    papers_in_topic,
    topic_counts,
)
from builder.records import Link

LINK_LABELS = {
    "code": "Code",
    "project": "Project",
    "model": "Model",
    "dataset": "Dataset",
    "space": "Demo",
    "other": "Link",
}


@dataclass(frozen=True, slots=True)
class FeedRef:
    title: str
    rss: str  # site path of the RSS feed
    atom: str  # site path of the Atom feed


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What the base layout needs: where the page lives and how it presents itself."""

    kind: str
    url_path: str  # "" for home, "days/2025-09-08/", "404.html"
    title: str
    description: str
    feeds: tuple[FeedRef, ...] = ()
    indexable: bool = True

    @property
    def output_path(self) -> str:
        return (
            self.url_path + "index.html"
            if self.url_path.endswith("/") or not (self.url_path)
            else self.url_path
        )


@dataclass(frozen=True, slots=True)
class Page:
    meta: PageMeta
    template: str
    view: Any
    source: str  # what asked for this page, named in collision errors


@dataclass(frozen=True, slots=True)
class TopicRef:
    slug: str
    name: str
    url_path: str


@dataclass(frozen=True, slots=True)
class TextPiece:
    """A run of abstract text; `href` set where the run is one of the paper's links."""

    text: str
    href: str | None = None


@dataclass(frozen=True, slots=True)
class LinkBadge:
    kind: str
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class PaperCard:
    id: str
    title: str
    url_path: str
    abstract: tuple[TextPiece, ...]
    badges: tuple[LinkBadge, ...]
    topics: tuple[TopicRef, ...]
    days: tuple[dt.date, ...]
    authors: tuple[str, ...]
    upvotes: int | None
    note_count: int


@dataclass(frozen=True, slots=True)
class NoteCard:
    slug: str
    title: str
    url_path: str
    date: dt.date
    authors: tuple[str, ...]
    summary: str
    draft: bool


@dataclass(frozen=True, slots=True)
class TopicSection:
    topic: TopicRef
    anchor: str
    papers: tuple[PaperCard, ...]


@dataclass(frozen=True, slots=True)
class DayView:
    date: dt.date
    url_path: str
    sections: tuple[TopicSection, ...]
    paper_count: int
    previous: dt.date | None
    next: dt.date | None


@dataclass(frozen=True, slots=True)
class HomeView:
    day: DayView | None
    notes: tuple[NoteCard, ...]
    day_count: int
    paper_count: int


@dataclass(frozen=True, slots=True)
class ArchiveView:
    years: tuple[YearGroup, ...]
    day_count: int
    paper_count: int


@dataclass(frozen=True, slots=True)
class TopicSummary:
    topic: TopicRef
    description: str
    count: int


@dataclass(frozen=True, slots=True)
class TopicsIndexView:
    topics: tuple[TopicSummary, ...]


@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    previous: str | None  # site paths
    next: str | None
    pages: tuple[tuple[int, str], ...]  # every page number with its path


@dataclass(frozen=True, slots=True)
class TopicView:
    topic: TopicRef
    description: str
    count: int
    papers: tuple[PaperCard, ...]
    pagination: Pagination
    feed: FeedRef


@dataclass(frozen=True, slots=True)
class PaperView:
    paper: PaperCard
    notes: tuple[NoteCard, ...]
    arxiv: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class NotesIndexView:
    notes: tuple[NoteCard, ...]


@dataclass(frozen=True, slots=True)
class NoteView:
    note: NoteCard
    body_html: str
    papers: tuple[PaperCard, ...]
    topics: tuple[TopicRef, ...]


@dataclass(frozen=True, slots=True)
class NotFoundView:
    latest_day: dt.date | None


@dataclass(frozen=True, slots=True)
class NoteInput:
    """A note as the page stage needs it: its card, rendered body and links."""

    card: NoteCard
    body_html: str  # links relative to the note's page
    body_html_absolute: str  # absolute links, for feeds
    papers: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TopicInfo:
    slug: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class SiteData:
    """Everything page building reads: gathered and validated before any page is made."""

    config: SiteConfig
    papers: Mapping[str, Paper]
    days: tuple[Day, ...]  # ascending
    topics: tuple[TopicInfo, ...]  # taxonomy order, `other` last
    notes: tuple[NoteInput, ...]  # newest first


# -- site paths -------------------------------------------------------------------------

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


# -- cards ------------------------------------------------------------------------------


def abstract_pieces(abstract: str, links: Sequence[Link]) -> tuple[TextPiece, ...]:
    """Split an abstract so each of the paper's link URLs becomes a live link."""
    urls = sorted({link.url for link in links}, key=len, reverse=True)
    if not urls:
        return (TextPiece(abstract),)
    pattern = re.compile("|".join(re.escape(url) for url in urls))
    pieces: list[TextPiece] = []
    position = 0
    for match in pattern.finditer(abstract):
        if match.start() > position:
            pieces.append(TextPiece(abstract[position : match.start()]))
        pieces.append(TextPiece(match.group(0), match.group(0)))
        position = match.end()
    if position < len(abstract):
        pieces.append(TextPiece(abstract[position:]))
    return tuple(pieces)


class _Cards:
    """Makes each paper's card once; many pages show the same paper."""

    def __init__(self, site: SiteData, note_counts: Mapping[str, int]):
        self._site = site
        self._topics = {t.slug: TopicRef(t.slug, t.name, topic_path(t.slug)) for t in site.topics}
        self._note_counts = note_counts
        self._cache: dict[str, PaperCard] = {}

    def topic(self, slug: str) -> TopicRef:
        return self._topics[slug]

    def paper(self, paper_id: str) -> PaperCard:
        card = self._cache.get(paper_id)
        if card is None:
            paper = self._site.papers[paper_id]
            record = paper.record
            card = PaperCard(
                id=paper.id,
                title=record.title,
                url_path=paper_path(paper.id),
                abstract=abstract_pieces(record.abstract, record.links),
                badges=tuple(
                    LinkBadge(link.kind, LINK_LABELS[link.kind], link.url) for link in record.links
                ),
                topics=tuple(self._topics[slug] for slug in paper.topics),
                days=paper.days,
                authors=record.authors,
                upvotes=record.upvotes,
                note_count=self._note_counts.get(paper.id, 0),
            )
            self._cache[paper_id] = card
        return card


# -- pages ------------------------------------------------------------------------------


def make_pages(site: SiteData) -> list[Page]:
    """Every HTML page of the site, each with the view its template receives."""
    note_counts: dict[str, int] = {}
    for note in site.notes:
        for paper_id in note.papers:
            note_counts[paper_id] = note_counts.get(paper_id, 0) + 1
    cards = _Cards(site, note_counts)
    topic_order = [topic.slug for topic in site.topics]
    day_views = _day_views(site, cards, topic_order)
    pages = [_home_page(site, day_views), _archive_page(site), _topics_index_page(site, cards)]
    pages += [
        Page(
            PageMeta(
                "day",
                view.url_path,
                f"Papers of {view.date:%B} {view.date.day}, {view.date.year}",
                f"{view.paper_count} papers listed on {view.date.isoformat()}, grouped by topic.",
                (SITE_FEED,),
            ),
            "day.html",
            view,
            f"day file {view.date.isoformat()}",
        )
        for view in day_views
    ]
    pages += _topic_pages(site, cards)
    pages += _paper_pages(site, cards)
    pages += _note_pages(site, cards)
    pages.append(
        Page(
            PageMeta(
                "notfound",
                "404.html",
                "Page not found",
                "This page does not exist.",
                (SITE_FEED,),
                indexable=False,
            ),
            "404.html",
            NotFoundView(site.days[-1].date if site.days else None),
            "404 page",
        )
    )
    return pages


def _day_views(site: SiteData, cards: _Cards, topic_order: list[str]) -> list[DayView]:
    views = []
    for index, day in enumerate(site.days):
        groups = group_by_topic(day.paper_ids, site.papers, topic_order)
        sections = tuple(
            TopicSection(
                cards.topic(group.slug),
                f"topic-{group.slug}",
                tuple(cards.paper(pid) for pid in group.paper_ids),
            )
            for group in groups
        )
        views.append(
            DayView(
                date=day.date,
                url_path=day_path(day.date),
                sections=sections,
                paper_count=len(day.paper_ids),
                previous=site.days[index - 1].date if index > 0 else None,
                next=site.days[index + 1].date if index + 1 < len(site.days) else None,
            )
        )
    return views


def _home_page(site: SiteData, day_views: list[DayView]) -> Page:
    notes = tuple(note.card for note in site.notes[: site.config.home_notes])
    view = HomeView(day_views[-1] if day_views else None, notes, len(site.days), len(site.papers))
    return Page(
        PageMeta("home", "", site.config.title, site.config.description, (SITE_FEED, NOTES_FEED)),
        "home.html",
        view,
        "home page",
    )


def _archive_page(site: SiteData) -> Page:
    view = ArchiveView(group_days_by_month(site.days), len(site.days), len(site.papers))
    return Page(
        PageMeta(
            "archive", "archive/", "Archive", "Every listing day, by year and month.", (SITE_FEED,)
        ),
        "archive.html",
        view,
        "archive page",
    )


def _topics_index_page(site: SiteData, cards: _Cards) -> Page:
    counts = topic_counts(site.papers.values())
    summaries = tuple(
        TopicSummary(cards.topic(topic.slug), topic.description, counts.get(topic.slug, 0))
        for topic in site.topics
    )
    return Page(
        PageMeta(
            "topics", "topics/", "Topics", "All topics with their paper counts.", (SITE_FEED,)
        ),
        "topics.html",
        TopicsIndexView(summaries),
        "topics index",
    )


def _topic_pages(site: SiteData, cards: _Cards) -> list[Page]:
    pages = []
    for topic in site.topics:
        ids = papers_in_topic(topic.slug, site.papers, site.days)
        chunks = paginate(ids, site.config.topic_page_size)
        numbers = tuple((n, topic_path(topic.slug, n)) for n in range(1, len(chunks) + 1))
        feed = topic_feed(topic)
        for number, chunk in enumerate(chunks, start=1):
            pagination = Pagination(
                number,
                len(chunks),
                topic_path(topic.slug, number - 1) if number > 1 else None,
                topic_path(topic.slug, number + 1) if number < len(chunks) else None,
                numbers,
            )
            view = TopicView(
                cards.topic(topic.slug),
                topic.description,
                len(ids),
                tuple(cards.paper(pid) for pid in chunk),
                pagination,
                feed,
            )
            title = topic.name if number == 1 else f"{topic.name} (page {number})"
            pages.append(
                Page(
                    PageMeta(
                        "topic",
                        topic_path(topic.slug, number),
                        title,
                        topic.description,
                        (feed, SITE_FEED),
                    ),
                    "topic.html",
                    view,
                    f"topic {topic.slug!r} page {number}",
                )
            )
    return pages


def _paper_pages(site: SiteData, cards: _Cards) -> list[Page]:
    notes_by_paper: dict[str, list[NoteCard]] = {}
    for note in site.notes:
        for paper_id in note.papers:
            notes_by_paper.setdefault(paper_id, []).append(note.card)
    pages = []
    for paper_id, paper in site.papers.items():
        card = cards.paper(paper_id)
        view = PaperView(
            card, tuple(notes_by_paper.get(paper_id, ())), paper.record.arxiv, paper.record.url
        )
        feeds = tuple(topic_feed(_topic_info(site, slug)) for slug in paper.topics)
        pages.append(
            Page(
                PageMeta(
                    "paper",
                    card.url_path,
                    card.title,
                    _first_sentence(paper.record.abstract),
                    (*feeds, SITE_FEED),
                ),
                "paper.html",
                view,
                f"paper {paper_id!r}",
            )
        )
    return pages


def _note_pages(site: SiteData, cards: _Cards) -> list[Page]:
    pages = [
        Page(
            PageMeta(
                "notes",
                "notes/",
                "Notes",
                "Notes from contributors on the papers.",
                (NOTES_FEED, SITE_FEED),
            ),
            "notes.html",
            NotesIndexView(tuple(n.card for n in site.notes)),
            "notes index",
        )
    ]
    for note in site.notes:
        view = NoteView(
            note.card,
            note.body_html,
            tuple(cards.paper(pid) for pid in note.papers if pid in site.papers),
            tuple(cards.topic(slug) for slug in note.topics),
        )
        pages.append(
            Page(
                PageMeta(
                    "note",
                    note.card.url_path,
                    note.card.title,
                    note.card.summary,
                    (NOTES_FEED, SITE_FEED),
                ),
                "note.html",
                view,
                f"note {note.card.slug!r}",
            )
        )
    return pages


def _topic_info(site: SiteData, slug: str) -> TopicInfo:
    return next(topic for topic in site.topics if topic.slug == slug)


def _first_sentence(text: str, limit: int = 200) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


__all__ = ["MonthGroup", "Page", "SiteData", "make_pages"]
