"""Sharing and discovery: Open Graph and Twitter card metadata, JSON-LD, favicon, feed links
and the feeds page, read from a copy of the fixture site with hostile text in its titles."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from builder.build import build_site
from builder.config import load_config
from tests.support.icon import icon_png
from tests.support.links import internal_path, page_url

FIXTURE = Path(__file__).parent / "fixtures" / "site"
ICON = Path(__file__).parents[1] / "themes" / "default" / "static" / "icon.png"
# Text that ends a <script> element, opens a comment or breaks JSON if it is pasted raw.
HOSTILE = "Limits </script><script>alert(1)</script><!-- & 'quoted' \u2028 \"twice\""
HOSTILE_AUTHOR = "</SCRIPT><img src=x onerror=alert(1)>"
HOSTILE_NOTE = f"""---
title: {json.dumps(HOSTILE)}
date: 2025-03-15
authors: [{json.dumps(HOSTILE_AUTHOR)}]
papers: [dense-retrieval-limits]
topics: [retrieval]
summary: "A summary </script> too."
---
Body.
"""


FEEDS_LINK = re.compile(r'<a href="[^"]*"( aria-current="(page|true)")?>Feeds</a>')


@dataclass
class Head:
    """What one page says about itself to crawlers and link previews."""

    title: str = ""
    meta: dict[str, list[str]] = field(default_factory=dict)  # property or name → contents
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (rel, type, href)
    json_ld: list[str] = field(default_factory=list)  # raw text of each data block
    scripts: int = 0  # every <script> element, data or not
    inputs: list[str] = field(default_factory=list)  # values of read-only inputs in <body>

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0]


class _HeadReader(HTMLParser):
    def __init__(self, head: Head):
        super().__init__(convert_charrefs=True)
        self.head = head
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and ("property" in values or "name" in values):
            key = values.get("property") or values["name"]
            self.head.meta.setdefault(key, []).append(values.get("content", ""))
        elif tag == "link":
            self.head.links.append(
                (values.get("rel", ""), values.get("type", ""), values.get("href", ""))
            )
        elif tag == "script":
            self.head.scripts += 1
            if values.get("type") == "application/ld+json":
                self.head.json_ld.append("")
                self._in = "json"
        elif tag == "title":
            self._in = "title"
        elif tag == "input" and "readonly" in values:
            self.head.inputs.append(values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "json":
            self.head.json_ld[-1] += data
        elif self._in == "title":
            self.head.title += data


def read_head(path: Path) -> Head:
    head = Head()
    reader = _HeadReader(head)
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return head


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The fixture site, plus an arXiv id and authors on one paper and a hostile note."""
    root = tmp_path_factory.mktemp("sharing")
    content = root / "content"
    shutil.copytree(FIXTURE, content)
    day = content / "papers" / "2025-03-11.yaml"
    text = day.read_text(encoding="utf-8")
    old = "    title: Limits of Dense Retrieval\n"
    assert old in text
    day.write_text(
        text.replace(
            old,
            f"    title: {json.dumps(HOSTILE)}\n    arxiv: '2508.21038'\n"
            "    url: https://example.org/paper.pdf\n"
            f"    authors: [Ada Lovelace, {json.dumps(HOSTILE_AUTHOR)}]\n",
        ),
        encoding="utf-8",
    )
    (content / "notes" / "hostile-title.md").write_text(HOSTILE_NOTE, encoding="utf-8")
    out = root / "site"
    build_site(content, out_dir=out)
    return out


@pytest.fixture(scope="module")
def config(site):
    return load_config(site.parent / "content")


@pytest.fixture(scope="module")
def heads(site) -> dict[str, Head]:
    return {
        path.relative_to(site).as_posix(): read_head(path) for path in sorted(site.rglob("*.html"))
    }


def structured(head: Head) -> dict:
    assert len(head.json_ld) == 1, "one JSON-LD block"
    return json.loads(head.json_ld[0])


def test_every_page_has_open_graph_and_twitter_card_metadata(heads, config):
    for path, head in heads.items():
        url = page_url(config.base_url, path)
        kind = "article" if path.startswith(("papers/", "notes/")) and path.count("/") == 2 else ""
        assert head.one("og:url") == url, path
        assert head.one("og:type") == (kind or "website"), path
        assert head.one("og:title") and head.title.startswith(head.one("og:title")), path
        assert head.one("og:description") == head.one("description"), path
        assert head.one("og:site_name") == config.title, path
        assert head.one("twitter:card") == "summary", path
        assert head.one("og:image") == config.absolute_url("static/icon.png"), path
        assert head.one("og:image:alt"), path
        assert ("canonical", "", url) in head.links, path


