"""The site configuration, content/site.yaml, declared and validated at the door."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from builder.errors import ContentError, ProblemList
from builder.subscriptions import SavedFeed, parse_saved_feeds
from builder.yamlio import LineDict, load_yaml_file

CONFIG_NAME = "site.yaml"
DEFAULT_BASE_URL = "http://localhost:8000/"


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """Everything site.yaml may say; defaults are what an empty file means."""

    title: str = "Literature digest"
    description: str = "Papers of the day, grouped by date and topic."
    base_url: str = DEFAULT_BASE_URL
    language: str = "en"
    author: str = "litdigest"
    repo_url: str | None = None
    repo_branch: str = "main"  # where "Edit this note" and "Write a note" links point
    theme: str | None = None  # a folder inside the project, looked up before themes/default
    topic_page_size: int = 50
    feed_items: int = 20
    home_notes: int = 5
    import_year: int | None = None
    day_order: str = "listing"  # "upvotes": day pages list the most upvoted first
    saved_feeds: tuple[SavedFeed, ...] = ()  # `feeds:`, feeds by rule (builder.subscriptions)
    path: Path | None = field(default=None, compare=False)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always with slashes on both ends."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def absolute_url(self, site_path: str) -> str:
        """An absolute URL for a path relative to the site root ("" for the home page)."""
        return self.base_url + site_path.lstrip("/")


_TEXT_KEYS = ("title", "description", "language", "author", "repo_branch")
_INT_KEYS = {"topic_page_size": (1, 10_000), "feed_items": (1, 1_000), "home_notes": (0, 100)}
_IMPORT_KEYS = ("year",)
_CHOICE_KEYS = {"day_order": ("listing", "upvotes")}
ALL_KEYS = (
    *_TEXT_KEYS,
    "base_url",
    "repo_url",
    "theme",
    *_INT_KEYS,
    *_CHOICE_KEYS,
    "import",
    "feeds",
)


def _suggest(key: str, choices: tuple[str, ...] | list[str]) -> str | None:
    close = difflib.get_close_matches(str(key), list(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def load_config(content_dir: Path, base_url: str | None = None) -> SiteConfig:
    """Read site.yaml (optional) and validate every key; `base_url` overrides the file's."""
    path = content_dir / CONFIG_NAME
    data: Any = LineDict()
    if path.exists():
        data = load_yaml_file(path)
        if data is None:
            data = LineDict()
    problems = ProblemList()
    if not isinstance(data, LineDict):
        problems.add(path, "site.yaml must be a mapping of settings", 1)
        problems.raise_if_any()
    values = parse_config(data, path, problems)
    if base_url is not None:
        values["base_url"] = _check_base_url(base_url, "--base-url", None, problems)
    problems.raise_if_any()
    return SiteConfig(**values, path=path)


def parse_config(data: LineDict, path: Path, problems: ProblemList) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = data.key_lines.get(key)
        if key not in ALL_KEYS:
            problems.add(path, f"unknown setting `{key}`", line, hint=_suggest(key, ALL_KEYS))
        elif key in _TEXT_KEYS:
            if not isinstance(value, str) or not value.strip():
                problems.add(path, f"`{key}` must be non-empty text", line)
            else:
                values[key] = value.strip()
        elif key in _INT_KEYS:
            low, high = _INT_KEYS[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                problems.add(path, f"`{key}` must be a whole number from {low} to {high}", line)
            else:
                values[key] = value
        elif key in _CHOICE_KEYS:
            if value not in _CHOICE_KEYS[key]:
                choices = " or ".join(_CHOICE_KEYS[key])
                problems.add(path, f"`{key}` must be {choices}, not {value!r}", line)
            else:
                values[key] = value
        elif key == "base_url":
            values[key] = _check_base_url(value, "base_url", line, problems, path)
        elif key == "repo_url":
            if value is not None:
                if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
                    problems.add(path, "`repo_url` must be an http(s) URL", line)
                else:
                    values[key] = value
        elif key == "theme":
            if value is not None:
                if not isinstance(value, str) or not value.strip():
                    problems.add(path, "`theme` must be a folder name", line)
                else:
                    values[key] = value.strip()
        elif key == "import":
            values.update(_parse_import(value, path, line, problems))
        elif key == "feeds":
            values["saved_feeds"] = parse_saved_feeds(value, path, line, problems)
    return values


def _parse_import(value: Any, path: Path, line: int | None, problems: ProblemList) -> dict:
    if value is None:
        return {}
    if not isinstance(value, LineDict):
        problems.add(path, "`import` must be a mapping (for example `year: 2025`)", line)
        return {}
    found: dict[str, Any] = {}
    for key, item in value.items():
        key_line = value.key_lines.get(key)
        if key not in _IMPORT_KEYS:
            problems.add(
                path, f"unknown setting `import.{key}`", key_line, hint=_suggest(key, _IMPORT_KEYS)
            )
        elif not isinstance(item, int) or isinstance(item, bool) or not 1900 <= item <= 2999:
            problems.add(path, "`import.year` must be a year such as 2025", key_line)
        else:
            found["import_year"] = item
    return found


def _check_base_url(
    value: Any, name: str, line: int | None, problems: ProblemList, path: Path | None = None
) -> str:
    where = path if path is not None else "command line"
    if not isinstance(value, str):
        problems.add(where, f"`{name}` must be a URL such as https://example.org/", line)
        return DEFAULT_BASE_URL
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.add(
            where,
            f"`{name}` {value!r} must be an absolute http(s) URL",
            line,
            hint="for example https://example.org/digest/",
        )
        return DEFAULT_BASE_URL
    if parts.query or parts.fragment:
        problems.add(where, f"`{name}` may not have a query or fragment", line)
    url = value.strip()
    return url if url.endswith("/") else url + "/"


__all__ = ["ContentError", "SiteConfig", "load_config"]
