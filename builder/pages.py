"""Page models: one function per page kind builds the view object its template receives."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import pickle
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import cast, overload

from builder.api import api_page
from builder.arxiv import arxiv_id, pdf_url
from builder.bibtex import paper_bibtex
from builder.categories import category_pages, category_refs
from builder.charts import papers_over_time, papers_per_day
from builder.citations import citation_files, paper_citation
from builder.digests import digest_pages
from builder.grouping import (
    Paper,
    group_by_topic,
    group_days_by_month,
    most_upvoted_first,
    paginate,
    papers_in_topic,
    topic_counts,
)
from builder.output import OutputFile
from builder.paths import (
    API,
    ARCHIVE,
    FEEDS,
    HOME,
    NOT_FOUND,
    NOTES,
    NOTES_FEED,
    OPML,
    SEARCH,
    SEARCH_BUNDLE,
    SITE_FEED,
    TOPICS,
    WEEKS,
    WEEKS_FEED,
    category_feed,
    category_path,
    cite_bib,
    cite_json,
    day_path,
    paper_path,
    saved_feed,
    saved_feed_path,
    topic_feed,
    topic_path,
)
from builder.reading import split_lead
from builder.records import Link
from builder.repo_links import edit_url, new_note_url
from builder.subscription_pages import saved_feed_pages
from builder.views import (
    ArchiveView,
    CardSlot,
    DayView,
    FeedListing,
    FeedsView,
    HomeView,
    LinkBadge,
    NoteCard,
    NotesIndexView,
    NoteView,
    NotFoundView,
    Page,
    PageMeta,
    Pagination,
    PaperCard,
    PaperView,
    SearchView,
    SiteData,
    TextPiece,
    TopicRef,
    TopicSection,
    TopicsIndexView,
    TopicSummary,
    TopicView,
)

CARDS_KEPT = 4096  # cards a process keeps made at once (see _Cards)
LINK_LABELS = {
    "code": "Code",
    "project": "Project",
    "model": "Model",
    "dataset": "Dataset",
    "space": "Demo",
    "other": "Link",
}


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
    """Makes paper cards, keeping the most recent: a day's cards are shown again on the
    home page, its topics' pages and its week. Only CARDS_KEPT are kept: a render worker
    meets every paper's card in turn (its page, and as a related paper on five others),
    and at 100,000 papers keeping them all would hold 275 MB per worker (2.75 KB a card,
    measured at 10,000)."""

    def __init__(self, site: SiteData, note_counts: Mapping[str, int]):
        self._site = site
        self._topics = {t.slug: TopicRef(t.slug, t.name, topic_path(t.slug)) for t in site.topics}
        self._note_counts = note_counts
        self._cache: dict[str, PaperCard] = {}
        self._slots: dict[str, CardSlot] = {}

    def topic(self, slug: str) -> TopicRef:
        return self._topics[slug]

    def note_count(self, paper_id: str) -> int:
        return self._note_counts.get(paper_id, 0)

    def slot(self, paper_id: str) -> PaperCard:
        """A stand-in for a paper's card in a list page's view (CardSlot), filled with the
        card when the page is rendered; typed as the card it stands for."""
        found = self._slots.get(paper_id)
        if found is None:
            if paper_id not in self._site.papers:
                raise KeyError(paper_id)
            found = self._slots[paper_id] = CardSlot(paper_id)
        return cast(PaperCard, found)

    def paper(self, paper_id: str) -> PaperCard:
        card = self._cache.get(paper_id)
        if card is None:
            if len(self._cache) >= CARDS_KEPT:
                self._cache.clear()
            paper = self._site.papers[paper_id]
            record = paper.record
            abstract = abstract_pieces(record.abstract, record.links)
            lead, rest = split_lead(abstract)
            card = PaperCard(
                id=paper.id,
                title=record.title,
                url_path=paper_path(paper.id),
                abstract=abstract,
                badges=tuple(
                    LinkBadge(link.kind, LINK_LABELS[link.kind], link.url) for link in record.links
                ),
                topics=tuple(self._topics[slug] for slug in paper.topics),
                days=paper.days,
                authors=record.authors,
                upvotes=record.upvotes,
                note_count=self._note_counts.get(paper.id, 0),
                abstract_lead=lead,
                abstract_rest=rest,
                categories=category_refs(record.categories),
            )
            self._cache[paper_id] = card
        return card


# -- pages ------------------------------------------------------------------------------


def make_pages(
    site: SiteData, search: bool = False, paper_digests: Mapping[str, bytes] | None = None
) -> SitePages:
    """Every HTML page of the site, each with the view its template receives; the search
    page only when `search` (the build indexes the site). Paper pages are made when asked
    for (PaperPages). `paper_digests` are the papers' `paper_digest`s if known already
    (the build keeps them in its memo): keying pages then pickles no paper."""
    notes_by_paper: dict[str, list[NoteCard]] = {}
    for note in site.notes:
        for paper_id in note.papers:
            notes_by_paper.setdefault(paper_id, []).append(note.card)
    cards = _Cards(site, {paper_id: len(found) for paper_id, found in notes_by_paper.items()})
    topic_order = [topic.slug for topic in site.topics]
    day_views = _day_views(site, cards, topic_order)
    pages = [_home_page(site, day_views), _archive_page(site), _topics_index_page(site, cards)]
    pages.append(_feeds_page(site))
    if search:
        pages.append(_search_page(site))
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
    pages += category_pages(
        site.categories, site.papers, site.days, site.config.topic_page_size, cards.slot
    )
    before = pages
    pages = saved_feed_pages(site, cards.slot)
    pages += digest_pages(site.days, site.papers, site.topics, cards.topic, cards.slot)
    pages.append(api_page(site))
    pages += _note_pages(site, cards)
    pages.append(
        Page(
            PageMeta(
                "notfound",
                NOT_FOUND,
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
    paper_pages = PaperPages(site, cards, notes_by_paper, paper_digests or {})
    return SitePages(before, paper_pages, pages, cards.paper)


class SitePages(Sequence[Page]):
    """The site's pages in order: those made already, the paper pages, the rest.

    `meta`, `source` and `template` answer without making a paper page's view, which only
    the render worker that renders the page needs to make: at 100,000 papers, every view
    held at once would take gigabytes.
    """

    def __init__(
        self,
        before: list[Page],
        papers: PaperPages,
        after: list[Page],
        card: Callable[[str], PaperCard],
    ):
        self._before, self._papers, self._after = before, papers, after
        self._paper_end = len(before) + len(papers)
        self._card = card

    def __len__(self) -> int:
        return self._paper_end + len(self._after)

    @overload
    def __getitem__(self, index: int) -> Page: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Page]: ...
    def __getitem__(self, index: int | slice) -> Page | Sequence[Page]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        where, at = self._locate(index)
        if where is None:
            return self._papers.page(at)
        page = where[at]
        return dataclasses.replace(page, view=_filled(page.view, self._card))

    def unfilled(self, index: int) -> Page:
        """Page `index` as made, its cards still slots (CardSlot): enough for its render key,
        which names each card by what it is made from. None of its cards are made."""
        where, at = self._locate(index)
        return self._papers.page(at) if where is None else where[at]

    def meta(self, index: int) -> PageMeta:
        where, at = self._locate(index)
        return self._papers.meta(at) if where is None else where[at].meta

    def template(self, index: int) -> str:
        where, at = self._locate(index)
        return "paper.html" if where is None else where[at].template

    def card_inputs(self, paper_id: str) -> bytes:
        """A digest of what a paper's card is made from (for render keys)."""
        return self._papers.card_inputs(paper_id)

    def input_digest(self, index: int) -> bytes | None:
        """For a paper page, a digest of what its view is made from (PaperPages); None for
        other pages, whose key is their view's."""
        where, at = self._locate(index)
        return self._papers.input_digest(at) if where is None else None

    def paths(self, index: int) -> list[str]:
        """The page's file and the files made from its view beside it (attachments: a
        paper's citation files)."""
        where, at = self._locate(index)
        if where is None:
            return [self._papers.meta(at).output_path, *self._papers.attachments(at)]
        return [where[at].meta.output_path]

    def outputs(self) -> Iterator[tuple[str, list[str], str]]:
        """Each page's source, files (its own and its attachments') and template, in order:
        what claiming every path needs, without locating each page by number."""
        for page in self._before:
            yield page.source, [page.meta.output_path], page.template
        papers = self._papers
        for at in range(len(papers)):
            paths = [papers.meta(at).output_path, *papers.attachments(at)]
            yield papers.source(at), paths, "paper.html"
        for page in self._after:
            yield page.source, [page.meta.output_path], page.template

    def _locate(self, index: int) -> tuple[list[Page] | None, int]:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < len(self._before):
            return self._before, index
        if index < self._paper_end:
            return None, index - len(self._before)
        return self._after, index - self._paper_end


