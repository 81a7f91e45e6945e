"""Citations of a paper: BibTeX and CSL-JSON made from what its record has, and their files.

Both say the same: title, authors, the year (arXiv's for an arXiv paper, else the day it was
first listed), the arXiv id, a URL. CSL-JSON (the data Zotero, Pandoc and citeproc read) is
one item in a list; names are split into given and family where that is safe, and kept whole
(`literal`) where it is not ("Research and Development Team", "Smith, Jr.").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from builder import arxiv
from builder.bibtex import format_bibtex, record_bibtex
from builder.output import OutputFile
from builder.records import Record

# Lower-case words that belong to the family name ("John von Neumann" → "von Neumann").
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la"})
_GROUP_WORDS = frozenset({"and", "team", "lab", "group", "consortium", "collaboration"})


@dataclass(frozen=True, slots=True)
class Citation:
    """A paper's citation as text to show and to download."""

    bibtex: str
    csl_json: str
    bib_path: str  # site paths of the downloadable files
    json_path: str


def csl_name(name: str) -> dict[str, str]:
    """A CSL name: given and family for a personal name, `literal` for anything else."""
    words = name.split()
    if (
        len(words) < 2
        or "," in name
        or any(word.casefold() in _GROUP_WORDS for word in words)
        or not words[-1][:1].isalpha()
    ):
        return {"literal": " ".join(words)}
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    return {"family": " ".join(words[start:]), "given": " ".join(words[:start])}


def csl_item(paper_id: str, record: Record, first_listed: dt.date, permalink: str) -> dict:
    """One CSL-JSON item; keys in a fixed order."""
    eprint = arxiv.arxiv_id(record.arxiv) if record.arxiv else None
    item: dict[str, Any] = {"id": paper_id, "type": "article", "title": record.title}
    if record.authors:
        item["author"] = [csl_name(name) for name in record.authors]
    if eprint is not None:
        year = arxiv.year_of(eprint) or first_listed.year
        item["issued"] = {"date-parts": [[year]]}
        item["publisher"] = "arXiv"
        item["number"] = f"arXiv:{eprint}"
        item["URL"] = arxiv.abs_url(eprint)
    else:
        listed = [first_listed.year, first_listed.month, first_listed.day]
        item["issued"] = {"date-parts": [listed]}
        project = next((link.url for link in record.links if link.kind == "project"), None)
        item["URL"] = record.url or project or permalink
    item["abstract"] = record.abstract
    return item


def paper_citation(
    paper_id: str,
    record: Record,
    first_listed: dt.date,
    permalink: str,
    bib_path: str,
    json_path: str,
) -> Citation:
    """BibTeX and CSL-JSON for one paper; `permalink` is its page, absolute."""
    bibtex = format_bibtex(record_bibtex(paper_id, record, first_listed, permalink))
    item = csl_item(paper_id, record, first_listed, permalink)
    return Citation(bibtex, json_text([item]), bib_path, json_path)


def json_text(data: object) -> str:
    """JSON as the site writes it: UTF-8 text, two-space indent, a final newline."""
    return json_bytes(data).decode("utf-8")


def json_bytes(data: object) -> bytes:
    """`json_text` encoded, made without a detour through a str for the large API files."""
    try:  # the standard library's layout for indent=2, made in C and ten times faster
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # what orjson refuses, such as integers past 64 bits
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def citation_files(citations: Iterable[Citation], source: str = "citation") -> list[OutputFile]:
    """Each citation's `.bib` and `.json` file."""
    files = []
    for citation in citations:
        files.append(OutputFile(citation.bib_path, citation.bibtex.encode("utf-8"), source))
        files.append(OutputFile(citation.json_path, citation.csl_json.encode("utf-8"), source))
    return files
