"""What the search index holds: one record per paper and per note, made from the site's data.

The records hold what Pagefind once read from the built pages: a paper's title, authors and
abstract, a note's title and text, each with its (first) day and its topics' names, as the
pages show them. They are grouped into shards, each indexed on its own (builder.search) by a
Pagefind process whose memory grows with the shard (about 135 KB a record, measured), so a
shard holds at most SHARD_PAPERS papers or SHARD_NOTES notes whatever the site's size. The
papers are put in shards oldest first (by first day, then URL), each filled before the next:
a new day adds papers after all others, so it changes the newest shard alone (or starts one)
and the older shards keep their papers, their files and their cache. Notes likewise, by date.

A shard's `key` stands for all its records are made from, so that an unchanged shard is
recognised without making its records: they are made only when it is indexed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pickle
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import unescape
from typing import TypeVar

from builder.grouping import Paper
from builder.paths import note_path, paper_path
from builder.views import NoteInput, SiteData

T = TypeVar("T")

AUTHORS_SHOWN = 40  # as the paper page's byline: more authors are cut to three and "et al."
# Records of a shard at most. Pagefind needs about 20 MB + 135 KB a paper record while it
# writes a shard (370-390 MB for 2,500), and about 550 MB for 1,000 of the benchmark's notes.
SHARD_PAPERS = 2500
SHARD_NOTES = 700
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
    """Papers or notes indexed together into one Pagefind bundle, in `name/` under the
    bundle; `records(shard, site)` makes their records."""

    name: str  # "papers-0003" (the third oldest) or "notes-0001"
    key: bytes  # a digest of all the records are made from: equal keys, equal records
    papers: tuple[Paper, ...] = ()  # by first day and id: the same records, the same files
    notes: tuple[NoteInput, ...] = ()  # by date and slug


def paper_shards(site: SiteData) -> tuple[Shard, ...]:
    """The papers in shards of SHARD_PAPERS, filled oldest first; the newest first."""
    names = sorted(topic_names(site).items())
    papers = sorted(site.papers.values(), key=lambda paper: (paper.days[0], paper.id))
    return tuple(
        reversed(
            [
                Shard(f"papers-{number:04}", _key(names, _paper_rows(chunk)), papers=chunk)
                for number, chunk in enumerate(_chunks(papers, SHARD_PAPERS), start=1)
            ]
        )
    )


def note_shards(site: SiteData) -> tuple[Shard, ...]:
    """The notes in shards of SHARD_NOTES, filled oldest first; the newest first."""
    names = sorted(topic_names(site).items())
    notes = sorted(site.notes, key=lambda note: (note.card.date, note.card.slug))
    return tuple(
        reversed(
            [
                Shard(f"notes-{number:04}", _key(names, _note_rows(chunk)), notes=chunk)
                for number, chunk in enumerate(_chunks(notes, SHARD_NOTES), start=1)
            ]
        )
    )


def records(shard: Shard, site: SiteData) -> tuple[SearchRecord, ...]:
    """The shard's records, in its order."""
    names = topic_names(site)
    papers = (paper_record(paper, names, long_date(paper.first_listed)) for paper in shard.papers)
    return (*papers, *(note_record(note, names) for note in shard.notes))


def topic_names(site: SiteData) -> dict[str, str]:
    return {topic.slug: topic.name for topic in site.topics}


def _chunks(items: Sequence[T], size: int) -> Iterator[tuple[T, ...]]:
    for start in range(0, len(items), size):
        yield tuple(items[start : start + size])


def _paper_rows(papers: Iterable[Paper]) -> list[tuple[object, ...]]:
    """What paper_record makes a paper's record from."""
    return [
        (p.id, p.record.title, p.record.abstract, p.record.authors, p.topics, p.days[0])
        for p in papers
    ]


def _note_rows(notes: Iterable[NoteInput]) -> list[tuple[object, ...]]:
    """What note_record makes a note's record from."""
    return [(n.card.slug, n.card.title, n.card.date, n.body_html, n.topics) for n in notes]


def _key(names: list[tuple[str, str]], rows: list[tuple[object, ...]]) -> bytes:
    """A digest of the topics' names and the rows (builder.search's salt covers the code that
    makes records of them). Pickled, which is fast, without pickle's memo, so that equal
    values give equal bytes however their strings are shared (the memo's records share them
    otherwise than freshly read ones)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: nothing here refers to itself
    pickler.dump((names, rows))
    return hashlib.sha256(buffer.getbuffer()).digest()


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
