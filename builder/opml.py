"""/feeds.opml: every feed of the site in one OPML 2.0 file, for a feed reader's import.

Each feed is one outline with its RSS address (its Atom twin carries the same items, and a
reader importing both would show every item twice), grouped as the feeds page groups them.
Made with ElementTree, which escapes every attribute; its date is the newest item's, so two
builds give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from builder.config import SiteConfig
from builder.feeds import Feed
from builder.output import OutputFile
from builder.paths import OPML

OPML_DOCS = "https://opml.org/spec2.opml"
# Feed groups by where the feed lives, in the order of the feeds page.
GROUPS = (
    ("feeds/", "Saved searches"),
    ("topics/", "By topic"),
    ("categories/", "By arXiv category"),
)
SITE_GROUP = "Whole site"


def group_of(feed: Feed) -> str:
    return next((name for prefix, name in GROUPS if feed.ref.rss.startswith(prefix)), SITE_GROUP)


def opml_document(feeds: Sequence[Feed], config: SiteConfig) -> bytes:
    """The OPML text: a head naming the site, an outline per group and per feed."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{config.title}: every feed"
    dates = [entry.date for feed in feeds for entry in feed.entries]
    if dates:
        newest = max(dates)
        stamp = dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)
        ET.SubElement(head, "dateCreated").text = email.utils.format_datetime(stamp, usegmt=True)
    ET.SubElement(head, "ownerName").text = config.author
    ET.SubElement(head, "docs").text = OPML_DOCS
    body = ET.SubElement(root, "body")
    order = [SITE_GROUP, *(name for _, name in GROUPS)]
    for group in sorted({group_of(feed) for feed in feeds}, key=order.index):
        folder = ET.SubElement(body, "outline", text=group, title=group)
        for feed in feeds:
            if group_of(feed) != group:
                continue
            ET.SubElement(
                folder,
                "outline",
                type="rss",
                text=feed.title,
                title=feed.title,
                description=feed.description,
                xmlUrl=config.absolute_url(feed.ref.rss),
                htmlUrl=config.absolute_url(feed.page_path),
                language=config.language,
                version="RSS2",
            )
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


def opml_file(feeds: Sequence[Feed], config: SiteConfig) -> OutputFile:
    return OutputFile(OPML, opml_document(feeds, config), "OPML list of feeds")
