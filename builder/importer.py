"""`litdigest import`: listings in, day files `content/papers/YYYY-MM-DD.yaml` out.

A listing is a text dump, a Hugging Face daily-papers response or an arXiv Atom response
(`builder.sources`). The story: read every listing and every existing day file and decide
every date (collecting all problems), merge the listings' papers into the days (pure), render
the changed days as YAML that reads back to exactly the same data, and only then write,
atomically, the files that changed.

A paper already known (same arXiv id, same normalised title or same long abstract) keeps its
id, and what a richer source knows is added to every record of it where the record has no
value yet; nothing a record already has is changed, so hand edits stay.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from builder.config import load_config
from builder.dumps import Dump, DumpDay, DumpPaper, resolve_date
from builder.errors import ContentError, ProblemList, UsageError, display_path
from builder.ids import IdRegistry
from builder.links import find_links
from builder.progress import Progress, Stage
from builder.records import (
    KNOWN_KEYS,
    DayListing,
    Record,
    day_file_path,
    load_day_listings,
)
from builder.sources import AUTO, read_source
from builder.symlinks import links_leaving
from builder.yamlio import LineDict, load_yaml_text, read_text

PAPERS_DIR = "papers"
FOLD_WIDTH = 88  # folded lines break at the first space past this column: ~100 wide

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DatedDay:
    """A listing's day with the date decided."""

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
    enriched: int = 0  # papers known before that this listing told more about


@dataclass(frozen=True, slots=True)
class DayFile:
    """A day's records after the merge; `changed` days are (re)written."""

    date: dt.date
    path: Path
    records: tuple[Record, ...]
    changed: bool
    kept: int  # how many records were already in the file
    enriched: tuple[int, ...] = ()  # positions of kept records that gained fields


def run_import(
    files: Sequence[Path],
    content_dir: Path,
    year: int | None,
    today: dt.date | None = None,
    fmt: str = AUTO,
    progress: Progress | None = None,
) -> list[str]:
    """Import listings into day files; return the lines to print. Nothing is written on error.

    `progress` hears of the stages: read (listings), load (day files), merge (listing days),
    render and write (changed day files)."""
    progress = progress if progress is not None else Progress()
    if year is not None and not 1 <= year <= 9999:
        raise UsageError(f"--year {year} is not a year")
    problems = ProblemList()
    if not content_dir.is_dir():
        problems.add(
            content_dir,
            "content folder not found",
            hint="run in the project folder, or give the folder with --content DIR",
        )
    elif leaving := links_leaving(content_dir, "content"):
        raise ContentError(leaving)  # before a day file linked to one elsewhere is read
    with progress.stage("read", total=len(files)) as stage:
        dumps = _read_dumps(_counted(files, stage), fmt, problems)
    year, year_source = _choose_year(year, content_dir, problems)
    papers_dir = content_dir / PAPERS_DIR
    existing: tuple[DayListing, ...] = ()
    with progress.stage("load"):
        try:
            existing = load_day_listings(papers_dir)
        except ContentError as error:
            problems.extend(error.problems)
    dated = _date_days(dumps, year, today or dt.date.today(), problems)
    problems.raise_if_any()

    with progress.stage("merge", total=len(dated)) as stage:
        outcomes, days = merge(existing, _counted(dated, stage), papers_dir)
    changed = [day for day in days if day.changed]
    with progress.stage("render", total=len(changed)) as stage:
        texts = {day.path: render_file(day) for day in _counted(changed, stage)}
    with progress.stage("write", total=len(texts)) as stage:
        written = write_files(texts, stage)
    warnings = [warning.format() for dump in dumps for warning in dump.warnings]
    return [*_report(outcomes, year_source, written, papers_dir), *warnings]


def _read_dumps(files: Iterable[Path], fmt: str, problems: ProblemList) -> list[Dump]:
    dumps = []
    for path in files:
        try:
            dumps.append(read_source(path, fmt))
        except ContentError as error:
            problems.extend(error.problems)
    return dumps


def _counted(items: Iterable[T], stage: Stage) -> Iterator[T]:
    """`items`, advancing `stage` as each is taken."""
    for item in items:
        yield item
        stage.advance()


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
            if listed.year is not None:  # the source names the whole date: no year to decide
                dated.append(DatedDay(dump.path, listed, dt.date(listed.year, *_md(listed))))
                continue
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


def _md(listed: DumpDay) -> tuple[int, int]:
    return listed.month, listed.day


