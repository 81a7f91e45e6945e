"""Links to the site's repository, so a reader can become a contributor in one click.

The URL formats are GitHub's: `/edit/BRANCH/PATH` opens a file in the web editor and
`/new/BRANCH/FOLDER?filename=…&value=…` a new file with its text filled in.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from builder.config import SiteConfig
from builder.scaffold import note_text


def edit_url(config: SiteConfig, repo_path: str) -> str | None:
    """Where to edit a content file in the repository's web editor."""
    if not config.repo_url:
        return None
    return f"{config.repo_url.rstrip('/')}/edit/{quote(config.repo_branch)}/{quote(repo_path)}"


def new_note_url(
    config: SiteConfig, notes_folder: str, paper_id: str, paper_title: str, date: dt.date
) -> str | None:
    """A new note on one paper, its front matter filled in (the date from content, not the
    clock, so the page is the same in every build)."""
    if not config.repo_url:
        return None
    text = note_text(f"Notes on {paper_title}", date, [paper_id], {paper_id: paper_title}, None)
    query = urlencode({"filename": f"{paper_id}-notes.md", "value": text}, quote_via=quote)
    base = config.repo_url.rstrip("/")
    return f"{base}/new/{quote(config.repo_branch)}/{quote(notes_folder)}?{query}"
