"""What the search index holds: one record per paper and per note, made from the site's data.

The records hold what Pagefind once read from the built pages: a paper's title, authors and
abstract, a note's title and text, each with its (first) day and its topics' names, as the
pages show them. They are grouped into shards, each indexed on its own (builder.search): the
notes, and the papers by their first day, a shard per quarter of the newest year and one
per year before it. A new day or a changed note re-indexes one shard, not the site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import unescape

from builder.grouping import Paper
from builder.paths import note_path, paper_path
from builder.views import NoteInput, SiteData

NOTES_SHARD = "notes"
AUTHORS_SHOWN = 40  # as the paper page's byline: more authors are cut to three and "et al."
_SENTENCE_END = (".", "!", "?", ":", ";", "…")


@dataclass(frozen=True, slots=True)
class SearchRecord:
    """One search result: a page of the site and the words that find it."""

    url: str  # the page's site path from the root, as Pagefind wants it: "/papers/x/"
    title: str
    day: str  # as the pages write it: "March 11, 2025"
    topics: tuple[str, ...]  # topic names: the result's `topic` filter values
    content: str  # what is searched, and what excerpts are cut from


@dataclass(frozen=True, slots=True)
class Shard:
    """Records indexed together into one Pagefind bundle, in `name/` under the bundle."""

    name: str  # "notes" or "papers-2025-q3"
    records: tuple[SearchRecord, ...]  # in URL order, so the same records give the same files


def search_shards(site: SiteData) -> tuple[Shard, ...]:
    """The site's records in shards: papers by quarter, newest first, then the notes."""
    return (*paper_shards(site), *note_shards(site))


def paper_shards(site: SiteData) -> tuple[Shard, ...]:
    """The papers by the quarter of their first day in the newest year, by year before it:
    new papers re-index one quarter, and the browser loads few bundles for a long archive."""
    topic_names = {topic.slug: topic.name for topic in site.topics}
    day_names = {day.date: long_date(day.date) for day in site.days}  # days have many papers
    newest = max((day.date.year for day in site.days), default=0)
    shards: dict[str, list[SearchRecord]] = {}
    for paper in site.papers.values():
        record = paper_record(paper, topic_names, day_names[paper.first_listed])
        shards.setdefault(paper_shard(paper.first_listed, newest), []).append(record)
    return tuple(_shard(name, shards[name]) for name in sorted(shards, reverse=True))


def note_shards(site: SiteData) -> tuple[Shard, ...]:
    """All notes in one shard: they are few beside the papers."""
    if not site.notes:
        return ()
    topic_names = {topic.slug: topic.name for topic in site.topics}
    return (_shard(NOTES_SHARD, (note_record(note, topic_names) for note in site.notes)),)


def paper_shard(first_day: dt.date, newest_year: int) -> str:
    """The shard of papers first listed on `first_day`: "papers-2025-q3", or "papers-2024"
    before the newest year."""
    if first_day.year < newest_year:
        return f"papers-{first_day.year}"
    return f"papers-{first_day.year}-q{(first_day.month - 1) // 3 + 1}"


def paper_record(paper: Paper, topic_names: Mapping[str, str], day: str) -> SearchRecord:
    """`day`: the paper's first day, as the pages write it."""
    record = paper.record
    return SearchRecord(
        url="/" + paper_path(paper.id),
        title=record.title,
        day=day,
        topics=tuple(topic_names[slug] for slug in paper.topics),
        content=sentences((record.title, byline(record.authors), record.abstract)),
    )


def note_record(note: NoteInput, topic_names: Mapping[str, str]) -> SearchRecord:
    card = note.card
    return SearchRecord(
        url="/" + note_path(card.slug),
        title=card.title,
        day=long_date(card.date),
        topics=tuple(topic_names[slug] for slug in note.topics),
        content=sentences((card.title, *text_blocks(note.body_html))),
    )


def long_date(day: dt.date) -> str:
    """A day as the pages write it (builder.render's `long_date` filter)."""
    return f"{day:%B} {day.day}, {day.year}"


def byline(authors: tuple[str, ...]) -> str:
    """The authors as the paper page lists them."""
    if len(authors) > AUTHORS_SHOWN:
        return ", ".join(authors[:3]) + " et al."
    return ", ".join(authors)


def sentences(blocks: Iterable[str]) -> str:
    """Blocks of text run together, each ended as a sentence, so excerpts read well and no
    two blocks' words merge into one phrase."""
    parts = []
    for block in blocks:
        text = block.strip()
        if text:
            parts.append(text if text.endswith(_SENTENCE_END) else text + ".")
    return " ".join(parts)


def text_blocks(html: str) -> list[str]:
    """The text of a note's HTML, one string per block: paragraph, heading, list item…

    Tags are cut with a pattern, not parsed: the HTML is builder.markdown's sanitized
    output, well formed with quoted attribute values, and a parser is ten times slower.
    """
    marked = _TAG.sub(_tag_break, html)
    texts = (_SPACE.sub(" ", unescape(block)).strip() for block in marked.split(_BREAK))
    return [text for text in texts if text]


def _shard(name: str, records: Iterable[SearchRecord]) -> Shard:
    return Shard(name, tuple(sorted(records, key=lambda record: record.url)))


_BREAK = "\x1e"  # where a block starts or ends; not a character of text
_TAG = re.compile(r"""</?([A-Za-z][A-Za-z0-9]*)\b(?:[^>"']|"[^"]*"|'[^']*')*>""")
_SPACE = re.compile(r"\s+")
# Elements whose start and end break the text: the words on either side are not one phrase.
_BLOCKS = frozenset(
    "address article aside blockquote caption dd details div dl dt figcaption figure footer "  # noqa: SIM905
    "h1 h2 h3 h4 h5 h6 header hr li ol p pre section summary table td th tr ul".split()
)


def _tag_break(tag: re.Match[str]) -> str:
    name = tag[1].lower()
    return _BREAK if name in _BLOCKS else " " if name == "br" else ""
