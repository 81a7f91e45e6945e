"""BibTeX for a paper with an arXiv id: plain data here, written out by the paper template.

An `@misc` entry as arXiv itself suggests: title, authors joined by " and ", year, `eprint`,
`archivePrefix = {arXiv}`, `primaryClass` when the primary category is known, and the abstract
page as `url`. Every value is escaped so that LaTeX reads it back as the same text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from builder import arxiv
from builder.records import Record

# LaTeX's special characters, each as text that prints it.
_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL = re.compile("|".join(re.escape(char) for char in _SPECIALS))


@dataclass(frozen=True, slots=True)
class BibEntry:
    """One entry: `@kind{key, name = {value}, …}`, values already escaped."""

    kind: str
    key: str
    fields: tuple[tuple[str, str], ...]


def escape(text: str) -> str:
    """Text as a BibTeX value that LaTeX prints as exactly this text."""
    return _SPECIAL.sub(lambda match: _SPECIALS[match.group()], " ".join(text.split()))


def author_list(names: tuple[str, ...]) -> str:
    """Names joined by " and "; a name BibTeX would split or reorder is braced whole."""
    parts = []
    for name in names:
        value = escape(name)
        if "," in name or re.search(r"\band\b", name, re.IGNORECASE):
            value = "{" + value + "}"  # "Research and Development Team", "Smith, Jr."
        parts.append(value)
    return " and ".join(parts)


def paper_bibtex(paper_id: str, record: Record, first_listed: dt.date) -> BibEntry | None:
    """The entry for a paper, or None when the record has no arXiv id to cite."""
    eprint = arxiv.arxiv_id(record.arxiv) if record.arxiv else None
    if eprint is None:
        return None
    fields = [("title", "{" + escape(record.title) + "}")]  # braced: keep its capitals
    if record.authors:
        fields.append(("author", author_list(record.authors)))
    fields.append(("year", str(arxiv.year_of(eprint) or first_listed.year)))
    fields += [("eprint", eprint), ("archivePrefix", "arXiv")]
    if record.categories:
        fields.append(("primaryClass", escape(record.categories[0])))
    fields.append(("url", arxiv.abs_url(eprint)))
    return BibEntry("misc", paper_id, tuple(fields))


def record_bibtex(paper_id: str, record: Record, first_listed: dt.date, permalink: str) -> BibEntry:
    """An entry for any paper: arXiv's when it has an id, else an `@misc` from what the
    record has — title, authors, the year it was first listed, and its own URL (the record's
    `url`, a project page, or else its page on this site)."""
    entry = paper_bibtex(paper_id, record, first_listed)
    if entry is not None:
        return entry
    fields = [("title", "{" + escape(record.title) + "}")]
    if record.authors:
        fields.append(("author", author_list(record.authors)))
    fields.append(("year", str(first_listed.year)))
    project = next((link.url for link in record.links if link.kind == "project"), None)
    fields.append(("url", url_value(record.url or project or permalink)))
    return BibEntry("misc", paper_id, tuple(fields))


def url_value(url: str) -> str:
    """A URL as a BibTeX value: kept verbatim (`\\url` reads it so), braces percent-encoded."""
    return "".join(url.split()).replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def format_bibtex(entry: BibEntry) -> str:
    """The entry as BibTeX text, one field a line."""
    lines = [f"  {name} = {{{value}}}" for name, value in entry.fields]
    return f"@{entry.kind}{{{entry.key},\n" + ",\n".join(lines) + "\n}\n"
