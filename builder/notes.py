"""Notes: Markdown files with YAML front matter under content/notes/, read and validated.

A note is ``content/notes/<slug>.md`` (sub-folders are allowed for tidiness; the slug is the
file name only, so it must be unique across them)::

    ---
    title: What the paper really shows
    date: 2025-09-08
    authors: [A. Reader]
    papers: [some-paper-id]
    topics: [retrieval]
    summary: One sentence for lists and feeds.
    draft: false
    ---
    The Markdown body.

Files and folders whose name starts with ``.`` or ``_`` are ignored, as is anything not
ending in ``.md``. Loading checks what a note says about itself; whether its paper ids and
topics exist is `check_note_references`, and links inside the body are checked when it is
rendered (`builder.markdown.render_markdown`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Iterable, Set
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from slugify import slugify

from builder.errors import ContentError, Problem, ProblemList, display_path
from builder.memo import Memo
from builder.pickling import pickled_by_fields
from builder.yamlio import LineDict, LineList, load_yaml_text, read_text

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_KEYS = ("title", "date")
KNOWN_KEYS = ("title", "date", "authors", "papers", "topics", "summary", "draft")
_FENCE = "---"
# A long essay is 60 KB; at this size the worst Markdown still renders in a few seconds.
MAX_NOTE_BYTES = 256 * 1024


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Note:
    """One note, validated; `body` is Markdown that starts on file line `body_line`."""

    slug: str
    title: str
    date: dt.date
    path: Path
    body: str
    body_line: int
    authors: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    summary: str | None = None
    draft: bool = False
    # File lines of each entry of `papers` and `topics`, in the same order, for problems.
    paper_lines: tuple[int, ...] = ()
    topic_lines: tuple[int, ...] = ()


def load_notes(notes_dir: Path, include_drafts: bool, memo: Memo | None = None) -> tuple[Note, ...]:
    """Read every note, check them all, then raise once; newest first, then by slug. With a
    `memo`, a note whose file is unchanged since a build stored it is not parsed again."""
    memo = memo or Memo(None)
    problems = ProblemList()
    notes: list[Note] = []
    where = os.getcwd()  # problems name files relative to it
    for path in note_files(notes_dir):
        key = memo.file_key(path, MAX_NOTE_BYTES)
        load = partial(_load_note, path)
        try:
            note, found = load() if key is None else memo.get("note-file", key + where, load)
        except ContentError as error:
            problems.extend(error.problems)
            continue
        problems.extend(found)
        if note is not None:
            notes.append(note)
    _check_unique_slugs(notes, problems)
    problems.raise_if_any()
    shown = notes if include_drafts else [note for note in notes if not note.draft]
    return tuple(sorted(shown, key=lambda note: (-note.date.toordinal(), note.slug)))


def _load_note(path: Path) -> tuple[Note | None, list[Problem]]:
    """One note file read and parsed, with its problems (a file that cannot be read raises)."""
    problems = ProblemList()
    note = parse_note(read_text(path, MAX_NOTE_BYTES), path, problems)
    return note, problems.all


def note_files(notes_dir: Path) -> list[Path]:
    """The `.md` files under `notes_dir`, skipping names that start with `.` or `_`."""
    if not notes_dir.is_dir():
        return []
    return sorted(
        path
        for path in notes_dir.rglob("*.md")
        if path.is_file()
        and not any(part.startswith((".", "_")) for part in path.relative_to(notes_dir).parts)
    )


def parse_note(text: str, path: Path, problems: ProblemList) -> Note | None:
    """Split and validate one note's text; add what is wrong to `problems`."""
    before = len(problems.errors)
    slug = path.stem
    if not SLUG_PATTERN.match(slug):
        suggestion = slugify(slug) or "my-note"
        problems.add(
            path,
            f"note file name `{path.name}` is not a valid slug",
            hint=f"use lowercase letters, digits and hyphens, for example `{suggestion}.md`",
        )
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != _FENCE:
        problems.add(
            path,
            "front matter missing: a note starts with a `---` line",
            1,
            hint="begin the file with `---`, then `title:` and `date:`, then `---`",
        )
        return None
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == _FENCE), None)
    if close is None:
        problems.add(
            path,
            "front matter not closed",
            1,
            hint="add a line with just `---` between the front matter and the text",
        )
        return None
    # Blank lines in front keep YAML's line numbers those of the file, not of the block.
    data = _load_front_matter("\n" + "\n".join(lines[1:close]), path, problems)
    if data is None:
        return None
    fields = _parse_fields(data, path, problems)
    body = "\n".join(lines[close + 1 :])
    if not body.strip():
        problems.add(path, "the note has no text after its front matter", close + 1)
    if len(problems.errors) > before:
        return None
    return Note(slug=slug, path=path, body=body, body_line=close + 2, **fields)


