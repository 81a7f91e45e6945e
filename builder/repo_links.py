"""Links to the site's repository, so a reader can become a contributor in one click.

The URL formats are GitHub's: `/edit/BRANCH/PATH` opens a file in the web editor and
`/new/BRANCH/FOLDER?filename=…&value=…` a new file with its text filled in.
"""

from __future__ import annotations

import datetime as dt
import string
from urllib.parse import quote

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
    """A new note on one paper, its front matter filled in. `date` is the day the paper was
    first listed: from content, not the clock, and not the newest day, so a paper's page stays
    the same in every build, and importing a day leaves it alone."""
    if not config.repo_url:
        return None
    text = note_text(f"Notes on {paper_title}", date, [paper_id], {paper_id: paper_title}, None)
    query = f"filename={_percent_encoded(f'{paper_id}-notes.md')}&value={_percent_encoded(text)}"
    base = config.repo_url.rstrip("/")
    return f"{base}/new/{quote(config.repo_branch)}/{quote(notes_folder)}?{query}"


# Each UTF-8 byte as `quote(text, safe="")` writes it. urllib quotes byte by byte in Python;
# one `str.translate` does it in C, and every paper page carries a whole prefilled note.
_PERCENT = [
    chr(byte) if chr(byte) in string.ascii_letters + string.digits + "_.-~" else f"%{byte:02X}"
    for byte in range(256)
]


def _percent_encoded(text: str) -> str:
    """`text` percent-encoded for a URL's query, as `urllib.parse.quote(text, safe="")`."""
    return text.encode("utf-8").decode("latin-1").translate(_PERCENT)
