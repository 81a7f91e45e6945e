"""View objects: the plain data each template receives, made by builder.pages.

Views hold text and site paths ("papers/x/"); templates turn them into markup and URLs. A
site path is relative to the site root and ends in "/" for a folder page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from builder.bibtex import BibEntry
from builder.charts import BarChart
from builder.citations import Citation
from builder.config import SiteConfig
from builder.grouping import Day, Paper, YearGroup
from builder.pickling import pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FeedRef:
    title: str
    rss: str  # site path of the RSS feed
    atom: str  # site path of the Atom feed


@pickled_by_fields
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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Page:
    meta: PageMeta
    template: str
    view: Any
    source: str  # what asked for this page, named in collision errors


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicRef:
    slug: str
    name: str
    url_path: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TextPiece:
    """A run of abstract text; `href` set where the run is one of the paper's links."""

    text: str
    href: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class LinkBadge:
    kind: str
    label: str
    url: str


@pickled_by_fields
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
    abstract_lead: tuple[TextPiece, ...] = ()  # first sentence(s), shown when folded
    abstract_rest: tuple[TextPiece, ...] = ()  # the rest; empty when nothing is folded
    categories: tuple[TopicRef, ...] = ()  # arXiv categories, primary first

    def schema_article(
        self, absolute_url: Callable[[str], str], site_title: str, same_as: Iterable[Any]
    ) -> dict[str, Any]:
        """The paper as a schema.org ScholarlyArticle for its page's JSON-LD: first listed on
        its first day; `same_as` its own addresses, blank ones and repeats (in any case) left
        out. Made here because building it with Jinja filters cost a tenth of the page."""
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ScholarlyArticle",
            "headline": self.title,
            "name": self.title,
            "abstract": "".join(piece.text for piece in self.abstract),
            "url": absolute_url(self.url_path),
            "datePublished": self.days[0].isoformat(),
            "keywords": [topic.name for topic in self.topics],
            "isPartOf": {"@type": "WebSite", "name": site_title, "url": absolute_url("")},
        }
        if self.authors:
            data["author"] = [{"@type": "Person", "name": name} for name in self.authors]
        seen: set[Any] = set()
        addresses = []
        for address in filter(None, same_as):
            key = address.lower() if isinstance(address, str) else address
            if key not in seen:
                seen.add(key)
                addresses.append(address)
        if addresses:
            data["sameAs"] = addresses
        return data


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CardSlot:
    """Where a list page's view shows a paper's card until the page is rendered.

    Day, topic and other list pages show every paper's card between them; making those
    cards costs more than keying the pages. Their views are made with slots, keyed with each
    slot standing for what its card is made from (builder.cache.RenderKeys), and filled with
    the real cards only for a page that is rendered (builder.pages.SitePages)."""

    paper_id: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NoteCard:
    slug: str
    title: str
    url_path: str
    date: dt.date
    authors: tuple[str, ...]
    summary: str
    draft: bool


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicSection:
    topic: TopicRef
    anchor: str
    papers: tuple[PaperCard, ...]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DayView:
    date: dt.date
    url_path: str
    sections: tuple[TopicSection, ...]
    paper_count: int
    previous: dt.date | None
    next: dt.date | None
    order: str = "listing"  # or "upvotes": most upvoted first within each topic


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class HomeView:
    day: DayView | None
    notes: tuple[NoteCard, ...]
    day_count: int
    paper_count: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ArchiveView:
    years: tuple[YearGroup, ...]
    day_count: int
    paper_count: int
    chart: BarChart | None = None  # papers per listing day


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicSummary:
    topic: TopicRef
    description: str
    count: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicsIndexView:
    topics: tuple[TopicSummary, ...]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Pagination:
    number: int
    total: int
    previous: str | None  # site paths
    next: str | None
    pages: tuple[tuple[int, str], ...]  # every page number with its path


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicView:
    topic: TopicRef
    description: str
    count: int
    papers: tuple[PaperCard, ...]
    pagination: Pagination
    feed: FeedRef
    chart: BarChart | None = None  # the topic's papers over time


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class PaperView:
    paper: PaperCard
    notes: tuple[NoteCard, ...]
    arxiv: str | None
    url: str | None
    write_note_url: str | None = None  # a new note on this paper in the repository
    related: tuple[PaperCard, ...] = ()  # most alike in title and abstract, best first
    arxiv_pdf: str | None = None
    bibtex: BibEntry | None = None  # only for a paper with an arXiv id
    citation: Citation | None = None  # BibTeX and CSL-JSON for every paper, and their files
    topic_reasons: tuple[tuple[TopicRef, tuple[str, ...]], ...] = ()  # why it has each topic


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NotesIndexView:
    notes: tuple[NoteCard, ...]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NoteView:
    note: NoteCard
    body_html: str
    papers: tuple[PaperCard, ...]
    topics: tuple[TopicRef, ...]
    edit_url: str | None = None  # this note's file in the repository's editor


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FeedListing:
    """One feed on the feeds page: what it carries and the page it mirrors."""

    feed: FeedRef
    description: str
    page_path: str  # site path of the HTML page with the same items


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FeedsView:
    site: tuple[FeedListing, ...]  # the whole-site feed and the notes feed
    topics: tuple[FeedListing, ...]  # one per topic, in taxonomy order
    categories: tuple[FeedListing, ...] = ()  # one per arXiv category, by name
    saved: tuple[FeedListing, ...] = ()  # feeds by rule from site.yaml's `feeds:`
    opml: str | None = None  # site path of the OPML file listing every feed
    api: str | None = None  # site path of the JSON API's page


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SearchView:
    bundle: str  # site path of Pagefind's folder: its UI and the index
    paper_count: int
    note_count: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NotFoundView:
    latest_day: dt.date | None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class NoteInput:
    """A note as the page stage needs it: its card, rendered body and links."""

    card: NoteCard
    body_html: str  # links relative to the note's page
    body_html_absolute: str  # absolute links, for feeds
    papers: tuple[str, ...]
    topics: tuple[str, ...]
    repo_path: str = ""  # the note's file, relative to the repository root


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicInfo:
    slug: str
    name: str
    description: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class SiteData:
    """Everything page building reads: gathered and validated before any page is made."""

    config: SiteConfig
    papers: Mapping[str, Paper]
    days: tuple[Day, ...]  # ascending
    topics: tuple[TopicInfo, ...]  # taxonomy order, `other` last
    notes: tuple[NoteInput, ...]  # newest first
    notes_folder: str = "content/notes"  # where notes live in the repository
    # paper id -> ids of the papers most alike, best first (builder.related)
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    categories: tuple[TopicInfo, ...] = ()  # arXiv categories some paper has, by name
    # saved-search feed slug -> its papers, newest first (builder.subscriptions)
    saved: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # paper id -> (topic slug, reasons) in the paper's topic order (builder.topics)
    reasons: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = field(default_factory=dict)
    # A digest of everything `papers`, `days`, `topics`, `categories` and `saved` are made
    # from besides the configuration (day files, taxonomy, topic pins); "" when unknown.
    # Outputs made from those alone (the JSON API, most feeds) are kept while it holds.
    papers_key: str = ""
