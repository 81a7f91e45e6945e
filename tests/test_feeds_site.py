"""Every feed of the default site, read as feed readers and the W3C feed validator read it.

The W3C validator cannot run here (no network, no package), so its rules that apply to our
feeds are checked directly: well-formed XML, required elements, a self link that is the
feed's own URL, unique absolute permalink GUIDs, RFC 822 / RFC 3339 dates, no relative URLs in
item content, newest first, within the configured limit.
"""

from __future__ import annotations

import email.utils
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from builder.build import build_site
from builder.config import load_config

CONTENT = Path(__file__).resolve().parents[1] / "content"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@pytest.fixture(scope="module")
def config():
    return load_config(CONTENT)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("feeds") / "site"
    build_site(CONTENT, out_dir=out)
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*.xml"))
        if path.name in ("feed.xml", "atom.xml")
    }


def test_there_is_a_feed_pair_for_the_site_the_notes_and_every_topic(feeds, config):
    topics = (CONTENT / "topics.yaml").read_text().count("\n  - slug: ") + 1  # + other
    # and the weekly digest, and each saved-search feed of site.yaml
    assert len(feeds) == 2 * (3 + topics + len(config.saved_feeds))
    assert {"weeks/feed.xml", "weeks/atom.xml"} <= set(feeds)
    assert {f"feeds/{feed.slug}/feed.xml" for feed in config.saved_feeds} <= set(feeds)
    assert {"feed.xml", "atom.xml", "notes/feed.xml", "notes/atom.xml"} <= set(feeds)


def test_feedparser_reads_every_feed_without_complaint(feeds):
    for path, data in feeds.items():
        parsed = feedparser.parse(data)
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.version == ("rss20" if path.endswith("feed.xml") else "atom10"), path


def test_rss_feeds_follow_the_validator_rules(feeds, config):
    for path, data in feeds.items():
        if not path.endswith("feed.xml"):
            continue
        channel = ET.fromstring(data).find("channel")
        assert channel is not None, path
        for required in ("title", "link", "description"):
            assert (channel.findtext(required) or "").strip(), f"{path}: no {required}"
        self_links = [
            a.get("href") for a in channel.findall(f"{ATOM}link") if a.get("rel") == "self"
        ]
        assert self_links == [config.absolute_url(path)], path
        check_date_rfc822(channel.findtext("lastBuildDate"), path)
        items = channel.findall("item")
        assert len(items) <= config.feed_items, path
        guids = [item.find("guid") for item in items]
        assert all(g is not None and g.get("isPermaLink") == "true" for g in guids), path
        urls = [g.text for g in guids]
        assert len(set(urls)) == len(urls), f"{path}: repeated GUID"
        dates = []
        for item in items:
            assert item.findtext("title") and item.findtext("link") == item.findtext("guid")
            assert item.findtext("link").startswith(config.base_url), path
            dates.append(check_date_rfc822(item.findtext("pubDate"), path))
            assert_absolute_links(item.findtext(f"{CONTENT_NS}encoded") or "", path)
        assert dates == sorted(dates, reverse=True), f"{path}: not newest first"


def test_atom_feeds_follow_the_validator_rules(feeds, config):
    for path, data in feeds.items():
        if not path.endswith("atom.xml"):
            continue
        feed = ET.fromstring(data)
        assert feed.tag == f"{ATOM}feed"
        assert feed.findtext(f"{ATOM}id", "").startswith("https://"), path
        assert feed.findtext(f"{ATOM}title"), path
        assert RFC3339.match(feed.findtext(f"{ATOM}updated", "")), path
        assert feed.find(f"{ATOM}author/{ATOM}name") is not None, f"{path}: no author"
        links = {a.get("rel"): a.get("href") for a in feed.findall(f"{ATOM}link")}
        assert links["self"] == config.absolute_url(path), path
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) <= config.feed_items, path
        ids = [entry.findtext(f"{ATOM}id") for entry in entries]
        assert len(set(ids)) == len(ids), f"{path}: repeated id"
        updated = []
        for entry in entries:
            assert entry.findtext(f"{ATOM}title"), path
            stamp = entry.findtext(f"{ATOM}updated", "")
            assert RFC3339.match(stamp), f"{path}: {stamp!r}"
            updated.append(stamp)
            alternate = [
                a.get("href")
                for a in entry.findall(f"{ATOM}link")
                if a.get("rel") in (None, "alternate")
            ]
            assert alternate == [entry.findtext(f"{ATOM}id")], path
            body = entry.find(f"{ATOM}content")
            assert body is not None and body.get("type") == "html", path
            assert_absolute_links(body.text or "", path)
        assert updated == sorted(updated, reverse=True), f"{path}: not newest first"


def check_date_rfc822(value: str | None, where: str):
    assert value and re.match(r"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$", value), (
        f"{where}: {value!r}"
    )
    return email.utils.parsedate_to_datetime(value)


def assert_absolute_links(html: str, where: str) -> None:
    """Feed readers resolve relative URLs inconsistently; the validator warns about them."""
    for url in re.findall(r'(?:href|src)="([^"]*)"', html):
        assert url.startswith(("https://", "http://", "mailto:")), f"{where}: relative {url!r}"
