"""`litdigest new note`: a new note file with its front matter filled in."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
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
    lines = ["---", f"title: {yaml_scalar(title)}", f"date: {date.isoformat()}"]
    if author:
        lines += ["authors:", f"  - {yaml_scalar(author)}"]
    else:
        lines.append("authors: []  # your name as it should be shown")
    if paper_ids:
        lines.append("papers:")
        lines += [f"  - {pid}  # {_comment(titles[pid])}" for pid in paper_ids]
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


# What PyYAML's emitter decides for a one-line value, found without running it (running it
# for every paper page was the slowest step of making the pages); the output is the same.
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
# Block context: what keeps a printable ASCII value from being written plain.
_NOT_PLAIN = re.compile(r"""---|\.\.\.|[#,\[\]{}&*!|>'"%@` ]|[?:-](?: |$)|.*(?:: |:$| #| $)""")
_DOUBLE_QUOTED_ESCAPES = {
    **{chr(code): f"\\x{code:02X}" for code in range(0x100)},
    **{char: "\\" + name for char, name in yaml.emitter.Emitter.ESCAPE_REPLACEMENTS.items()},
}
_NEEDS_ESCAPE = re.compile(r'[^\x20-\x7e]|["\\]')
# Characters a YAML reader refuses or takes for a line break, even in a comment.
_NOT_FOR_COMMENTS = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def yaml_scalar(value: str) -> str:
    """`value` as YAML reads it back, written as `yaml.safe_dump` writes it: plain where
    that reads back as the same text, else single-quoted, else double-quoted with escapes."""
    if _PRINTABLE_ASCII.fullmatch(value):
        if value and not _NOT_PLAIN.match(value) and _resolves_to_text(value):
            return value
        return "'" + value.replace("'", "''") + "'"
    return '"' + _NEEDS_ESCAPE.sub(_escape, value) + '"'


def _resolves_to_text(plain: str) -> bool:
    """Whether a plain scalar is read as text, not as a number, date, bool or null."""
    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers.get(plain[0], ())
    return not any(pattern.match(plain) for _, pattern in resolvers)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _DOUBLE_QUOTED_ESCAPES:
        return _DOUBLE_QUOTED_ESCAPES[char]
    return f"\\u{ord(char):04X}" if char <= "\uffff" else f"\\U{ord(char):08X}"


def _comment(text: str) -> str:
    """Text for a YAML comment: one line, only characters YAML reads."""
    return _NOT_FOR_COMMENTS.sub("\ufffd", " ".join(text.split()))


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
