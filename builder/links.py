"""Links found in an abstract: the real URL out of copy-paste and LaTeX debris, and its kind."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from builder.records import Link

# A URL runs to the first space or to a character that never ends up in a real one here:
# `{` starts the second half of a stripped `\href{url}{url}`, quotes and angle brackets wrap.
_URL = re.compile(r"https?://[^\s{}<>\"'`|\\^]+", re.IGNORECASE)
# Repository hosts also appear without a scheme ("... web noise github.com/user/repo").
_BARE = re.compile(
    r"(?<![\w.@/-])(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|huggingface\.co)"
    r"/[^\s{}<>\"'`|\\^]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*~"
_PAIRS = {")": "(", "]": "[", "}": "{"}

_CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}
_HF_HOSTS = {"huggingface.co", "hf.co"}
_HF_KINDS = {"datasets": "dataset", "spaces": "space", "models": "model"}
# Hugging Face pages that are neither a model, a dataset nor a space.
_HF_OTHER = {
    "papers",
    "collections",
    "docs",
    "blog",
    "learn",
    "organizations",
    "settings",
    "join",
    "login",
    "tasks",
    "api",
    "chat",
    "posts",
}
_PROJECT_SUFFIXES = (".github.io", ".gitlab.io", ".netlify.app", ".vercel.app", ".pages.dev")
_PROJECT_HOSTS = {"sites.google.com"}


def clean_url(raw: str) -> str | None:
    """The URL a copied fragment meant: trailing punctuation and unmatched brackets dropped."""
    url = raw
    while url:
        last = url[-1]
        unmatched = last in _PAIRS and url.count(last) > url.count(_PAIRS[last])
        if last in _TRAILING or unmatched:
            url = url[:-1]
        else:
            break
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return url if host and "." in host.strip(".") else None


def find_urls(text: str) -> tuple[str, ...]:
    """Every distinct URL in a text, in order of appearance, cleaned."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for match in _URL.finditer(text):
        found.append((match.start(), match.group()))
        taken.append(match.span())
    for match in _BARE.finditer(text):
        if not any(start <= match.start() < end for start, end in taken):
            found.append((match.start(), "https://" + match.group()))
    urls: list[str] = []
    for _, raw in sorted(found):
        url = clean_url(raw)
        if url and url not in urls:
            urls.append(url)
    return tuple(urls)


def link_kind(url: str) -> str:
    """code, model, dataset, space, project or other, from the host and the path."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    if host in _CODE_HOSTS:
        return "code" if len(segments) >= 2 else "other"
    if host in _HF_HOSTS:
        if not segments or segments[0] in _HF_OTHER:
            return "other"
        if segments[0] in _HF_KINDS:
            return _HF_KINDS[segments[0]] if len(segments) >= 2 else "other"
        return "model" if len(segments) >= 2 else "other"
    if host in _PROJECT_HOSTS or host.endswith(_PROJECT_SUFFIXES):
        return "project"
    return "other"


def find_links(text: str) -> tuple[Link, ...]:
    """The links of an abstract, each with its kind."""
    return tuple(Link(url, link_kind(url)) for url in find_urls(text))