def test_every_page_has_the_favicon_and_links_the_feeds(heads, site, config):
    for path, head in heads.items():
        icons = [href for rel, _, href in head.links if rel == "icon"]
        assert len(icons) == 1, path
        target = internal_path(urljoin(page_url(config.base_url, path), icons[0]), config.base_url)
        assert target == "static/favicon.svg" and (site / target).is_file(), path
        touch = [href for rel, _, href in head.links if rel == "apple-touch-icon"]
        target = internal_path(urljoin(page_url(config.base_url, path), touch[0]), config.base_url)
        assert target == "static/icon.png" and (site / target).is_file(), path
        types = {kind for rel, kind, _ in head.links if rel == "alternate"}
        assert {"application/rss+xml", "application/atom+xml"} <= types, path


def test_only_paper_and_note_pages_carry_structured_data_and_no_other_script(heads):
    for path, head in heads.items():
        article = path.startswith(("papers/", "notes/")) and path.count("/") == 2
        assert len(head.json_ld) == (1 if article else 0), path
        own = 2 if path == "search/index.html" else 0  # Pagefind's UI and static/search.js
        assert head.scripts == len(head.json_ld) + own, f"{path}: a script that is not data"


def test_a_paper_page_describes_a_scholarly_article(heads, config):
    head = heads["papers/dense-retrieval-limits/index.html"]
    data = structured(head)
    url = config.absolute_url("papers/dense-retrieval-limits/")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ScholarlyArticle"
    assert data["headline"] == data["name"] == HOSTILE
    assert data["abstract"].startswith("Embedding-based retrieval cannot represent")
    assert data["url"] == url
    assert data["datePublished"] == "2025-03-11"
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Lovelace"},
        {"@type": "Person", "name": HOSTILE_AUTHOR},
    ]
    assert data["sameAs"] == ["https://arxiv.org/abs/2508.21038", "https://example.org/paper.pdf"]
    assert head.one("article:published_time") == "2025-03-11"


def test_a_paper_without_authors_or_links_names_none(heads):
    data = structured(heads["papers/a-paper-about-gardening/index.html"])
    assert "author" not in data and "sameAs" not in data
    assert data["abstract"] == "Tomatoes grow well in the sun & need water."


def test_a_note_page_describes_a_blog_posting_about_its_papers(heads, config, site):
    data = structured(heads["notes/why-retrieval-is-hard/index.html"])
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Why retrieval is hard"
    assert data["datePublished"] == "2025-03-12"
    assert data["author"] == [{"@type": "Person", "name": "Ada Reader"}]
    assert data["url"] == config.absolute_url("notes/why-retrieval-is-hard/")
    assert data["about"] == [
        {
            "@type": "ScholarlyArticle",
            "name": HOSTILE,
            "url": config.absolute_url("papers/dense-retrieval-limits/"),
        }
    ]


def test_hostile_titles_stay_inside_their_data_block(heads, site):
    for path in ("notes/hostile-title/index.html", "papers/dense-retrieval-limits/index.html"):
        head = heads[path]
        # The parser saw exactly one script element: nothing in the JSON closed it early.
        assert head.scripts == 1, path
        raw = head.json_ld[0]
        assert "<" not in raw and ">" not in raw and "&" not in raw, path
        data = json.loads(raw)
        assert HOSTILE in (data["headline"], data.get("about", [{}])[0].get("name")), path
    note = structured(heads["notes/hostile-title/index.html"])
    assert note["author"] == [{"@type": "Person", "name": HOSTILE_AUTHOR}]
    assert note["description"] == "A summary </script> too."


def test_the_feeds_page_lists_every_feed_with_absolute_addresses(heads, site, config):
    built = sorted(
        path.relative_to(site).as_posix()
        for path in site.rglob("*.xml")
        if path.name in ("feed.xml", "atom.xml")
    )
    listed = heads["feeds/index.html"].inputs
    opml = config.absolute_url("feeds.opml")  # every feed in one file, for a reader's import
    assert listed.count(opml) == 1 and (site / "feeds.opml").is_file()
    listed = [url for url in listed if url != opml]
    assert sorted(listed) == sorted(config.absolute_url(path) for path in built)
    assert len(listed) == len(set(listed))


def test_every_page_links_the_feeds_page(site):
    for path in sorted(site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        shown = path.relative_to(site).as_posix()
        assert FEEDS_LINK.search(html), shown


def test_the_png_icon_is_the_favicon_drawn_by_the_icon_module():
    """The committed PNG is exactly what tests/support/icon.py draws; after an intended change
    to it, LITDIGEST_UPDATE_GOLDEN=1 writes the file anew."""
    made = icon_png()
    if os.environ.get("LITDIGEST_UPDATE_GOLDEN") == "1":
        ICON.write_bytes(made)
    assert ICON.read_bytes() == made
    width, height = struct.unpack(">II", made[16:24])
    assert (width, height) == (512, 512)
