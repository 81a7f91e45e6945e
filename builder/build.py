"""The build, top to bottom: gather and check everything, make page models, render, write.

All input is read and validated before the first byte of output, so every page sees the
same consistent picture and a bad input never leaves a half-written site.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from builder.api import SCHEMA_DIR, api_files, schema_bytes
from builder.cache import (
    Manifest,
    cache_path,
    code_fingerprint,
    fingerprint,
    load_manifest,
    manifest_text,
    memo_path,
    render_salt,
    search_cache_path,
    up_to_date,
)
from builder.categories import papers_in_category, site_categories
from builder.config import SiteConfig, load_config
from builder.errors import ContentError, Problem, display_path
from builder.feeds import Feed, feed_files, make_feeds
from builder.grouping import make_papers, merge_listings, topic_counts
from builder.lock import site_lock
from builder.markdown import LinkForm, render_markdown
from builder.memo import Memo, digest
from builder.notes import Note, check_note_references, load_notes
from builder.opml import opml_file
from builder.output import OutputFile, SiteWriter, check_out_dir, recover, remove_leftovers
from builder.pages import make_pages, paper_digests
from builder.paths import API_SCHEMAS, note_path, paper_path, site_paths
from builder.progress import Progress
from builder.records import DayListing, load_day_listings
from builder.related import related_papers
from builder.render import (
    DEFAULT_THEME,
    Renderer,
    Theme,
    relative_url,
    resolve_theme,
    static_names,
)
from builder.search import CachedFile, prune_search_cache, search_bundle
from builder.subscriptions import (
    feed_phrases,
    match_saved_feeds,
    phrases_mentioned,
    topic_problems,
)
from builder.symlinks import links_leaving
from builder.topics import (
    Pin,
    Taxonomy,
    TopicAssignment,
    classify,
    load_taxonomy,
    merge_pins,
    pin_problems,
    record_pins,
)
from builder.topics_why import page_reasons
from builder.views import NoteCard, NoteInput, PageMeta, SiteData, TopicInfo
from builder.workers import render_pages

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BuildSummary:
    out_dir: Path
    pages: int
    feeds: int
    papers: int
    notes: int
    seconds: float
    rendered: int = 0  # pages rendered afresh
    reused: int = 0  # pages whose inputs were unchanged, taken from the current site
    written: int = 0  # files written; the others were unchanged and linked
    up_to_date: bool = False  # nothing changed: the site was left as it was

    def __str__(self) -> str:
        site = (
            f"{self.pages} pages and {self.feeds} feeds ({self.papers} papers, {self.notes} notes)"
        )
        if self.up_to_date:
            return f"Up to date: {site} in {self.out_dir}, nothing to do ({self.seconds:.1f} s)"
        return (
            f"Built {site} into {self.out_dir} in {self.seconds:.1f} s: "
            f"{self.rendered} pages rendered, {self.reused} reused, {self.written} files written"
        )


@dataclass(frozen=True, slots=True)
class Content:
    """Everything read from the content folder, validated."""

    config: SiteConfig
    listings: tuple[DayListing, ...]
    taxonomy: Taxonomy
    notes: tuple[Note, ...]
    folder: Path  # absolute; its parent is the project (usually the repository) root
    records_key: str = ""  # the day files' names and bytes, for the memo's keys

    def repo_path(self, path: Path) -> str:
        """A content file's path as the repository names it."""
        try:
            return path.absolute().relative_to(self.folder.parent).as_posix()
        except ValueError:
            return path.as_posix()


