"""`litdigest new note`: a new note file with its front matter filled in."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import yaml
from slugify import slugify

from builder.errors import ContentError, Problem, UsageError, display_path
from builder.records import load_day_listings
from builder.symlinks import links_leaving

BODY_HINT = """\
Write your note here, in Markdown: link a paper with `[its title](paper:ID)`, as in
LINK; tables, footnotes[^1] and ~~strikethrough~~ work.

[^1]: Like this.
"""


def new_note(
    content_dir: Path, title: str, paper_ids: Sequence[str], today: dt.date | None = None
) -> Path:
    """Create content/notes/<slug>.md; never overwrite an existing note."""
    if leaving := links_leaving(content_dir, "content"):  # never write outside content/
        raise ContentError(leaving)
    slug = slugify(title, max_length=60, word_boundary=True)
    if not slug:
        raise UsageError(f"cannot make a file name from the title {title!r}: add some letters")
    titles = _paper_titles(content_dir)
    unknown = [pid for pid in paper_ids if pid not in titles]
    if unknown:
        hints = []
        for pid in unknown:
            close = difflib.get_close_matches(pid, list(titles), n=1, cutoff=0.6)
            hints.append(f"{pid!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise UsageError("unknown paper id " + ", ".join(hints))
    notes_dir = content_dir / "notes"
    path = notes_dir / f"{slug}.md"
    text = note_text(title, today or dt.date.today(), paper_ids, titles, _git_user())
    notes_dir.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as file:  # "x": refuse to overwrite
            file.write(text)
    except FileExistsError:
        raise ContentError(
            [
                Problem(
                    display_path(path),
                    "a note with this name already exists",
                    hint="choose another title or edit that note",
                )
            ]
        ) from None
    return path


def note_text(
    title: str,
    date: dt.date,
    paper_ids: Sequence[str],
    titles: dict[str, str],
    author: str | None,
) -> str:
    def scalar(value: str) -> str:
        return yaml.safe_dump(value, default_style=None, width=10_000).removesuffix("\n...\n")

    lines = ["---", f"title: {scalar(title).strip()}", f"date: {date.isoformat()}"]
    if author:
        lines += ["authors:", f"  - {scalar(author).strip()}"]
    else:
        lines.append("authors: []  # your name as it should be shown")
    if paper_ids:
        lines.append("papers:")
        lines += [f"  - {pid}  # {titles[pid]}" for pid in paper_ids]
    else:
        lines.append("papers: []  # ids from content/papers/*.yaml")
    lines += [
        "# topics: [slug]  # pin the papers to topics from content/topics.yaml",
        "# summary: One sentence for lists and feeds.",
        "draft: false",
        "---",
        "",
        BODY_HINT.replace(
            "LINK", f"[this paper](paper:{paper_ids[0]})" if paper_ids else "the notes shipped"
        ),
    ]
    return "\n".join(lines)


def _paper_titles(content_dir: Path) -> dict[str, str]:
    listings = load_day_listings(content_dir / "papers")
    return {
        record.id: " ".join(record.title.split())
        for listing in listings
        for record in listing.records
    }


def _git_user() -> str | None:
    """The author's name from git, as a pull-request writer has it configured."""
    if os.environ.get("LITDIGEST_AUTHOR"):
        return os.environ["LITDIGEST_AUTHOR"]
    try:
        result = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None
