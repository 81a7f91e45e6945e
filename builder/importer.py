"""`litdigest import`: listing dumps in, day files `content/papers/YYYY-MM-DD.yaml` out.

The story: read every dump and every existing day file and decide every date (collecting all
problems), merge the dumps' papers into the days (pure), render the changed days as YAML that
reads back to exactly the same data, and only then write, atomically, the files that changed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from builder.config import load_config
from builder.dumps import Dump, DumpDay, read_dump, resolve_date
from builder.errors import ContentError, ProblemList, UsageError, display_path
from builder.ids import IdRegistry
from builder.links import find_links
from builder.records import DayListing, Record, day_file_path, load_day_listings
from builder.yamlio import load_yaml_text, read_text

PAPERS_DIR = "papers"
FOLD_WIDTH = 88  # folded lines break at the first space past this column: ~100 wide


@dataclass(frozen=True, slots=True)
class DatedDay:
    """A dump's day with the year decided."""

    source: Path
    listed: DumpDay
    date: dt.date


@dataclass(frozen=True, slots=True)
class DayOutcome:
    """What importing one dump's day did, for the report."""

    source: Path
    label: str
    date: dt.date
    new: int
    already: int
    repeats: int


@dataclass(frozen=True, slots=True)
class DayFile:
    """A day's records after the merge; `changed` days are (re)written."""

    date: dt.date
    path: Path
    records: tuple[Record, ...]
    changed: bool
    kept: int  # how many records were already in the file


def run_import(
    files: Sequence[Path], content_dir: Path, year: int | None, today: dt.date | None = None
) -> list[str]:
    """Import dumps into day files; return the lines to print. Nothing is written on error."""
    if year is not None and not 1 <= year <= 9999:
        raise UsageError(f"--year {year} is not a year")
    problems = ProblemList()
    if not content_dir.is_dir():
        problems.add(
            content_dir,
            "content folder not found",
            hint="run in the project folder, or give the folder with --content DIR",
        )
    dumps = _read_dumps(files, problems)
    year, year_source = _choose_year(year, content_dir, problems)
    papers_dir = content_dir / PAPERS_DIR
    existing: tuple[DayListing, ...] = ()
    try:
        existing = load_day_listings(papers_dir)
    except ContentError as error:
        problems.extend(error.problems)
    dated = _date_days(dumps, year, today or dt.date.today(), problems)
    problems.raise_if_any()

    outcomes, days = merge(existing, dated, papers_dir)
    texts = {day.path: render_file(day) for day in days if day.changed}
    written = write_files(texts)
    return _report(outcomes, year_source, written, papers_dir)


def _read_dumps(files: Iterable[Path], problems: ProblemList) -> list[Dump]:
    dumps = []
    for path in files:
        try:
            dumps.append(read_dump(path))
        except ContentError as error:
            problems.extend(error.problems)
    return dumps


def _choose_year(
    year: int | None, content_dir: Path, problems: ProblemList
) -> tuple[int | None, str]:
    """--year wins, then `import.year` in site.yaml, else each date decides for itself."""
    if year is not None:
        return year, f"year {year} (from --year)"
    try:
        config = load_config(content_dir)
    except ContentError as error:
        problems.extend(error.problems)
        return None, ""
    if config.import_year is not None:
        where = display_path(config.path) if config.path else "site.yaml"
        return config.import_year, f"year {config.import_year} (from import.year in {where})"
    return None, "year: the most recent past date (no --year, no import.year in site.yaml)"


def _date_days(
    dumps: Iterable[Dump], year: int | None, today: dt.date, problems: ProblemList
) -> list[DatedDay]:
    dated = []
    for dump in dumps:
        for listed in dump.days:
            date = resolve_date(listed.month, listed.day, year, today)
            if date is None:
                problems.add(
                    dump.path,
                    f"{listed.label} does not exist in {year}",
                    listed.line,
                    hint="give the listing's year with --year",
                )
                continue
            dated.append(DatedDay(dump.path, listed, date))
    return dated


def merge(
    existing: Iterable[DayListing], dated: Iterable[DatedDay], papers_dir: Path
) -> tuple[list[DayOutcome], list[DayFile]]:
    """Append each dump's new papers to its day; papers already known keep id and edits."""
    existing = sorted(existing, key=lambda listing: listing.date)
    registry = IdRegistry(record for listing in existing for record in listing.records)
    days = {listing.date: list(listing.records) for listing in existing}
    kept = {listing.date: len(listing.records) for listing in existing}
    changed: set[dt.date] = set()
    outcomes = []
    for item in dated:
        records = days.setdefault(item.date, [])
        ids_here = {record.id for record in records}
        from_this_dump: set[str] = set()
        new = already = repeats = 0
        for paper in item.listed.papers:
            known = registry.find(paper.title, paper.abstract)
            if known is not None and known.id in ids_here:
                if known.id in from_this_dump:
                    repeats += 1
                else:
                    already += 1
                    from_this_dump.add(known.id)
                continue
            if known is None:
                paper_id, title = registry.new_id(paper.title), paper.title
            else:  # listed on another day: same id, and the title it is known by there
                paper_id, title = known.id, known.title
            registry.remember(paper_id, paper.title, paper.abstract, None)
            links = find_links(paper.abstract)
            records.append(Record(paper_id, title, paper.abstract, links))
            ids_here.add(paper_id)
            from_this_dump.add(paper_id)
            new += 1
        if new or item.date not in kept:  # kept: the days that already have a file
            changed.add(item.date)
        outcomes.append(
            DayOutcome(item.source, item.listed.label, item.date, new, already, repeats)
        )
    files = [
        DayFile(date, path, tuple(records), date in changed, kept.get(date, 0))
        for date, records in sorted(days.items())
        for path in [day_file_path(papers_dir, date)]
    ]
    return outcomes, files


