"""Listing dumps: the text of a "daily papers" page as copied from a browser.

A dump is page chrome (`new`, `Subscribe`, …), a date line such as `Sep 8` (no year), then
pairs of paragraphs: a one-line title and its abstract. Copies differ in line ends, BOMs,
trailing spaces, blank lines and which chrome they carry, so all of that is tolerated; what
cannot be read is reported with its line and a hint, every problem of the file at once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from builder.errors import ContentError, Problem, ProblemList, display_path
from builder.normalise import clean_text
from builder.records import Link
from builder.yamlio import read_text

BOILERPLATE = frozenset(
    line.casefold()
    for line in (
        "new",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
    )
)
_MONTHS = {
    name.casefold(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_DATE_LINE = re.compile(r"^([A-Za-z]{3,9})\.? +(\d{1,2})$")
# A title is one short line; anything longer than this is taken for an abstract.
MAX_TITLE_LENGTH = 300
_DATE_HINT = "the page copy must carry its date on a line of its own, such as `Sep 8`"


@dataclass(frozen=True, slots=True)
class DumpPaper:
    """One paper as a source lists it: title and abstract (normalised), and whatever else the
    source knows (a text dump knows nothing else; JSON and Atom know authors, an arXiv id, …)."""

    title: str
    abstract: str
    line: int | None  # of the title in a text dump; None where the source has no lines
    authors: tuple[str, ...] = ()
    arxiv: str | None = None  # versionless
    url: str | None = None
    upvotes: int | None = None
    categories: tuple[str, ...] = ()  # arXiv categories, the primary one first
    links: tuple[Link, ...] = ()  # links the source names besides the abstract's own


@dataclass(frozen=True, slots=True)
class DumpDay:
    """The papers listed on one day; a text dump's year is decided later, a structured source
    names the whole date (`year` set)."""

    month: int
    day: int
    line: int | None
    papers: tuple[DumpPaper, ...]
    year: int | None = None

    @property
    def label(self) -> str:
        if self.year is not None:
            return dt.date(self.year, self.month, self.day).isoformat()
        return f"{calendar.month_abbr[self.month]} {self.day}"


@dataclass(frozen=True, slots=True)
class Dump:
    """One parsed dump file."""

    path: Path
    days: tuple[DumpDay, ...]
    warnings: tuple[Problem, ...] = ()  # what may be wrong but does not stop the import


def dump_of_dated(path: Path, dated: Iterable[tuple[dt.date, DumpPaper] | None]) -> Dump:
    """A structured source's papers, each with its own listing date, as days of a Dump:
    dates in order, papers in source order within a day; None entries (unusable, already
    reported) are skipped."""
    days: dict[dt.date, list[DumpPaper]] = {}
    for item in dated:
        if item is not None:
            days.setdefault(item[0], []).append(item[1])
    return Dump(
        path,
        tuple(
            DumpDay(date.month, date.day, None, tuple(papers), date.year)
            for date, papers in sorted(days.items())
        ),
    )


@dataclass(frozen=True, slots=True)
class _Block:
    """A paragraph: consecutive non-blank lines joined by spaces, with its first line."""

    text: str
    line: int
    lines: int


def read_dump(path: Path) -> Dump:
    """Read and parse one dump file; every problem in it is raised at once."""
    if not path.exists() and not path.is_symlink():
        raise ContentError(
            [
                Problem(
                    display_path(path),
                    "no such file",
                    hint="check the path; give the files the listings were saved to",
                )
            ]
        )
    if path.is_dir():
        raise ContentError(
            [
                Problem(
                    display_path(path),
                    "is a directory, expected a listing dump",
                    hint=f"to import every dump in it, give {display_path(path)}/*.txt",
                )
            ]
        )
    return parse_dump(read_text(path), path)


def parse_dump(text: str, path: Path) -> Dump:
    """Parse the text of a dump (already decoded, with `\\n` line ends)."""
    problems = ProblemList()
    blocks = list(_blocks(_clean(text)))
    if not blocks:
        problems.add(
            path,
            "the file is empty",
            hint="paste the whole listing page (select all, copy) into it and save it again",
        )
        problems.raise_if_any()
    start = next((i for i, b in enumerate(blocks) if _date_of(b) is not None), None)
    if start is None:
        problems.add(path, "no date line found", 1, hint=_DATE_HINT)
        problems.raise_if_any()
    assert start is not None
    days: list[DumpDay] = []
    for date_block, body in _split_days(blocks[start:]):
        month, day = _date_of(date_block) or (0, 0)
        if not _exists(month, day):
            problems.add(
                path,
                f"the date line {date_block.text!r} names a day that does not exist",
                date_block.line,
                hint="correct the date line to the date shown on the listing page",
            )
        papers = _pair(body, path, problems)
        if not body:
            problems.add(
                path,
                f"no papers listed under {date_block.text!r}",
                date_block.line,
                hint="a title line and an abstract paragraph should follow the date",
            )
        days.append(DumpDay(month, day, date_block.line, tuple(papers)))
    problems.raise_if_any()
    last = days[-1].papers[-1] if days and days[-1].papers else None
    if last is not None and _looks_cut(last.abstract):
        problems.add(
            path,
            f"the last paper's abstract ends mid-sentence (`…{last.abstract.rstrip()[-30:]}`): "
            "the copy may be cut short",
            last.line,
            hint="compare the end of the file with the listing page",
            severity="warning",
        )
    return Dump(path, tuple(days), tuple(problems.all))


def _looks_cut(abstract: str) -> bool:
    """Whether an abstract stops where no abstract ends: a copy truncated in the middle.

    Real abstracts end with a full stop or another closing mark, some with a bare URL; an
    abstract ending in a word is rare (about one in a hundred), so this only warns.
    """
    last = abstract.rstrip().rsplit(" ", 1)[-1]
    return (
        bool(last)
        and (last[-1].isalnum() or last[-1] in ",;:-–(")
        and not any(mark in last for mark in ("://", "/", "@", "."))
    )


def _clean(text: str) -> str:
    """Drop what copying adds but never means anything: BOMs, control and format characters."""
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff"))
    out = []
    for char in text:
        if char == "\n":
            out.append(char)
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp") or char.isspace():
            out.append(" ")  # tabs, form feeds, odd line separators: just space
        elif category != "Cf":  # zero-width spaces, soft hyphens, stray BOMs: nothing
            out.append(char)
    return "".join(out)


def _blocks(text: str) -> Iterator[_Block]:
    """Paragraphs; a date or chrome line stands alone even when no blank line sets it off."""
    lines: list[str] = []
    first = 0
    for number, raw in enumerate([*text.split("\n"), ""], start=1):
        line = " ".join(raw.split())
        alone = _is_date(line) or line.casefold() in BOILERPLATE
        if lines and (not line or alone):
            yield _Block(" ".join(lines), first, len(lines))
            lines = []
        if alone:
            yield _Block(line, number, 1)
        elif line:
            if not lines:
                first = number
            lines.append(line)


def _is_date(line: str) -> bool:
    match = _DATE_LINE.match(line)
    return match is not None and match.group(1).casefold() in _MONTHS


def _date_of(block: _Block) -> tuple[int, int] | None:
    match = _DATE_LINE.match(block.text) if block.lines == 1 else None
    if not match or match.group(1).casefold() not in _MONTHS:
        return None
    return _MONTHS[match.group(1).casefold()], int(match.group(2))


def _exists(month: int, day: int) -> bool:
    """Whether the date exists in some year (Feb 29 does; Feb 30 never)."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1]