def merge(
    existing: Iterable[DayListing], dated: Iterable[DatedDay], papers_dir: Path
) -> tuple[list[DayOutcome], list[DayFile]]:
    """Append each listing's new papers to its day; papers already known keep id and edits,
    and gain what the listing knows that their records do not say yet."""
    existing = sorted(existing, key=lambda listing: listing.date)
    registry = IdRegistry(record for listing in existing for record in listing.records)
    days = {listing.date: list(listing.records) for listing in existing}
    kept = {listing.date: len(listing.records) for listing in existing}
    changed: set[dt.date] = set()
    enriched: dict[dt.date, set[int]] = {}
    outcomes = []
    for item in dated:
        records = days.setdefault(item.date, [])
        ids_here = {record.id for record in records}
        from_this_dump: set[str] = set()
        new = already = repeats = richer = 0
        for paper in item.listed.papers:
            known = registry.find(paper.title, paper.abstract, paper.arxiv)
            if known is not None:
                registry.remember(known.id, paper.title, paper.abstract, paper.arxiv)
                if _enrich(days, known.id, paper, kept, enriched, changed):
                    richer += 1
            if known is not None and known.id in ids_here:
                if known.id in from_this_dump:
                    repeats += 1
                else:
                    already += 1
                    from_this_dump.add(known.id)
                continue
            if known is None:
                paper_id, title = registry.new_id(paper.title, paper.arxiv), paper.title
                registry.remember(paper_id, paper.title, paper.abstract, paper.arxiv)
            else:  # listed on another day: same id, and the title it is known by there
                paper_id, title = known.id, known.title
            records.append(new_record(paper_id, title, paper, _latest_copy(days, paper_id)))
            ids_here.add(paper_id)
            from_this_dump.add(paper_id)
            new += 1
        if new or item.date not in kept:  # kept: the days that already have a file
            changed.add(item.date)
        outcomes.append(
            DayOutcome(item.source, item.listed.label, item.date, new, already, repeats, richer)
        )
    files = [
        DayFile(
            date,
            path,
            tuple(records),
            date in changed,
            kept.get(date, 0),
            tuple(sorted(enriched.get(date, ()))),
        )
        for date, records in sorted(days.items())
        for path in [day_file_path(papers_dir, date)]
    ]
    return outcomes, files


def new_record(paper_id: str, title: str, paper: DumpPaper, twin: Record | None) -> Record:
    """The record of a paper new to this day: its abstract and the abstract's links, then
    what its record on another day (`twin`, which may carry hand edits) says, then what the
    source says."""
    record = Record(paper_id, title, paper.abstract, find_links(paper.abstract))
    return fill(fill(record, twin) if twin is not None else record, paper)


def fill(record: Record, source: Record | DumpPaper) -> Record:
    """`record` with the fields it lacks taken from `source`; nothing it has is changed.

    The links the source names (a repository, a project page) are added when missing.
    """
    urls = {link.url for link in record.links}
    return dataclasses.replace(
        record,
        authors=record.authors or source.authors,
        arxiv=record.arxiv if record.arxiv is not None else source.arxiv,
        url=record.url if record.url is not None else source.url,
        upvotes=record.upvotes if record.upvotes is not None else source.upvotes,
        categories=record.categories or source.categories,
        links=record.links + tuple(link for link in source.links if link.url not in urls),
    )


def _enrich(
    days: dict[dt.date, list[Record]],
    paper_id: str,
    paper: DumpPaper,
    kept: dict[dt.date, int],
    enriched: dict[dt.date, set[int]],
    changed: set[dt.date],
) -> bool:
    """Fill every record of the paper, on every day, from `paper`; whether any changed."""
    any_changed = False
    for date, records in days.items():
        for index, record in enumerate(records):
            if record.id != paper_id:
                continue
            richer = fill(record, paper)
            if richer != record:
                records[index] = richer
                changed.add(date)
                any_changed = True
                if index < kept.get(date, 0):
                    enriched.setdefault(date, set()).add(index)
    return any_changed


def _latest_copy(days: dict[dt.date, list[Record]], paper_id: str) -> Record | None:
    """The paper's record on the latest day that lists it (the copy the site shows)."""
    for date in sorted(days, reverse=True):
        for record in days[date]:
            if record.id == paper_id:
                return record
    return None


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
    if record.categories:
        data["categories"] = list(record.categories)
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
    """The new text of a changed day: the file as people left it, with fields added to the
    records that gained them and new records appended."""
    if day.kept and day.path.is_file():
        text: str | None = read_text(day.path)
        if text is not None and day.enriched:
            text = update_records(text, [(i, day.records[i]) for i in day.enriched])
        if text is not None and len(day.records) > day.kept:
            text = append_records(text, day.records[day.kept :])
        if text is not None:
            return text
    return render_day(day.date, day.records)