def _filled(value: object, card: Callable[[str], PaperCard]) -> object:
    """`value` with every CardSlot in it replaced by its card; views are frozen dataclasses
    and tuples, so each one holding a slot is copied, and the others are returned as they are."""
    kind = type(value)
    if kind is CardSlot:
        return card(cast(CardSlot, value).paper_id)
    if kind is tuple:
        items = cast(tuple[object, ...], value)
        filled = tuple(_filled(item, card) for item in items)
        return value if all(a is b for a, b in zip(filled, items, strict=True)) else filled
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in _fields(type(value)):
            before = getattr(value, field)
            after = _filled(before, card)
            if after is not before:
                changes[field] = after
        return dataclasses.replace(value, **changes) if changes else value
    return value


@functools.cache
def _fields(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind) if field.init)


def page_attachments(page: Page) -> list[OutputFile]:
    """The files made from a page's view beside it (see SitePages.paths)."""
    if page.meta.kind != "paper":
        return []
    return citation_files([page.view.citation])


def _day_views(site: SiteData, cards: _Cards, topic_order: list[str]) -> list[DayView]:
    views = []
    upvotes_first = site.config.day_order == "upvotes"
    for index, day in enumerate(site.days):
        ids = most_upvoted_first(day.paper_ids, site.papers) if upvotes_first else day.paper_ids
        groups = group_by_topic(ids, site.papers, topic_order)
        sections = tuple(
            TopicSection(
                cards.topic(group.slug),
                f"topic-{group.slug}",
                tuple(cards.slot(pid) for pid in group.paper_ids),
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
                order=site.config.day_order,
            )
        )
    return views