# --- the YAML writer ---------------------------------------------------------------------


class _Folded(str):
    """Text to write as a folded block (`>-`), when that reads back the same."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    """Block style, indented sequences, no aliases; only folded text is wrapped."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def write_folded(self, text: str) -> None:
        # The document width is huge so titles and URLs never wrap; abstracts fold here.
        width, self.best_width = self.best_width, FOLD_WIDTH
        try:
            super().write_folded(text)
        finally:
            self.best_width = width


def _dump(data: Any, default_style: str | None = None, allow_unicode: bool = True) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=allow_unicode,
        default_flow_style=False,
        default_style=default_style,
        width=1 << 20,
    )


def _folds_cleanly(text: str) -> bool:
    try:
        return yaml.safe_load(_dump(text, default_style=">")) == text
    except yaml.YAMLError:  # pragma: no cover - PyYAML reading its own output
        return False


def _represent_folded(dumper: _Dumper, data: _Folded) -> yaml.ScalarNode:
    style = ">" if _folds_cleanly(str(data)) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style=style)


def _represent_str(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    # PyYAML writes these line breaks raw in plain and single-quoted scalars when
    # allow_unicode is on, and they read back as spaces; double quotes escape them.
    style = '"' if any(char in data for char in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Folded, _represent_folded)


def _plain(value: Any) -> Any:
    """Loaded YAML (LineDict, LineList, …) as plain dicts and lists the dumper knows."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def record_data(record: Record, fold: bool = True) -> dict[str, Any]:
    """A record as a mapping in the order people read it; unknown keys last, as they were."""
    data: dict[str, Any] = {"id": record.id, "title": record.title}
    if record.authors:
        data["authors"] = list(record.authors)
    if record.arxiv is not None:
        data["arxiv"] = record.arxiv
    if record.url is not None:
        data["url"] = record.url
    if record.upvotes is not None:
        data["upvotes"] = record.upvotes
    if record.topics:
        data["topics"] = list(record.topics)
    data["links"] = [{"url": link.url, "kind": link.kind} for link in record.links]
    data["abstract"] = _Folded(record.abstract) if fold else record.abstract
    for key, value in record.extra:
        data[key] = _plain(value)
    return data


def render_file(day: DayFile) -> str:
    """The new text of a changed day: new records appended to the file as people left it."""
    if day.kept and day.path.is_file():
        appended = append_records(read_text(day.path), day.records[day.kept :])
        if appended is not None:
            return appended
    return render_day(day.date, day.records)


def append_records(text: str, records: Sequence[Record]) -> str | None:
    """`text` with records added at the end of its `papers:` list, comments and layout kept.

    None when the file is laid out so that appending does not read back as exactly the old
    data plus the new records (then the whole day is rendered afresh).
    """
    new_data = [record_data(record) for record in records]
    items = _dump({"papers": new_data}).split("\n", 1)[1]
    indent = re.search(r"^( *)- ", text.split("\npapers:", 1)[-1], re.MULTILINE)
    if indent is not None and indent.group(1) != "  ":
        width = len(indent.group(1))
        items = "".join(
            (" " * width + line[2:]) if line.startswith("  ") else line
            for line in items.splitlines(keepends=True)
        )
    candidate = text.rstrip("\n") + "\n" + items
    try:
        old, new = load_yaml_text(text, "<old>"), load_yaml_text(candidate, "<new>")
    except ContentError:
        return None
    if not isinstance(old, dict) or not isinstance(old.get("papers"), list):
        return None
    expected = {**old, "papers": [*old["papers"], *new_data]}
    same_order = list(new) == list(old)
    return candidate if same_order and new == expected else None


def render_day(date: dt.date, records: Sequence[Record]) -> str:
    """A day file's text; checked to load back to exactly the data it was made from.

    Abstracts are folded where that reads back the same; should the document as a whole
    not, it is written again without folding, and last with every non-ASCII character escaped.
    """
    for fold, allow_unicode in ((True, True), (False, True), (False, False)):
        data = {"date": date, "papers": [record_data(r, fold) for r in records]}
        text = _dump(data, allow_unicode=allow_unicode)
        try:
            if load_yaml_text(text, "<render>") == data:
                return text
        except ContentError:  # pragma: no cover - the safe loader refusing our own output
            continue
    raise AssertionError(f"day {date} cannot be written as YAML that reads back the same")


# --- writing ------------------------------------------------------------------------------


def write_files(texts: dict[Path, str]) -> dict[Path, bool]:
    """Write each text atomically, skipping files whose bytes would not change."""
    written: dict[Path, bool] = {}
    for path, text in sorted(texts.items()):
        data = text.encode("utf-8")
        if path.is_file() and path.read_bytes() == data:
            written[path] = False
            continue
        write_atomic(path, data)
        written[path] = True
    return written


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _report(
    outcomes: Sequence[DayOutcome], year_source: str, written: dict[Path, bool], papers_dir: Path
) -> list[str]:
    lines = [year_source]
    for outcome in outcomes:
        path = day_file_path(papers_dir, outcome.date)
        counts = f"{outcome.new} new, {outcome.already} already there"
        if outcome.repeats:
            counts += f", {outcome.repeats} repeated in the dump"
        state = "written" if written.get(path) else "unchanged"
        lines.append(
            f"{display_path(outcome.source)}: {outcome.label} → {outcome.date.isoformat()}: "
            f"{counts} → {display_path(path)} ({state})"
        )
    changed = sum(written.values())
    lines.append(f"{changed} day file(s) written, {len(outcomes)} listing day(s) imported")
    return lines
