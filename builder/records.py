"""Paper records: one YAML file per listing day under content/papers/."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from builder import arxiv
from builder.errors import ContentError, ProblemList
from builder.memo import Memo
from builder.pickling import pickled_by_fields
from builder.yamlio import MAX_FILE_BYTES, LineDict, load_yaml_file

LINK_KINDS = ("code", "project", "model", "dataset", "space", "other")
KNOWN_KEYS = (
    "id",
    "title",
    "authors",
    "arxiv",
    "categories",
    "url",
    "upvotes",
    "topics",
    "links",
    "abstract",
)
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DAY_FILE_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.yaml$")


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    kind: str  # one of LINK_KINDS, the very string of that tuple

    def __reduce__(self) -> tuple[Callable[[str, int], Link], tuple[str, int]]:
        """Pickled with its kind's number, so that a link read back has the same kind
        string as a link parsed afresh: page digests pickle a paper whole, and a pickle
        writes a string met twice (the kind `other`, the topic `other`) as a reference."""
        return _link, (self.url, LINK_KINDS.index(self.kind))


def _link(url: str, kind: int) -> Link:
    return Link(url, LINK_KINDS[kind])


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Record:
    """One paper as listed; `extra` keeps unknown keys in their original order."""

    id: str
    title: str
    abstract: str
    links: tuple[Link, ...] = ()
    authors: tuple[str, ...] = ()
    arxiv: str | None = None
    url: str | None = None
    topics: tuple[str, ...] = ()  # a maintainer's pin
    upvotes: int | None = None
    categories: tuple[str, ...] = ()  # arXiv categories, the primary one first
    extra: tuple[tuple[str, Any], ...] = ()
    line: int | None = None  # where the record starts in its day file


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DayListing:
    """The papers listed on one day, in listing order."""

    date: dt.date
    path: Path
    records: tuple[Record, ...]


def normalised_title(title: str) -> str:
    """The identity of a paper's title: NFC, case-folded, whitespace collapsed."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", title).casefold().split())


def day_file_path(papers_dir: Path, day: dt.date) -> Path:
    return papers_dir / f"{day.isoformat()}.yaml"


def load_day_listings(papers_dir: Path, memo: Memo | None = None) -> tuple[DayListing, ...]:
    """Read every day file, checking all of them before raising; sorted by date. With a
    `memo`, a file whose bytes are unchanged since a build stored it is not parsed again."""
    memo = memo or Memo(None)
    problems = ProblemList()
    listings: list[DayListing] = []
    if not papers_dir.is_dir():
        return ()
    for path in sorted(papers_dir.iterdir()):
        if path.name.startswith(".") or path.suffix not in (".yaml", ".yml"):
            continue
        try:
            key = memo.file_key(path, MAX_FILE_BYTES)
            load = partial(load_day_file, path)
            listing = load() if key is None else memo.get("day-file", key, load)
        except ContentError as error:
            problems.extend(error.problems)
            continue
        listings.append(listing)
    _check_ids_across_days(listings, problems)
    problems.raise_if_any()
    return tuple(sorted(listings, key=lambda listing: listing.date))


def load_day_file(path: Path) -> DayListing:
    """Read and validate one `YYYY-MM-DD.yaml` day file."""
    problems = ProblemList()
    data = load_yaml_file(path)
    match = DAY_FILE_PATTERN.match(path.name)
    if not isinstance(data, dict):
        problems.add(path, "a day file must be a mapping with `date:` and `papers:`", 1)
        problems.raise_if_any()
    assert isinstance(data, LineDict)
    for key in data:
        if key not in ("date", "papers"):
            problems.add(
                path,
                f"unknown top-level key {key!r}",
                data.key_lines.get(key),
                hint="a day file has only `date:` and `papers:`",
            )
    day = data.get("date")
    date_line = data.key_lines.get("date", 1)
    if isinstance(day, str):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(day)
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        problems.add(path, "`date:` must be a date like 2025-09-08", date_line)
        day = dt.date.min
    if not match:
        problems.add(path, "a day file must be named YYYY-MM-DD.yaml after its date")
    elif day != dt.date.min and match.group(0) != f"{day.isoformat()}.yaml":
        problems.add(
            path,
            f"`date: {day.isoformat()}` does not match the file name",
            date_line,
            hint=f"rename the file to {day.isoformat()}.yaml",
        )
    raw_papers = data.get("papers")
    records: list[Record] = []
    if not isinstance(raw_papers, list):
        problems.add(path, "`papers:` must be a list of records", data.key_lines.get("papers", 1))
    else:
        seen: dict[str, int | None] = {}
        for index, raw in enumerate(raw_papers):
            record = parse_record(raw, path, index, problems)
            if record is None:
                continue
            if record.id in seen:
                problems.add(
                    path,
                    f"paper id {record.id!r} appears twice in this day",
                    record.line,
                    hint=f"first on line {seen[record.id]}",
                )
                continue
            seen[record.id] = record.line
            records.append(record)
    problems.raise_if_any()
    return DayListing(day, path, tuple(records))


