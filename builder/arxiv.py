"""arXiv identifiers and categories: recognised in any spelling, kept without the version.

An id is `2509.01234` (new style, since 2007) or `hep-th/9901001` (old style, archive and
number). It may come as `arXiv:2509.01234v2`, `http://arxiv.org/abs/2509.01234v2` or a PDF
link; the version is dropped so every version of a paper is one paper.
"""

from __future__ import annotations

import re

_NEW_STYLE = r"\d{4}\.\d{4,5}"
_OLD_STYLE = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
_ID = re.compile(
    r"^(?i:arxiv:)?"
    r"(?i:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)?"
    rf"(?P<id>{_NEW_STYLE}|{_OLD_STYLE})(?:v\d+)?(?i:\.pdf)?/?$"
)
# An arXiv category: `cs.LG`, `hep-th`, `cond-mat.mes-hall`, `q-bio.NC`. ACM and MSC classes
# (`I.2.7`, `68T05`), which Atom responses list as categories too, do not match.
CATEGORY = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?$")


def arxiv_id(text: str) -> str | None:
    """The versionless arXiv id that `text` names, or None when it names none."""
    match = _ID.match(text.strip())
    return match.group("id") if match else None


def identity(text: str) -> str:
    """What makes two `arxiv:` values the same paper: the id when there is one, else the text."""
    return arxiv_id(text) or " ".join(text.split())


def abs_url(paper: str) -> str:
    return f"https://arxiv.org/abs/{paper}"


def pdf_url(paper: str) -> str:
    return f"https://arxiv.org/pdf/{paper}"


def year_of(paper: str) -> int | None:
    """The year an id was issued in (`2509.01234`: 2025; `hep-th/9901001`: 1999)."""
    digits = paper.rsplit("/", 1)[-1][:2]
    if not digits.isdigit():
        return None
    two = int(digits)
    return 1900 + two if two >= 91 else 2000 + two