def _home_page(site: SiteData, day_views: list[DayView]) -> Page:
    notes = tuple(note.card for note in site.notes[: site.config.home_notes])
    view = HomeView(day_views[-1] if day_views else None, notes, len(site.days), len(site.papers))
    return Page(
        PageMeta("home", HOME, site.config.title, site.config.description, (SITE_FEED, NOTES_FEED)),
        "home.html",
        view,
        "home page",
    )


def _archive_page(site: SiteData) -> Page:
    view = ArchiveView(
        group_days_by_month(site.days),
        len(site.days),
        len(site.papers),
        chart=papers_per_day(site.days),
    )
    return Page(
        PageMeta(
            "archive", ARCHIVE, "Archive", "Every listing day, by year and month.", (SITE_FEED,)
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
        PageMeta("topics", TOPICS, "Topics", "All topics with their paper counts.", (SITE_FEED,)),
        "topics.html",
        TopicsIndexView(summaries),
        "topics index",
    )


def _feeds_page(site: SiteData) -> Page:
    view = FeedsView(
        (
            FeedListing(SITE_FEED, "Every day's papers and every note, newest first.", HOME),
            FeedListing(NOTES_FEED, "Notes from contributors on the papers.", NOTES),
            FeedListing(WEEKS_FEED, "One item a week: the week's papers by topic.", WEEKS),
        ),
        tuple(
            FeedListing(topic_feed(topic), topic.description, topic_path(topic.slug))
            for topic in site.topics
        ),
        tuple(
            FeedListing(category_feed(c), c.description, category_path(c.slug))
            for c in site.categories
        ),
        saved=tuple(
            FeedListing(saved_feed(s.slug, s.title), s.description, saved_feed_path(s.slug))
            for s in site.config.saved_feeds
        ),
        opml=OPML,
        api=API,
    )
    return Page(
        PageMeta(
            "feeds",
            FEEDS,
            "Feeds",
            "Every RSS and Atom feed of the site, with addresses to copy into a feed reader.",
            (SITE_FEED, NOTES_FEED),
        ),
        "feeds.html",
        view,
        "feeds page",
    )


def _search_page(site: SiteData) -> Page:
    return Page(
        PageMeta(
            "search",
            SEARCH,
            "Search",
            "Search the titles, authors and abstracts of the papers and the text of the notes.",
            (SITE_FEED,),
        ),
        "search.html",
        SearchView(SEARCH_BUNDLE, len(site.papers), len(site.notes)),
        "search page",
    )


def _topic_pages(site: SiteData, cards: _Cards) -> list[Page]:
    pages = []
    for topic in site.topics:
        ids = papers_in_topic(topic.slug, site.papers, site.days)
        chunks = paginate(ids, site.config.topic_page_size)
        numbers = tuple((n, topic_path(topic.slug, n)) for n in range(1, len(chunks) + 1))
        feed = topic_feed(topic)
        chart = papers_over_time(
            topic.name,
            (site.papers[pid].first_listed for pid in ids),
            [day.date for day in site.days],
        )
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
                tuple(cards.slot(pid) for pid in chunk),
                pagination,
                feed,
                chart=chart,
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


def paper_digests(papers: Mapping[str, Paper]) -> dict[str, bytes]:
    """Every paper's paper_digest, by id."""
    return {paper_id: paper_digest(paper) for paper_id, paper in papers.items()}


def paper_digest(paper: Paper) -> bytes:
    """A digest of a paper: its record, topics and days."""
    return hashlib.sha256(pickle.dumps(paper, protocol=5)).digest()


class PaperPages:
    """One page per paper, each made when asked for."""

    def __init__(
        self,
        site: SiteData,
        cards: _Cards,
        notes_by_paper: Mapping[str, list[NoteCard]],
        paper_digests: Mapping[str, bytes],
    ):
        self._site = site
        self._paper_digests = paper_digests
        self._cards = cards
        self._ids = list(site.papers)
        self._notes = notes_by_paper
        self._topic_feeds = {topic.slug: topic_feed(topic) for topic in site.topics}
        # name -> (its place among the site's categories, its feed)
        self._category_feeds = {
            c.name: (i, category_feed(c)) for i, c in enumerate(site.categories)
        }
        self._metas: list[PageMeta] | None = None
        self._card_digests: dict[str, bytes] = {}
        self._shared: bytes | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def source(self, index: int) -> str:
        return f"paper {self._ids[index]!r}"

    def attachments(self, index: int) -> tuple[str, ...]:
        paper_id = self._ids[index]
        return cite_bib(paper_id), cite_json(paper_id)

    def input_digest(self, index: int) -> bytes:
        """A digest of everything paper page `index` is made from: its paper and what its
        card shows, the notes on it, its topic reasons, the cards of its related papers and
        what all paper pages share (the configuration, topics and categories). Equal
        digests make equal views, so the page can be kept without making its view; the
        render key adds the template and the builder's code."""
        site = self._site
        paper_id = self._ids[index]
        related = site.related.get(paper_id, ())
        own = (paper_id, self._notes.get(paper_id, ()), site.reasons.get(paper_id, ()), related)
        digest = hashlib.sha256(self._shared_digest())
        digest.update(self._card_digest(paper_id))
        digest.update(pickle.dumps(own, protocol=5))
        for other in related:
            digest.update(self._card_digest(other))
        return digest.digest()

    def card_inputs(self, paper_id: str) -> bytes:
        """A digest of what a paper's card is made from: the paper, its note count, and
        the topics and categories its links name (with the configuration)."""
        return self._shared_digest() + self._card_digest(paper_id)

    def _card_digest(self, paper_id: str) -> bytes:
        """What a paper's card is made from besides what all cards share: the paper and its
        note count."""
        found = self._card_digests.get(paper_id)
        if found is None:
            paper = self._paper_digests.get(paper_id)
            if paper is None:
                paper = paper_digest(self._site.papers[paper_id])
            note_count = self._cards.note_count(paper_id).to_bytes(8, "little")
            found = hashlib.sha256(paper + note_count).digest()
            self._card_digests[paper_id] = found
        return found

    def _shared_digest(self) -> bytes:
        if self._shared is None:
            site = self._site
            shared = (site.config, site.notes_folder, site.topics, site.categories)
            self._shared = hashlib.sha256(pickle.dumps(shared, protocol=5)).digest()
        return self._shared

    def meta(self, index: int) -> PageMeta:
        if self._metas is None:  # asked of every page twice a build: made once
            self._metas = [self._make_meta(i) for i in range(len(self._ids))]
        return self._metas[index]

    def _make_meta(self, index: int) -> PageMeta:
        site = self._site
        paper = site.papers[self._ids[index]]
        feeds = tuple(self._topic_feeds[slug] for slug in paper.topics)
        known = self._category_feeds
        feeds += tuple(
            feed for _, feed in sorted(known[n] for n in set(paper.record.categories) if n in known)
        )
        return PageMeta(
            "paper",
            paper_path(paper.id),
            paper.record.title,
            _first_sentence(paper.record.abstract),
            (*feeds, SITE_FEED),
        )

    def page(self, index: int) -> Page:
        site, cards = self._site, self._cards
        paper_id = self._ids[index]
        paper = site.papers[paper_id]
        card = cards.paper(paper_id)
        write_note = new_note_url(
            site.config, site.notes_folder, paper_id, card.title, paper.first_listed
        )
        view = PaperView(
            card,
            tuple(self._notes.get(paper_id, ())),
            paper.record.arxiv,
            paper.record.url,
            write_note,
            related=tuple(cards.paper(other) for other in site.related.get(paper_id, ())),
            arxiv_pdf=pdf_url(eprint) if (eprint := arxiv_id(paper.record.arxiv or "")) else None,
            bibtex=paper_bibtex(paper_id, paper.record, paper.first_listed),
            citation=paper_citation(
                paper_id,
                paper.record,
                paper.first_listed,
                site.config.absolute_url(card.url_path),
                cite_bib(paper_id),
                cite_json(paper_id),
            ),
            topic_reasons=tuple(
                (cards.topic(slug), reasons) for slug, reasons in site.reasons.get(paper_id, ())
            ),
        )
        return Page(self.meta(index), "paper.html", view, self.source(index))


def _note_pages(site: SiteData, cards: _Cards) -> list[Page]:
    pages = [
        Page(
            PageMeta(
                "notes",
                NOTES,
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
            tuple(cards.slot(pid) for pid in note.papers if pid in site.papers),
            tuple(cards.topic(slug) for slug in note.topics),
            edit_url(site.config, note.repo_path) if note.repo_path else None,
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


def _first_sentence(text: str, limit: int = 200) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"
