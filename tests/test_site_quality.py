"""Targeted checks of the real default site (content/ in the repo) built with the default theme.

The site is built once per session per base URL; every check reads the built files. The
Nu HTML checker runs once over all pages (`make check-tools` installs Java and vnu.jar).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.build import build_site
from builder.config import load_config
from tests.support.html import PageFacts, read_site
from tests.support.links import broken_links, non_root_relative_links, page_url
from tests.support.vnu import ToolMissingError, check_site_html

pytestmark = pytest.mark.slow

CONTENT = Path(__file__).resolve().parents[1] / "content"
ROOT_BASE_URL = "https://example.org/"


@pytest.fixture(scope="session")
def config():
    return load_config(CONTENT)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The default site with site.yaml's base_url (under a sub-path)."""
    out = tmp_path_factory.mktemp("default-site") / "site"
    build_site(CONTENT, out_dir=out)
    return out


@pytest.fixture(scope="session")
def pages(site) -> dict[str, PageFacts]:
    return read_site(site)


@pytest.fixture(scope="session")
def root_site(tmp_path_factory) -> Path:
    """The same site served from a host's root."""
    out = tmp_path_factory.mktemp("root-site") / "site"
    build_site(CONTENT, out_dir=out, base_url=ROOT_BASE_URL)
    return out


def report(problems: list[str], limit: int = 40) -> str:
    shown = "\n".join(problems[:limit])
    more = f"\n… and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{len(problems)} problems:\n{shown}{more}"


def test_the_default_site_has_every_kind_of_page(pages, config):
    assert config.base_path != "/", "the default base_url should exercise a sub-path"
    kinds = {
        "index.html",
        "404.html",
        "archive/index.html",
        "topics/index.html",
        "notes/index.html",
    }
    assert kinds <= set(pages)
    for prefix in ("days/", "papers/", "topics/", "notes/"):
        assert any(path.startswith(prefix) and path.count("/") == 2 for path in pages), prefix


def test_every_page_is_valid_html(site):
    try:
        messages = check_site_html(site)
    except ToolMissingError as error:
        pytest.fail(str(error))
    assert not messages, report([str(message) for message in messages])


def test_every_internal_link_and_asset_resolves_under_a_sub_path(site, pages, config):
    assert not (problems := broken_links(site, pages, config.base_url)), report(problems)


def test_every_internal_link_and_asset_resolves_at_the_root(root_site):
    pages = read_site(root_site)
    assert not (problems := broken_links(root_site, pages, ROOT_BASE_URL)), report(problems)


def test_every_sitemap_url_is_a_built_page(site, pages, config):
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    served = {page_url(config.base_url, path) for path in pages}
    assert locations and len(locations) == len(set(locations))
    assert not (missing := sorted(set(locations) - served)), report(missing)
    assert page_url(config.base_url, "404.html") not in locations
    # lastmod comes from content (a day's own date), never from the clock.
    for lastmod in re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmod), lastmod


def test_robots_txt_allows_all_and_names_the_sitemap(site, config):
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    assert f"Sitemap: {config.base_url}sitemap.xml" in robots


def test_every_page_has_the_base_layouts_parts(pages, config):
    problems = []
    for path, facts in pages.items():
        expected_canonical = page_url(config.base_url, path)
        checks = {
            "lang": facts.lang == config.language,
            "a <title>": bool(facts.title.strip()),
            "a meta description": bool((facts.description or "").strip()),
            "one h1": facts.headings.count(1) == 1,
            "the h1 first": bool(facts.headings) and facts.headings[0] == 1,
            "one canonical link to itself": facts.canonical == [expected_canonical],
            "an RSS alternate": any(t == "application/rss+xml" for t, _ in facts.alternates),
            "an Atom alternate": any(t == "application/atom+xml" for t, _ in facts.alternates),
            "one <main id=main>": facts.mains == ["main"],
            "the skip link first": facts.first_link == "#main",
            "no inline style or script (CSP)": not (
                facts.inline_styles or facts.event_handlers or inline_scripts(path, facts)
            ),
            "names on every link": not facts.empty_links,
            "one aria-current=page at most": sum(
                1 for value, _ in facts.current_links if value == "page"
            )
            <= 1,
        }
        problems += [f"{path}: lacks {what}" for what, ok in checks.items() if not ok]
    assert not problems, report(problems)


def inline_scripts(path: str, facts: PageFacts) -> int:
    """Scripts a page may not have: any at all, but the search page's own files."""
    if path != "search/index.html":
        return facts.scripts
    return facts.scripts - sum(1 for ref in facts.refs if ref.tag == "script")


def test_headings_never_skip_a_level(pages):
    problems = []
    for path, facts in pages.items():
        for before, after in zip(facts.headings, facts.headings[1:], strict=False):
            if after > before + 1:
                problems.append(f"{path}: h{before} followed by h{after}")
                break
    assert not problems, report(problems)


def test_only_the_404_page_is_kept_out_of_search_engines(pages):
    assert "noindex" in (pages["404.html"].robots or "")
    assert not [path for path, facts in pages.items() if facts.robots and path != "404.html"]


def test_the_404_page_links_from_the_root(pages, config):
    # A server shows 404.html at any missing address, so its links cannot be page-relative.
    facts = pages["404.html"]
    assert not (problems := non_root_relative_links(facts)), report(problems)
    local = [ref.url for ref in facts.refs if ref.url.startswith("/")]
    assert local and all(url.startswith(config.base_path) for url in local)


def test_two_builds_are_byte_identical(site, tmp_path):
    again = tmp_path / "again"
    build_site(CONTENT, out_dir=again)

    def files(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    first, second = files(site), files(again)
    assert sorted(first) == sorted(second)
    assert not (differ := [path for path in first if first[path] != second[path]]), report(differ)


def test_the_link_walker_reports_what_misses(tmp_path):
    """The walker itself: a clean site passes only because misses would be reported."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<a id="top" href="../b.html#nowhere">b</a> <a href="../missing/">m</a>'
        ' <a href="/static/x.css">root</a> <a href="#top">ok</a> <a href="../">home</a>'
        ' <a href="https://elsewhere.example/">ext</a> <a href="javascript:alert(1)">js</a>',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<p id="here">b</p>', encoding="utf-8")
    (tmp_path / "index.html").write_text('<a href="b.html#here">b</a>', encoding="utf-8")
    problems = broken_links(tmp_path, read_site(tmp_path), "https://example.org/sub/")
    assert len(problems) == 4, problems
    assert "no element with id 'nowhere'" in problems[0]
    assert "no file for https://example.org/sub/missing/" in problems[1]
    assert "leaves the site" in problems[2]
    assert "scheme 'javascript'" in problems[3]