def build_site(
    content_dir: Path,
    out_dir: Path | None = None,
    base_url: str | None = None,
    drafts: bool = False,
    search: bool = True,
    clean: bool = False,
    related: bool = True,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> BuildSummary:
    """Build the site into `out_dir`. `search` also indexes it (builder.search), `related`
    lists related papers on paper pages, `clean` ignores the build cache, `jobs` is the
    number of render workers (default: one per core); `progress` hears of each stage."""
    started = time.perf_counter()
    progress = progress or Progress()
    content_dir = Path(content_dir)
    out_dir = Path(out_dir) if out_dir is not None else content_dir.absolute().parent / "site"
    check_out_dir(out_dir, content_dir)
    site_dir = out_dir.absolute()
    with site_lock(out_dir):  # one build at a time, from reading content to the commit
        recover(site_dir)  # finish the commit of a build killed while committing
        remove_leftovers(site_dir)  # the staging folders of builds killed before that
        manifest_file = cache_path(content_dir.absolute().parent, out_dir)
        previous = None if clean else load_manifest(manifest_file)
        options = (base_url, drafts, search, related)
        with progress.stage("inputs"):
            inputs = fingerprint(_input_folders(content_dir, base_url), options)
            if up_to_date(previous, inputs, site_dir):
                assert previous is not None
                return _unchanged_summary(out_dir, previous, time.perf_counter() - started)
        project_dir = content_dir.absolute().parent
        memo = Memo(None if clean else memo_path(project_dir), code_fingerprint())
        with progress.stage("load"):
            content, theme, site = prepare_site(content_dir, base_url, drafts, memo)
        if related:  # they only shape pages, never validity, so `check` does without them
            with progress.stage("related"):
                papers = site.papers.values()
                found = memo.get("related", content.records_key, lambda: related_papers(papers))
                site = replace(site, related=found)
        compiled = None if clean else project_dir / ".cache" / "templates"
        renderer = Renderer(theme, content.config, search=search, compiled_dir=compiled)
        salt = render_salt(theme, content.config, (search, related))
        writer = SiteWriter(site_dir, previous.files if previous is not None else None)
        try:
            rendered, pages = render_site(site, renderer, writer, salt, progress, jobs, memo)
            bundle: dict[str, CachedFile] = {}
            search_cache = _CacheFolder(search_cache_path(project_dir, out_dir))
            if search:
                with progress.stage("search"), search_cache as folder:
                    bundle = search_bundle(site, folder)
                    for path, file in bundle.items():  # in path order
                        writer.add_copy(path, file.path, file.sha, "search index")
            with progress.stage("write"):
                manifest = Manifest(inputs, writer.files)
                writer.commit((manifest_file, manifest_text(manifest)))
        except BaseException:
            writer.discard()
            raise
        memo.prune()
        if search and search_cache.kept:
            prune_search_cache(search_cache_path(project_dir, out_dir), bundle)
    names = writer.files.keys()
    return BuildSummary(
        out_dir,
        pages,
        sum(1 for name in names if name.endswith(("feed.xml", "atom.xml"))),
        len(site.papers),
        len(site.notes),
        time.perf_counter() - started,
        rendered,
        pages - rendered,
        len(writer.staged),
    )


class _CacheFolder(contextlib.AbstractContextManager[Path]):
    """`folder`, made if needed; a temporary folder for this build where it cannot be made
    (a cache only saves time: an unusable one costs the next build its shortcuts)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.kept = True
        self._temporary: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if os.access(self.folder, os.W_OK | os.X_OK):
                return self.folder
        except OSError:
            pass
        self.kept = False
        self._temporary = tempfile.TemporaryDirectory(prefix="litdigest-cache-")
        return Path(self._temporary.name)

    def __exit__(self, *exc: object) -> None:
        if self._temporary is not None:
            self._temporary.cleanup()


def _input_folders(content_dir: Path, base_url: str | None) -> list[Path]:
    """Every folder a build reads: content, the theme folders and the API schemas."""
    try:
        config = load_config(content_dir, base_url)
        themes = list(resolve_theme(config, content_dir.absolute().parent).folders)
    except ContentError:  # the build itself will report it
        themes = [DEFAULT_THEME]
    folders = [content_dir.absolute(), *themes]
    return [*folders, SCHEMA_DIR] if SCHEMA_DIR.is_dir() else folders


def _unchanged_summary(out_dir: Path, manifest: Manifest, seconds: float) -> BuildSummary:
    pages = feeds = papers = notes = 0
    for name in manifest.files:
        if name.endswith(".html"):
            pages += 1
            if name.endswith("/index.html"):
                papers += name.startswith("papers/")
                notes += name.startswith("notes/") and name.count("/") == 2
        elif name.endswith(("feed.xml", "atom.xml")):
            feeds += 1
    return BuildSummary(out_dir, pages, feeds, papers, notes, seconds, 0, pages, 0, up_to_date=True)


def prepare_site(
    content_dir: Path, base_url: str | None, drafts: bool, memo: Memo | None = None
) -> tuple[Content, Theme, SiteData]:
    """Load and check all content and the theme, then assemble the site; every problem
    raised in one go. `memo` keeps slow steps' results between builds (builder.memo)."""
    memo = memo or Memo(None)
    problems: list[Problem] = []
    content = _gather(problems, lambda: load_content(content_dir, base_url, drafts, problems, memo))
    theme = site = None
    if content is not None:
        project_dir = content_dir.absolute().parent
        theme = _gather(problems, lambda: resolve_theme(content.config, project_dir))
    if content is not None and theme is not None:
        site = _gather(problems, lambda: assemble_site(content, static_names(theme), memo))
    if any(p.severity == "error" for p in problems) or not (content and theme and site):
        raise ContentError(problems)
    return content, theme, site


def load_content(
    content_dir: Path,
    base_url: str | None,
    drafts: bool,
    problems: list[Problem],
    memo: Memo | None = None,
) -> Content:
    """Read config, records, topics and notes; problems are added to `problems`, and the
    content is returned whenever all four could be read, so later checks can still run."""
    if not content_dir.is_dir():
        raise ContentError(
            [
                Problem(
                    content_dir.as_posix(),
                    "content folder not found",
                    hint="run from the project folder or pass --content DIR",
                )
            ]
        )
    if leaving := links_leaving(content_dir, "content"):
        raise ContentError(leaving)
    config = _gather(problems, lambda: load_config(content_dir, base_url))
    memo = memo or Memo(None)
    listings = _gather(problems, lambda: load_day_listings(content_dir / "papers", memo))
    taxonomy = _gather(problems, lambda: load_taxonomy(content_dir))
    notes = _gather(problems, lambda: load_notes(content_dir / "notes", drafts, memo))
    if listings is not None and taxonomy is not None and notes is not None:
        paper_ids = {record.id for listing in listings for record in listing.records}
        topic_slugs = {topic.slug for topic in taxonomy.topics}
        problems += check_note_references(notes, paper_ids, topic_slugs)
    if config is not None and taxonomy is not None:
        problems += topic_problems(config.saved_feeds, taxonomy.slugs, config.path or "site.yaml")
    if config is None or listings is None or taxonomy is None or notes is None:
        raise ContentError([])
    # Every listing was read from a regular file, so each has a key.
    records_key = digest(*(memo.file_key(listing.path) or "" for listing in listings))
    return Content(config, listings, taxonomy, notes, content_dir.absolute(), records_key)


def _gather(problems: list[Problem], load: Callable[[], T]) -> T | None:
    try:
        return load()
    except ContentError as error:
        problems.extend(error.problems)
        return None


def assemble_site(
    content: Content, static_files: Sequence[str] = (), memo: Memo | None = None
) -> SiteData:
    """Classify papers, group them by day, and render note bodies: the site's whole picture.

    Notes' links are checked against every path the site will have (`static_files` are the
    theme's assets, which notes may link too). Classifying, matching saved feeds and
    rendering notes are taken from `memo` while what they read is unchanged."""
    memo = memo or Memo(None)
    records, days = merge_listings(content.listings)
    pins = merge_pins(record_pins(content.listings), note_pins(content.notes))
    assignments = classify_listings(content, pins, memo)
    # What the papers are made of (day files, taxonomy, pins): the key of what pages,
    # feeds and the API make of them alone.
    classified_key = digest(content.records_key, repr(content.taxonomy), repr(sorted(pins.items())))
    feeds = content.config.saved_feeds
    phrases = repr(feed_phrases(feeds))
    mentioned = (
        by_listing(
            content.listings,
            memo,
            "mentions",
            lambda _: phrases,
            lambda listing: phrases_mentioned(feeds, listing.records),
        )
        if feeds
        else {}
    )
    # The taxonomy's own slug strings, whether an assignment was made or read back: page
    # digests pickle papers whole, and a pickle writes a string met twice as a reference.
    slugs = {slug: slug for slug in content.taxonomy.slugs}
    chosen = {pid: tuple(map(slugs.__getitem__, a.topics)) for pid, a in assignments.items()}
    papers = make_papers(records, days, chosen)
    topics = tuple(TopicInfo(t.slug, t.name, t.description) for t in content.taxonomy.topics)
    topic_pages = {
        slug: math.ceil(count / content.config.topic_page_size)
        for slug, count in topic_counts(papers.values()).items()
    }
    categories = site_categories(papers)
    size = content.config.topic_page_size
    category_pages = {
        c.slug: math.ceil(len(papers_in_category(c.name, papers, days)) / size) for c in categories
    }
    known = site_paths(
        (day.date for day in days),
        papers,
        topics,
        topic_pages,
        (note.slug for note in content.notes),
        static_files,
        categories,
        category_pages,
        saved_feeds=((feed.slug, feed.title) for feed in content.config.saved_feeds),
    )
    problems: list[Problem] = []
    # A note's rendering reads the site only through which papers and pages exist: it is
    # kept with those answers, and reused while they still hold (a new day keeps it).
    site = _Site(frozenset(papers), known)
    config_key = digest(repr(content.config), str(content.folder), os.getcwd())
    notes = []
    for note in content.notes:
        made, found, _answers = memo.get(
            "note",
            digest(config_key, repr(note)),
            partial(_note_input_alone, note, content, site),
            valid=lambda stored: site.answers_hold(stored[2]),
        )
        notes.append(made)
        problems += found
    if problems:
        raise ContentError(problems)
    notes_folder = content.repo_path(content.folder / "notes")
    return SiteData(
        content.config,
        papers,
        days,
        topics,
        tuple(notes),
        notes_folder,
        categories=categories,
        saved=match_saved_feeds(feeds, papers, days, mentioned),
        reasons=page_reasons(assignments, pins, content.notes),
        papers_key=digest(classified_key, repr(content.config.saved_feeds)),
    )


def classify_listings(
    content: Content, pins: Mapping[str, tuple[Pin, ...]], memo: Memo | None = None
) -> dict[str, TopicAssignment]:
    """Every paper's topics, by id; a day file's are kept under its bytes, the taxonomy and
    its papers' pins, so a new day classifies only its own papers."""
    problems = pin_problems(pins, content.taxonomy)
    if problems:
        raise ContentError(problems)
    rules = digest(repr(content.taxonomy))

    def key(listing: DayListing) -> str:
        own = ((r.id, pins[r.id]) for r in listing.records if r.id in pins)
        return digest(rules, repr(sorted(own)))

    def made(listing: DayListing) -> dict[str, TopicAssignment]:
        own = {r.id: pins[r.id] for r in listing.records if r.id in pins}
        return classify(listing.records, content.taxonomy, own)

    found = by_listing(content.listings, memo or Memo(None), "classify", key, made)
    return dict(sorted(found.items()))


def by_listing(
    listings: Iterable[DayListing],
    memo: Memo,
    kind: str,
    key: Callable[[DayListing], str],
    make: Callable[[DayListing], Mapping[str, T]],
) -> dict[str, T]:
    """`make` of each day file's listing, by paper id, kept in `memo` under the file's bytes
    and `key`. A paper listed on several days takes its latest listing's, as its record is
    (`merge_listings`)."""
    found: dict[str, T] = {}
    for listing in sorted(listings, key=lambda listing: listing.date):
        stored = digest(memo.file_key(listing.path) or "", key(listing))
        found.update(memo.get(kind, stored, partial(make, listing)))
    return found


@dataclass(frozen=True, slots=True)
class _Site:
    """What a note's rendering may ask of the site: which papers and pages exist."""

    paper_ids: frozenset[str]
    known: frozenset[str]

    def answers_hold(self, answers: tuple[tuple[str, str, bool], ...]) -> bool:
        """Whether every ("paper" or "page", name, found) answer is still the same."""
        return all(
            (name in (self.paper_ids if kind == "paper" else self.known)) == found
            for kind, name, found in answers
        )


def _note_input_alone(
    note: Note, content: Content, site: _Site
) -> tuple[NoteInput, list[Problem], tuple[tuple[str, str, bool], ...]]:
    """`_note_input` with its own problems, and the answers about the site it used."""
    problems: list[Problem] = []
    asked: dict[tuple[str, str], bool] = {}

    def exists(kind: str, name: str) -> bool:
        found = asked[kind, name] = name in (site.paper_ids if kind == "paper" else site.known)
        return found

    made = _note_input(note, content, partial(exists, "paper"), partial(exists, "page"), problems)
    return made, problems, tuple((kind, name, found) for (kind, name), found in asked.items())


def _note_input(
    note: Note,
    content: Content,
    has_paper: Callable[[str], bool],
    has_page: Callable[[str], bool],
    problems: list[Problem],
) -> NoteInput:
    """A note's card and its body written twice: links relative for its page, absolute for
    feeds. Problems are collected so every note's mistakes are reported in one run."""
    page = note_path(note.slug)
    absolute = content.config.absolute_url
    rendered = render_markdown(
        note.body,
        path=note.path,
        first_line=note.body_line,
        paper_url=lambda pid: paper_path(pid) if has_paper(pid) else None,
        site_url=lambda path: path if has_page(path) else None,
        page_path=page,
        base_url=content.config.base_url,
        forms=(LinkForm(partial(relative_url, page)), LinkForm(absolute, absolute(page))),
    )
    problems.extend(rendered.problems)
    card = NoteCard(
        note.slug,
        note.title,
        page,
        note.date,
        note.authors,
        note.summary or rendered.summary,
        note.draft,
    )
    return NoteInput(
        card,
        rendered.html,
        rendered.also[0],
        note.papers,
        note.topics,
        content.repo_path(note.path),
    )


def render_site(
    site: SiteData,
    renderer: Renderer,
    writer: SiteWriter,
    salt: str = "",
    progress: Progress | None = None,
    jobs: int | None = None,
    memo: Memo | None = None,
) -> tuple[int, int]:
    """Every file of the site through `writer`: pages, feeds, sitemap, robots.txt and
    static assets. Returns how many pages were rendered afresh and how many there are.

    A page whose render key (`salt` and its view) is the one the current site's file was
    recorded with, and whose file is intact, is kept as it is (builder.workers); so is a
    feed or an API file whose inputs are unchanged. `memo` keeps feed items between builds.
    """
    progress = progress or Progress()
    with progress.stage("pages"):
        digests = None
        if memo is not None and site.papers_key:  # the papers as pages' keys name them
            made = partial(paper_digests, site.papers)
            digests = memo.get("paper-digests", site.papers_key, made)
        pages = make_pages(site, search=renderer.search, paper_digests=digests)
    with progress.stage("render", total=len(pages)) as stage:
        rendered = render_pages(pages, renderer, salt, writer, stage.advance, jobs)
    with progress.stage("feeds"):
        remember = _remembered(memo, salt) if salt and memo is not None else None
        feeds = make_feeds(site, renderer.render_fragment, remember)
        kept = _KeptFiles(writer)
        for feed in feeds:
            make = partial(feed_files, feed, site.config)
            kept.add(_feed_key(salt, feed), f"feed {feed.ref.rss}", make)
        writer.add(opml_file(feeds, site.config))
    with progress.stage("data"):
        schemas = (schema_bytes(name) for name in API_SCHEMAS)
        api_key = digest(salt, "api", site.papers_key, *schemas) if salt and site.papers_key else ""
        kept.add(api_key, "the JSON API", partial(api_files, site))
        metas = (pages.meta(index) for index in range(len(pages)))
        indexable = [meta for meta in metas if meta.indexable]
        sitemap_key = digest(salt, "sitemap", pickle.dumps(indexable, protocol=5)) if salt else ""
        kept.add(sitemap_key, "sitemap", partial(_sitemap, renderer, indexable))
        writer.add(OutputFile("robots.txt", renderer.render_text("robots.txt"), "robots.txt"))
        for file in renderer.static_files():
            writer.add(file)
    return rendered, len(pages)


def _sitemap(renderer: Renderer, pages: list[PageMeta]) -> list[OutputFile]:
    return [OutputFile("sitemap.xml", renderer.render_text("sitemap.xml", pages=pages), "sitemap")]


def _remembered(memo: Memo, salt: str) -> Callable[[str, str, Callable[[], T]], T]:
    """`memo.get` with the theme and configuration (`salt`) added to every key."""

    def remember(kind: str, key: str, make: Callable[[], T]) -> T:
        return memo.get(kind, digest(salt, key), make)

    return remember


def _feed_key(salt: str, feed: Feed) -> str:
    """What a feed's files are made from: the feed (at most `feed_items` entries) and `salt`."""
    return digest(salt, pickle.dumps(feed, protocol=5)) if salt else ""


class _KeptFiles:
    """Files of the current site by the key they were made from (non-page files: feeds, the
    API), so that files whose key is unchanged are kept without being made again."""

    def __init__(self, writer: SiteWriter):
        self._writer = writer
        self._by_key: dict[str, list[str]] = {}
        for path, record in writer.previous.items():
            if record.render_key:
                self._by_key.setdefault(record.render_key, []).append(path)

    def add(self, key: str, source: str, make: Callable[[], list[OutputFile]]) -> None:
        """The files `make` returns, made from `key`: the current site's are kept without
        making them while every file recorded with `key` is intact. A key names everything
        its files are made from (builder code included), so they would be the same files."""
        writer = self._writer
        kept = self._by_key.get(key, []) if key else []
        if kept and all(writer.reusable(path, key) for path in kept):
            for path in kept:
                writer.claim(path, source)
                writer.keep(path, key)
            return
        for file in make():
            writer.add(file, key)


def note_pins(notes: Iterable[Note]) -> dict[str, tuple[Pin, ...]]:
    """A note's `topics:` pin every paper it discusses to those topics."""
    pins: dict[str, list[Pin]] = {}
    for note in notes:
        if not note.topics:
            continue
        shown = display_path(note.path)
        source = f"note {shown}"
        for paper_id in note.papers:
            for index, slug in enumerate(note.topics):
                line = note.topic_lines[index] if index < len(note.topic_lines) else None
                pins.setdefault(paper_id, []).append(Pin(slug, source, shown, line))
    return {paper_id: tuple(found) for paper_id, found in pins.items()}
