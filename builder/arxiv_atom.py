"""arXiv API responses: the Atom feed that `GET /api/query?id_list=…` (or `search_query=…`)
returns, read with feedparser.

Each `<entry>` has `<id>` (`http://arxiv.org/abs/2509.01234v2`: the id, version dropped),
`<title>`, `<summary>` (the abstract), `<author><name>`, `<published>` (the first version's
submission time), `<arxiv:primary_category term>`, `<category term>` and, sometimes,
`<arxiv:doi>`. The listing day is the UTC date of `<published>`; never the clock.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
from pathlib import Path
from typing import Any

import feedparser

from builder.arxiv import CATEGORY, arxiv_id
from builder.dumps import Dump, DumpPaper, dump_of_dated
from builder.errors import ProblemList
from builder.normalise import clean_text

SHAPE_HINT = "save the response of the arXiv API (export.arxiv.org/api/query) as it came"
_ERROR_ID = "arxiv.org/api/errors"


def parse_arxiv_atom(data: bytes, path: Path) -> Dump:
    """Parse a saved arXiv API response; every problem of the file is raised at once."""
    problems = ProblemList()
    # A file object, never a string: feedparser would fetch a string that looks like a URL.
    feed = feedparser.parse(io.BytesIO(data))
    error = feed.get("bozo_exception") if feed.get("bozo") else None
    if error is not None and not isinstance(error, feedparser.CharacterEncodingOverride):
        line = error.getLineNumber() if hasattr(error, "getLineNumber") else None
        message = error.getMessage() if hasattr(error, "getMessage") else str(error)
        problems.add(path, f"not well-formed XML: {message}", line, hint=SHAPE_HINT)
        problems.raise_if_any()
    if feed.get("version") != "atom10":
        what = feed.get("version") or "not a feed"
        problems.add(path, f"unknown shape: {what}, not an arXiv Atom feed", 1, hint=SHAPE_HINT)
        problems.raise_if_any()
    if not feed.entries:
        problems.add(path, "no entries in the feed", hint="did the query find any paper?")
    dump = dump_of_dated(
        path,
        [
            _entry(entry, f"entry #{index + 1}", path, problems)
            for index, entry in enumerate(feed.entries)
        ],
    )
    problems.raise_if_any()
    return dump


def _entry(
    entry: Any, where: str, path: Path, problems: ProblemList
) -> tuple[dt.date, DumpPaper] | None:
    raw_id = entry.get("id") or ""
    if _ERROR_ID in raw_id:
        problems.add(
            path,
            f"the arXiv API answered with an error: {clean_text(entry.get('summary', ''))}",
            hint="correct the query and save the response again",
        )
        return None
    paper_id = arxiv_id(raw_id)
    if paper_id is None:
        problems.add(path, f"{where}: `<id>` {raw_id!r} is not an arXiv abstract link")
        return None
    where = f"{where} ({paper_id})"
    before = len(problems.errors)
    title, abstract = (clean_text(entry.get(key) or "") for key in ("title", "summary"))
    for key, value in (("title", title), ("summary", abstract)):
        if not value:
            problems.add(path, f"{where} has no `<{key}>`", hint="every paper needs one")
    day = _published_day(entry, where, path, problems)
    authors = tuple(
        name for author in entry.get("authors", []) if (name := clean_text(author.get("name", "")))
    )
    primary = (entry.get("arxiv_primary_category") or {}).get("term")
    terms = [primary, *(tag.get("term") for tag in entry.get("tags", []))]
    categories = tuple(
        dict.fromkeys(term for term in terms if isinstance(term, str) and CATEGORY.match(term))
    )
    doi = (entry.get("arxiv_doi") or "").strip()
    if len(problems.errors) > before or day is None:
        return None
    return day, DumpPaper(
        title,
        abstract,
        None,
        authors=authors,
        arxiv=paper_id,
        url=f"https://doi.org/{doi}" if doi else None,
        categories=categories,
    )


def _published_day(entry: Any, where: str, path: Path, problems: ProblemList) -> dt.date | None:
    parsed = entry.get("published_parsed")  # a UTC struct_time, whatever offset was written
    if parsed is None:
        raw = entry.get("published")
        problems.add(
            path,
            f"{where} has no `<published>` date"
            if raw is None
            else f"{where}: `<published>` {raw!r} is not a date",
            hint="the listing day is the date the paper was published",
        )
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC).date()
