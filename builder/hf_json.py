"""Hugging Face daily papers: the JSON that `GET /api/daily_papers?date=YYYY-MM-DD` returns.

A list of entries. Each entry has a `paper` object — `id` (the arXiv id), `title`, `summary`,
`authors` (objects with a `name`), `upvotes`, `githubRepo` and `projectPage` (either may be
absent or null), `publishedAt` (on arXiv) and `submittedOnDailyAt` (put on the Daily Papers
list) — beside entry-level copies (`title`, `summary`, `publishedAt`, …) and page extras
(`thumbnail`, `numComments`, `submittedBy`, …), which are not needed.

The listing day is the UTC date of `paper.submittedOnDailyAt`: the day the paper was listed.
The entry's own `publishedAt` is its arXiv submission time, days earlier, so it is not used;
nor is the clock. Entries of several days in one file become several days.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from builder.arxiv import arxiv_id
from builder.dumps import Dump, DumpPaper, dump_of_dated
from builder.errors import ProblemList
from builder.links import link_kind
from builder.normalise import clean_text
from builder.records import Link

SHAPE_HINT = "save the response of /api/daily_papers?date=YYYY-MM-DD exactly as it came"


def parse_hf_daily(text: str, path: Path) -> Dump:
    """Parse a saved daily-papers response; every problem of the file is raised at once."""
    problems = ProblemList()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.add(path, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno, hint=SHAPE_HINT)
        problems.raise_if_any()
    except RecursionError:
        problems.add(path, "not valid JSON: nested too deeply", hint=SHAPE_HINT)
        problems.raise_if_any()
    except ValueError:  # Python refuses integers of more than 4300 digits
        problems.add(path, "not valid JSON: a number too long to read", hint=SHAPE_HINT)
        problems.raise_if_any()
    if not isinstance(data, list):
        problems.add(
            path,
            f"unknown JSON shape: a {_kind(data)}, not the list of entries the daily-papers "
            "API returns",
            1,
            hint=SHAPE_HINT,
        )
        problems.raise_if_any()
    if not data:
        problems.add(path, "no entries in the file", 1, hint="was there a listing that day?")
    dump = dump_of_dated(
        path,
        [_entry(entry, f"entry #{index + 1}", path, problems) for index, entry in enumerate(data)],
    )
    problems.raise_if_any()
    return dump


def _entry(
    entry: Any, where: str, path: Path, problems: ProblemList
) -> tuple[dt.date, DumpPaper] | None:
    """One entry's listing day and paper; None (with the problems added) when unusable."""
    if not isinstance(entry, dict):
        problems.add(path, f"{where} is a {_kind(entry)}, not an entry object", hint=SHAPE_HINT)
        return None
    paper = entry.get("paper")
    if not isinstance(paper, dict):
        problems.add(path, f"{where} has no `paper` object: unknown shape", hint=SHAPE_HINT)
        return None
    before = len(problems.errors)
    raw_id = paper.get("id")
    paper_id = arxiv_id(raw_id) if isinstance(raw_id, str) else None
    if paper_id is not None:
        where = f"{where} ({paper_id})"
    elif raw_id is None:
        problems.add(path, f"{where} has no `paper.id` (its arXiv id)")
    else:
        problems.add(path, f"{where}: `paper.id` {raw_id!r} is not an arXiv id")

    def text(key: str) -> str:
        value = paper.get(key, entry.get(key))
        cleaned = clean_text(value) if isinstance(value, str) else ""
        if not cleaned:
            problems.add(path, f"{where} has no `paper.{key}`", hint="every paper needs one")
        return cleaned

    title, abstract = text("title"), text("summary")
    day = _listing_day(paper.get("submittedOnDailyAt"), where, path, problems)
    authors = _authors(paper.get("authors"), where, path, problems)
    upvotes = paper.get("upvotes")
    if upvotes is not None and (
        not isinstance(upvotes, int) or isinstance(upvotes, bool) or upvotes < 0
    ):
        problems.add(path, f"{where}: `paper.upvotes` {upvotes!r} is not a count")
        upvotes = None
    links = tuple(
        Link(url, "project" if key == "projectPage" else link_kind(url))
        for key in ("githubRepo", "projectPage")
        for url in [_url(paper.get(key), f"{where}: `paper.{key}`", path, problems)]
        if url is not None
    )
    if len(problems.errors) > before or day is None or paper_id is None:
        return None
    return day, DumpPaper(
        title,
        abstract,
        None,
        authors=authors,
        arxiv=paper_id,
        url=f"https://huggingface.co/papers/{paper_id}",
        upvotes=upvotes,
        links=links,
    )


def _listing_day(value: Any, where: str, path: Path, problems: ProblemList) -> dt.date | None:
    if not isinstance(value, str):
        problems.add(
            path,
            f"{where} has no `paper.submittedOnDailyAt`, the day it was listed",
            hint=SHAPE_HINT,
        )
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        problems.add(path, f"{where}: `paper.submittedOnDailyAt` {value!r} is not a date-time")
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


def _authors(value: Any, where: str, path: Path, problems: ProblemList) -> tuple[str, ...]:
    if value is None:
        return ()
    names = (
        [author.get("name") for author in value if isinstance(author, dict)]
        if isinstance(value, list)
        else []
    )
    if not isinstance(value, list) or len(names) != len(value):
        problems.add(path, f"{where}: `paper.authors` must be a list of objects with a `name`")
        return ()
    if not all(isinstance(name, str) for name in names):
        problems.add(path, f"{where}: every author in `paper.authors` needs a `name`")
        return ()
    return tuple(cleaned for name in names if (cleaned := clean_text(str(name))))


def _url(value: Any, what: str, path: Path, problems: ProblemList) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().startswith(("https://", "http://")):
        return value.strip()
    problems.add(path, f"{what} {value!r} is not an http(s) URL")
    return None


def _kind(value: Any) -> str:
    names: dict[type, str] = {dict: "object", list: "list", str: "string", type(None): "null"}
    return names.get(type(value), type(value).__name__)