def update_records(text: str, changes: Sequence[tuple[int, Record]]) -> str | None:
    """`text` with what each changed record gained written into its mapping: new keys in the
    order `record_data` writes them, new links after the old ones; comments and layout
    elsewhere are kept.

    None when the file is laid out so that this does not read back as exactly the old data
    with the new fields (then the whole day is rendered afresh).
    """
    try:
        old = load_yaml_text(text, "<old>")
    except ContentError:
        return None
    if not isinstance(old, dict) or not isinstance(old.get("papers"), list):
        return None
    lines = text.split("\n")
    edits: list[tuple[int, int, list[str]]] = []  # replace lines[start:end] (0-based)
    expected = list(old["papers"])
    for index, record in changes:
        mapping = old["papers"][index] if index < len(old["papers"]) else None
        data = record_data(record, fold=False)
        found = _record_edits(mapping, data, lines) if isinstance(mapping, LineDict) else None
        if found is None or mapping is None:
            return None
        edits += found
        expected[index] = {**mapping, **data}
    # Bottom up, so earlier edits' line numbers hold; at one line, a replacement goes first and
    # of two insertions the first ends on top.
    order = sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1] > e[1][0], e[0]))
    for _, (start, end, block) in reversed(order):
        lines[start:end] = block
    candidate = "\n".join(lines)
    try:
        new = load_yaml_text(candidate, "<new>")
    except ContentError:
        return None
    return candidate if new == {**old, "papers": expected} else None


def _record_edits(
    mapping: LineDict, data: dict[str, Any], lines: list[str]
) -> list[tuple[int, int, list[str]]] | None:
    """The line edits that add a record's new keys and links; None when that cannot be done
    by adding lines (a value changed, or the mapping is not in block style)."""
    order = list(data)
    by_line = sorted(mapping, key=lambda key: mapping.key_lines.get(key, 0))
    if not by_line or any(key not in data for key in mapping):
        return None
    first = lines[mapping.key_lines[by_line[0]] - 1]
    indent = len(first) - len(first.lstrip(" -"))
    if first[indent:].startswith(("{", "[")):
        return None
    edits: list[tuple[int, int, list[str]]] = []
    for key in mapping:
        if data[key] == _plain(mapping[key]):
            continue
        if key != "links" or not isinstance(mapping[key], list):
            return None
        edit = _links_edit(mapping, data[key], by_line, indent, lines)
        if edit is None:
            return None
        edits.append(edit)
    for key in (key for key in order if key not in mapping):
        # Before the first key the writer puts after it; unknown keys are no landmark.
        later = [k for k in by_line if k in KNOWN_KEYS and order.index(k) > order.index(key)]
        if not later or later[0] == by_line[0]:
            return None  # nothing after it, or it would go before the `- ` line
        line = mapping.key_lines[later[0]] - 1
        edits.append((line, line, _indented(_dump({key: data[key]}), indent)))
    return edits


def _links_edit(
    mapping: LineDict, links: list[Any], by_line: list[Any], indent: int, lines: list[str]
) -> tuple[int, int, list[str]] | None:
    """Links gained: `links: []` is rewritten; a block list gets the new items at its end."""
    old = _plain(mapping["links"])
    if links[: len(old)] != old:
        return None
    line = mapping.key_lines["links"] - 1
    if not old:
        if lines[line].strip() != "links: []":
            return None
        return line, line + 1, _indented(_dump({"links": links}), indent)
    later = by_line[by_line.index("links") + 1 :]
    if not later:
        return None
    end = mapping.key_lines[later[0]] - 1
    items = _dump({"links": links[len(old) :]}).split("\n", 1)[1]
    item_indent = len(lines[line + 1]) - len(lines[line + 1].lstrip(" "))
    return end, end, _indented(items, item_indent - 2)


def _indented(text: str, width: int) -> list[str]:
    return [" " * width + line for line in text.rstrip("\n").split("\n")]


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


def write_files(texts: dict[Path, str], stage: Stage | None = None) -> dict[Path, bool]:
    """Write each text atomically, skipping files whose bytes would not change."""
    written: dict[Path, bool] = {}
    for path, text in sorted(texts.items()):
        data = text.encode("utf-8")
        written[path] = not (path.is_file() and path.read_bytes() == data)
        if written[path]:
            write_atomic(path, data)
        if stage is not None:
            stage.advance()
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
        if outcome.enriched:
            counts += f", {outcome.enriched} known paper(s) given more fields"
        state = "written" if written.get(path) else "unchanged"
        lines.append(
            f"{display_path(outcome.source)}: {outcome.label} → {outcome.date.isoformat()}: "
            f"{counts} → {display_path(path)} ({state})"
        )
    listed = {day_file_path(papers_dir, outcome.date) for outcome in outcomes}
    for path in sorted(path for path, done in written.items() if done and path not in listed):
        lines.append(f"{display_path(path)}: known papers given more fields (written)")
    changed = sum(written.values())
    lines.append(f"{changed} day file(s) written, {len(outcomes)} listing day(s) imported")
    return lines
