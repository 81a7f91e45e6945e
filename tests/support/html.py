"""What a built page says about itself, read with the standard library's HTML parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

# Attributes that hold a URL the browser (or a crawler) will follow or fetch.
URL_ATTRIBUTES = {"href", "src", "action", "poster", "data", "cite", "formaction"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Script elements a browser never runs: structured data (JSON-LD) is allowed under the CSP.
DATA_BLOCKS = {"application/ld+json"}


@dataclass(frozen=True, slots=True)
class Ref:
    tag: str
    attribute: str
    url: str
    line: int


@dataclass(slots=True)
class PageFacts:
    """Filled in by one parse of one page, then only read."""

    path: str  # relative to the site root
    lang: str | None = None
    title: str = ""
    description: str | None = None
    robots: str | None = None
    canonical: list[str] = field(default_factory=list)
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (type, href)
    headings: list[int] = field(default_factory=list)  # levels in document order
    ids: set[str] = field(default_factory=set)
    refs: list[Ref] = field(default_factory=list)
    mains: list[str | None] = field(default_factory=list)  # id of each <main>
    first_link: str | None = None  # href of the first <a> in <body>
    inline_styles: int = 0  # style attributes and <style> elements
    scripts: int = 0
    event_handlers: int = 0  # on…= attributes
    current_links: list[tuple[str, str]] = field(default_factory=list)  # (aria-current, href)
    empty_links: list[int] = field(default_factory=list)  # lines of links without text


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Reader(HTMLParser):
    def __init__(self, facts: PageFacts):
        super().__init__(convert_charrefs=True)
        self.facts = facts
        self._in_title = False
        self._in_body = False
        self._link: tuple[int, bool] | None = None  # (line, has a name) of the open <a>
        self._open: list[tuple[str, bool]] = []  # open elements, each with "aria-hidden here"

    @property
    def _hidden(self) -> bool:
        return bool(self._open) and self._open[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag not in VOID:
            hidden = self._hidden or dict(attrs).get("aria-hidden") == "true"
            self._open.append((tag, hidden))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        # Pop back to the matching element; implied end tags (</p>, </li>) close with it.
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break
        if tag == "title":
            self._in_title = False
        elif tag == "a" and self._link is not None:
            line, named = self._link
            if not named:
                self.facts.empty_links.append(line)
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.facts.title += data
        # Text inside aria-hidden content names nothing for a screen reader.
        if self._link is not None and data.strip() and not self._hidden:
            self._link = (self._link[0], True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        facts = self.facts
        values = {name: value or "" for name, value in attrs}
        line = self.getpos()[0]
        for name, value in values.items():
            if name in URL_ATTRIBUTES:
                facts.refs.append(Ref(tag, name, value, line))
            if name == "style":
                facts.inline_styles += 1
            if name.startswith("on"):
                facts.event_handlers += 1
        if "id" in values:
            facts.ids.add(values["id"])
        if tag == "a" and "name" in values:
            facts.ids.add(values["name"])
        if tag == "html":
            facts.lang = values.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "body":
            self._in_body = True
        elif tag == "meta":
            name = values.get("name", "").lower()
            if name == "description":
                facts.description = values.get("content")
            elif name == "robots":
                facts.robots = values.get("content")
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            if "canonical" in rels:
                facts.canonical.append(values.get("href", ""))
            if "alternate" in rels:
                facts.alternates.append((values.get("type", ""), values.get("href", "")))
        elif tag in HEADINGS:
            facts.headings.append(HEADINGS[tag])
        elif tag == "main":
            facts.mains.append(values.get("id"))
        elif tag == "style":
            facts.inline_styles += 1
        elif tag == "script" and values.get("type", "").lower() not in DATA_BLOCKS:
            facts.scripts += 1
        elif tag == "a":
            if self._in_body and facts.first_link is None:
                facts.first_link = values.get("href")
            if "aria-current" in values:
                facts.current_links.append((values["aria-current"], values.get("href", "")))
            self._link = (line, bool(values.get("aria-label", "").strip()))
        elif tag == "img" and self._link is not None and values.get("alt", "").strip():
            self._link = (self._link[0], True)


def read_page(site_dir: Path, path: str) -> PageFacts:
    facts = PageFacts(path)
    reader = _Reader(facts)
    reader.feed((site_dir / path).read_text(encoding="utf-8"))
    reader.close()
    return facts


def read_site(site_dir: Path) -> dict[str, PageFacts]:
    """Facts of every .html file under `site_dir`, keyed by its path relative to it."""
    return {
        path.relative_to(site_dir).as_posix(): read_page(
            site_dir, path.relative_to(site_dir).as_posix()
        )
        for path in sorted(site_dir.rglob("*.html"))
    }
