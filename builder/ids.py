"""Paper ids: a readable slug of the title that stays the paper's identity forever.

The rule (also in README "Importing listings"):

1. `slug_for(title)`: python-slugify of each word of the title (apostrophes dropped, so
   "Don't" is "dont"), lowercase ASCII joined by single hyphens, keeping whole title words
   (a hyphenated word counts as one) up to 60 characters; a cut slug loses trailing words
   like `of`, `for`, `with`.
2. A slug that is empty (`???`, `..`) becomes `paper-<hash>`; a slug that is a reserved name
   (a Windows device name such as `con` or `nul`, or a name the site uses for its own pages
   such as `index` or `page`) becomes `<slug>-<hash>`.
3. A slug already used by a *different* paper becomes `<slug>-<hash>`.

`<hash>` is the start of the SHA-256 of the normalised title (`records.normalised_title`), so the
same title always gets the same suffix whatever order papers are imported in.
Once written, an id is never recomputed: a paper already in any day file keeps its id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from slugify import slugify

from builder import arxiv as arxiv_ids
from builder.records import ID_PATTERN, Record, normalised_title

MAX_SLUG_LENGTH = 60
HASH_LENGTH = 8
# An abstract shorter than this is too likely to be boilerplate to identify a paper by.
MIN_IDENTIFYING_ABSTRACT = 200

_WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {
    f"{name}{n}" for name in ("com", "lpt") for n in range(10)
}
# Names the site may give its own pages or folders; a paper must never shadow one.
_SITE_NAMES = {
    "index",
    "page",
    "pages",
    "paper",
    "papers",
    "day",
    "days",
    "topic",
    "topics",
    "note",
    "notes",
    "archive",
    "feed",
    "feeds",
    "rss",
    "atom",
    "static",
    "assets",
    "theme",
    "search",
    "about",
    "404",
}
RESERVED_IDS = frozenset(_WINDOWS_DEVICES | _SITE_NAMES)
# Words a cut slug should not end on: "...-for" reads as if something went missing.
_DANGLING = frozenset(
    {"a", "an", "the", "of", "for", "with", "via", "and", "or", "in", "on", "to", "by", "from"}
    | {"using", "at", "as", "is", "are", "into", "through", "toward", "towards", "without"}
    | {"under", "over", "vs", "its", "their", "our", "your"}
)


def title_hash(title: str, length: int = HASH_LENGTH) -> str:
    """A short, stable hex digest of a title's identity."""
    return hashlib.sha256(normalised_title(title).encode("utf-8")).hexdigest()[:length]


def slug_for(title: str) -> str:
    """The preferred id for a title, before collisions with other papers are considered."""
    slug = _cut(_slug_words(title))
    if not slug:
        return f"paper-{title_hash(title)}"
    if slug in RESERVED_IDS:
        return f"{slug}-{title_hash(title)}"
    return slug


def _slug_words(title: str) -> list[str]:
    """The title's words, each slugged on its own so a hyphenated word is never split."""
    words = (
        slugify(word, replacements=[["'", ""], ["’", ""]], save_order=True)
        for word in title.split()
    )
    return [word for word in words if word]


def _cut(words: list[str]) -> str:
    """Whole words up to MAX_SLUG_LENGTH; a cut slug does not end on a word like `of`."""
    kept: list[str] = []
    for word in words:
        if len("-".join([*kept, word])) > MAX_SLUG_LENGTH:
            break
        kept.append(word)
    if not kept:  # a first word longer than the limit is cut inside
        return words[0][:MAX_SLUG_LENGTH].strip("-") if words else ""
    if len(kept) < len(words):
        while len(kept) > 1 and kept[-1] in _DANGLING:
            kept.pop()
    return "-".join(kept)


def normalised_abstract(abstract: str) -> str | None:
    """An abstract as an identity key, or None when it is too short to identify anything."""
    key = normalised_title(abstract)
    return key if len(key) >= MIN_IDENTIFYING_ABSTRACT else None


@dataclass(frozen=True, slots=True)
class Known:
    """A paper already given an id: the id and the title it is known by."""

    id: str
    title: str


class IdRegistry:
    """Every id in use and what it identifies; hands out ids for papers not seen before.

    Same paper = same normalised title, or the same arXiv id, or (so that a hand-fixed title
    still matches the dump it came from) the same long abstract; but never two different
    arXiv ids.
    """

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._by_title: dict[str, Known] = {}
        self._by_arxiv: dict[str, Known] = {}
        self._by_abstract: dict[str, Known] = {}
        self._titles_of_id: dict[str, str] = {}
        self._arxiv_of_id: dict[str, str] = {}
        for record in records:
            self.remember(record.id, record.title, record.abstract, record.arxiv)

    def find(self, title: str, abstract: str = "", arxiv: str | None = None) -> Known | None:
        """The paper these facts identify, if it already has an id."""
        key = arxiv_ids.identity(arxiv) if arxiv else None
        if key and key in self._by_arxiv:
            return self._by_arxiv[key]
        found = self._by_title.get(normalised_title(title))
        abstract_key = normalised_abstract(abstract)
        if found is None and abstract_key:
            found = self._by_abstract.get(abstract_key)
        if found is not None and not self._may_be(found.id, key):
            return None  # the same title, but another arXiv paper
        return found

    def new_id(self, title: str, arxiv: str | None = None) -> str:
        """A fresh id for a paper that `find` does not know; never one already in use."""
        key = arxiv_ids.identity(arxiv) if arxiv else None
        slug = slug_for(title)
        if self._free_for(slug, title, key):
            return slug
        for length in (HASH_LENGTH, 16, 64):
            candidate = f"{slug}-{title_hash(title, length)}"
            if self._free_for(candidate, title, key):
                return candidate
        number = 2
        while not self._free_for(f"{slug}-{number}", title, key):
            number += 1
        return f"{slug}-{number}"

    def remember(self, paper_id: str, title: str, abstract: str, arxiv: str | None) -> Known:
        """Record that `paper_id` is this paper; the first title seen for an id stays its name."""
        known = Known(paper_id, self._titles_of_id.setdefault(paper_id, title))
        self._by_title.setdefault(normalised_title(title), known)
        if arxiv:
            self._by_arxiv.setdefault(arxiv_ids.identity(arxiv), known)
            self._arxiv_of_id.setdefault(paper_id, arxiv_ids.identity(arxiv))
        key = normalised_abstract(abstract)
        if key:
            self._by_abstract.setdefault(key, known)
        return known

    def _may_be(self, paper_id: str, arxiv_key: str | None) -> bool:
        """Whether the paper `paper_id` may be the one with this arXiv id."""
        own = self._arxiv_of_id.get(paper_id)
        return arxiv_key is None or own is None or own == arxiv_key

    def _free_for(self, candidate: str, title: str, arxiv_key: str | None = None) -> bool:
        owner = self._titles_of_id.get(candidate)
        if owner is None:
            return True
        same_title = normalised_title(owner) == normalised_title(title)
        return same_title and self._may_be(candidate, arxiv_key)


def is_valid_id(paper_id: str) -> bool:
    """Whether an id is a slug the records loader accepts and no reserved name."""
    return bool(ID_PATTERN.match(paper_id)) and paper_id not in RESERVED_IDS