def _split_days(blocks: list[_Block]) -> Iterator[tuple[_Block, list[_Block]]]:
    """Each date line with the paragraphs under it (a dump may hold several days)."""
    date_block, body = blocks[0], list[_Block]()
    for block in blocks[1:]:
        if _date_of(block) is not None:
            yield date_block, body
            date_block, body = block, []
        elif not (not body and block.text.casefold() in BOILERPLATE):
            body.append(block)  # chrome is dropped only before the first paper
    yield date_block, body


def _looks_like_title(block: _Block) -> bool:
    return block.lines == 1 and len(block.text) <= MAX_TITLE_LENGTH and block.text[-1] != "."


def _pair(body: list[_Block], path: Path, problems: ProblemList) -> list[DumpPaper]:
    """Titles with their abstracts; a title whose abstract is missing is reported and skipped."""
    papers: list[DumpPaper] = []
    index = 0
    while index < len(body):
        title = body[index]
        if title.lines > 1 or len(title.text) > MAX_TITLE_LENGTH:
            problems.add(
                path,
                "this paragraph looks like an abstract with no title before it",
                title.line,
                hint="put the paper's title on its own line above the abstract",
            )
            index += 1
            continue
        following = body[index + 1] if index + 1 < len(body) else None
        after = body[index + 2] if index + 2 < len(body) else None
        if following is None or (
            _looks_like_title(following) and after is not None and not _looks_like_title(after)
        ):
            problems.add(
                path,
                f"the title {_short(title.text)!r} has no abstract",
                title.line,
                hint="copy the abstract paragraph below it, or delete the title line",
            )
            index += 1
            continue
        papers.append(DumpPaper(clean_text(title.text), clean_text(following.text), title.line))
        index += 2
    return papers


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_date(month: int, day: int, year: int | None, today: dt.date) -> dt.date | None:
    """The date of a listing: in `year` if given, else the most recent one not after today.

    None when the date does not exist in the given year (Feb 29 outside a leap year).
    """
    if year is not None:
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    for candidate_year in range(today.year, today.year - 9, -1):
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None  # pragma: no cover - every existing date recurs within eight years
