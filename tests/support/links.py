"""Walk every link and asset reference of a built site and report what does not resolve."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from tests.support.html import PageFacts

# Schemes a page may link to without the walker following them.
EXTERNAL_SCHEMES = {"http", "https", "mailto"}


def page_url(base_url: str, path: str) -> str:
    """The URL a file is served at: folders' index.html at the folder's URL."""
    if path == "index.html":
        return base_url
    if path.endswith("/index.html"):
        return base_url + path.removesuffix("index.html")
    return base_url + path


def internal_path(url: str, base_url: str) -> str | None:
    """The site path of an absolute URL inside the site, or None for one elsewhere."""
    if not url.startswith(base_url):
        return None
    return unquote(urlsplit(url[len(base_url) :]).path)


def target_file(site_dir: Path, site_path: str) -> str | None:
    """The file a site path is served from: itself, or a folder's index.html."""
    candidate = (
        site_path + "index.html" if site_path == "" or site_path.endswith("/") else site_path
    )
    if ".." in Path(candidate).parts:
        return None
    if (site_dir / candidate).is_file():
        return candidate
    if (site_dir / candidate / "index.html").is_file():
        return f"{candidate}/index.html"
    return None


def broken_links(site_dir: Path, pages: Mapping[str, PageFacts], base_url: str) -> list[str]:
    """Every reference in `pages` that misses: no file, no #fragment, or outside the site."""
    problems = []
    for path, facts in sorted(pages.items()):
        here = page_url(base_url, path)
        for ref in facts.refs:
            where = f"{path}:{ref.line} <{ref.tag} {ref.attribute}={ref.url!r}>"
            value = ref.url.strip()
            if not value:
                problems.append(f"{where}: empty URL")
                continue
            resolved = urljoin(here, value)
            parts = urlsplit(resolved)
            if parts.scheme not in EXTERNAL_SCHEMES:
                problems.append(f"{where}: scheme {parts.scheme!r} is not allowed")
                continue
            site_path = internal_path(resolved, base_url)
            if site_path is None:
                # A relative or root-relative URL that lands outside the site is a theme bug
                # (say "/static/x" under a sub-path); an absolute one is content's own link.
                if not urlsplit(value).scheme and not value.startswith("//"):
                    problems.append(f"{where}: leaves the site for {resolved}")
                continue  # an external link: not followed
            target = target_file(site_dir, site_path)
            if target is None:
                problems.append(f"{where}: no file for {resolved}")
                continue
            if parts.fragment:
                fragment = unquote(parts.fragment)
                target_facts = pages.get(target)
                if target_facts is None:
                    problems.append(f"{where}: #{fragment} points into a non-HTML file")
                elif fragment not in target_facts.ids:
                    problems.append(f"{where}: {target} has no element with id {fragment!r}")
    return problems


def non_root_relative_links(facts: PageFacts) -> list[str]:
    """References that depend on the page's own address: neither absolute nor from the root."""
    problems = []
    for ref in facts.refs:
        value = ref.url.strip()
        if value.startswith(("/", "#")) or urlsplit(value).scheme:
            continue
        problems.append(f"{facts.path}:{ref.line} <{ref.tag} {ref.attribute}={value!r}>")
    return problems