def parse_record(raw: Any, path: Path, index: int, problems: ProblemList) -> Record | None:
    """Validate one record mapping; report every problem found, return None if unusable."""
    if not isinstance(raw, LineDict):
        problems.add(path, f"paper #{index + 1} must be a mapping with id, title, abstract")
        return None
    line = raw.line
    before = len(problems.errors)

    def where(key: str) -> int | None:
        return raw.key_lines.get(key, line)

    def text(key: str, required: bool) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                problems.add(path, f"paper #{index + 1} has no `{key}`", line)
            return None
        if not isinstance(value, str) or not value.strip():
            problems.add(path, f"`{key}` must be non-empty text", where(key))
            return None
        return value.strip()

    record_id = text("id", True)
    if record_id is not None and not ID_PATTERN.match(record_id):
        problems.add(
            path,
            f"id {record_id!r} is not a slug",
            where("id"),
            hint="use lowercase ASCII letters, digits and single hyphens",
        )
    title = text("title", True)
    abstract = text("abstract", True)
    arxiv = text("arxiv", False)
    url = text("url", False)
    authors = _string_list(raw, "authors", path, problems)
    topics = _string_list(raw, "topics", path, problems)
    categories = _string_list(raw, "categories", path, problems)
    upvotes = raw.get("upvotes")
    if upvotes is not None and (
        not isinstance(upvotes, int) or isinstance(upvotes, bool) or upvotes < 0
    ):
        problems.add(path, "`upvotes` must be a whole number ≥ 0", where("upvotes"))
        upvotes = None
    links = _links(raw, path, problems)
    if len(problems.errors) > before:
        return None
    assert record_id is not None and title is not None and abstract is not None
    extra = tuple((key, value) for key, value in raw.items() if key not in KNOWN_KEYS)
    return Record(
        record_id,
        title,
        abstract,
        links,
        authors,
        arxiv,
        url,
        topics,
        upvotes,
        categories,
        extra,
        line,
    )


def _string_list(raw: LineDict, key: str, path: Path, problems: ProblemList) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.add(path, f"`{key}` must be a list of names", raw.key_lines.get(key, raw.line))
        return ()
    return tuple(v.strip() for v in value)


def _links(raw: LineDict, path: Path, problems: ProblemList) -> tuple[Link, ...]:
    value = raw.get("links")
    if value is None:
        return ()
    line = raw.key_lines.get("links", raw.line)
    if not isinstance(value, list):
        problems.add(path, "`links` must be a list of {url, kind}", line)
        return ()
    links: list[Link] = []
    for item in value:
        item_line = item.line if isinstance(item, LineDict) else line
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            problems.add(path, "each link needs a `url`", item_line)
            continue
        kind = item.get("kind", "other")
        if kind not in LINK_KINDS:
            problems.add(
                path,
                f"unknown link kind {kind!r}",
                item_line,
                hint="one of " + ", ".join(LINK_KINDS),
            )
            continue
        url = item["url"].strip()
        if not re.match(r"^https?://[^\s/]+", url):
            problems.add(path, f"link {url!r} is not an http(s) URL", item_line)
            continue
        links.append(_link(url, LINK_KINDS.index(kind)))
    return tuple(links)


def _check_ids_across_days(listings: list[DayListing], problems: ProblemList) -> None:
    """The same id on two days must be the same paper (same normalised title), and one arXiv
    id is one paper, so one id."""
    first_seen: dict[str, tuple[Record, Path]] = {}
    by_arxiv: dict[str, tuple[Record, Path]] = {}
    for listing in sorted(listings, key=lambda listing: listing.path):
        for record in listing.records:
            if record.arxiv is not None:
                twin = by_arxiv.setdefault(arxiv.identity(record.arxiv), (record, listing.path))
                if twin[0].id != record.id:
                    problems.add(
                        listing.path,
                        f"arXiv {record.arxiv} is already paper {twin[0].id!r}: one paper, one id",
                        record.line,
                        hint=f"see {twin[1].name} line {twin[0].line}; "
                        "give both the same id, or correct the arXiv id",
                    )
            earlier = first_seen.get(record.id)
            if earlier is None:
                first_seen[record.id] = (record, listing.path)
            elif normalised_title(earlier[0].title) != normalised_title(record.title):
                problems.add(
                    listing.path,
                    f"paper id {record.id!r} is already used by a different paper",
                    record.line,
                    hint=f"see {earlier[1].name} line {earlier[0].line}; give one a new id",
                )