def _load_front_matter(text: str, path: Path, problems: ProblemList) -> LineDict | None:
    try:
        data = load_yaml_text(text, path)
    except ContentError as error:
        problems.extend(error.problems)
        return None
    if data is None:
        data = LineDict()
        data.line = 2
    if not isinstance(data, LineDict):
        problems.add(path, "front matter must be a mapping of `key: value` lines", 2)
        return None
    return data


def _parse_fields(data: LineDict, path: Path, problems: ProblemList) -> dict[str, Any]:
    """The Note fields front matter gives, each checked; wrong ones are left out."""
    fields: dict[str, Any] = {}

    def line(key: str) -> int | None:
        return data.key_lines.get(key, data.line)

    for key in data:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1, cutoff=0.6)
            problems.add(
                path,
                f"unknown key `{key}` in front matter",
                line(key),
                hint=f"did you mean `{close[0]}`?" if close else "known: " + ", ".join(KNOWN_KEYS),
            )
    for key in REQUIRED_KEYS:
        if data.get(key) is None:
            problems.add(path, f"front matter needs `{key}:`", data.line)

    title = data.get("title")
    if title is not None:
        if isinstance(title, str) and title.strip():
            fields["title"] = " ".join(title.split())
        else:
            problems.add(path, "`title` must be non-empty text", line("title"))

    date = data.get("date")
    if date is not None:
        if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
            fields["date"] = date
        else:
            problems.add(
                path,
                f"`date` must be a date like 2025-09-08, not {date!r}",
                line("date"),
                hint="write the day only, without quotes or a time",
            )

    summary = data.get("summary")
    if summary is not None:
        if isinstance(summary, str) and summary.strip():
            fields["summary"] = " ".join(summary.split())
        else:
            problems.add(path, "`summary` must be non-empty text", line("summary"))

    draft = data.get("draft")
    if draft is not None:
        if isinstance(draft, bool):
            fields["draft"] = draft
        else:
            problems.add(path, "`draft` must be true or false", line("draft"))

    for key in ("authors", "papers", "topics"):
        entries = _string_list(data, key, path, problems)
        if entries:
            fields[key] = tuple(text for text, _ in entries)
            if key != "authors":
                fields[key[:-1] + "_lines"] = tuple(number for _, number in entries)
    return fields


def _string_list(
    data: LineDict, key: str, path: Path, problems: ProblemList
) -> list[tuple[str, int]]:
    """A list of non-empty strings, each with its file line; problems for anything else."""
    value = data.get(key)
    key_line = data.key_lines.get(key, data.line or 1)
    if value is None:
        return []
    if not isinstance(value, LineList):
        problems.add(
            path,
            f"`{key}` must be a list",
            key_line,
            hint=f"write `{key}: [{value}]` or one `- item` per line",
        )
        return []
    entries: list[tuple[str, int]] = []
    for item, item_line in zip(value, value.item_lines, strict=True):
        if not isinstance(item, str) or not item.strip():
            problems.add(path, f"each entry of `{key}` must be non-empty text", item_line)
        elif key != "authors" and not SLUG_PATTERN.match(item.strip()):
            problems.add(
                path,
                f"`{item}` in `{key}` is not an id",
                item_line,
                hint="ids are lowercase letters, digits and hyphens",
            )
        else:
            entries.append((item.strip(), item_line))
    return entries


def _check_unique_slugs(notes: Iterable[Note], problems: ProblemList) -> None:
    first: dict[str, Note] = {}
    for note in notes:
        if note.slug in first:
            problems.add(
                note.path,
                f"another note already has the slug `{note.slug}`",
                hint=f"see {display_path(first[note.slug].path)}; rename one of them",
            )
        else:
            first[note.slug] = note


def check_note_references(
    notes: Iterable[Note], paper_ids: Set[str], topic_slugs: Set[str]
) -> list[Problem]:
    """Problems for paper ids and topics that notes name but the site does not have."""
    problems = ProblemList()
    for note in notes:
        for kind, names, lines, known in (
            ("paper", note.papers, note.paper_lines, paper_ids),
            ("topic", note.topics, note.topic_lines, topic_slugs),
        ):
            seen: set[str] = set()
            for name, line in zip(names, lines, strict=True):
                if name in seen:
                    problems.add(note.path, f"{kind} `{name}` is listed twice", line)
                    continue
                seen.add(name)
                if name not in known:
                    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
                    problems.add(
                        note.path,
                        f"unknown {kind} `{name}`",
                        line,
                        hint=f"did you mean `{close[0]}`?" if close else None,
                    )
    return problems.all
