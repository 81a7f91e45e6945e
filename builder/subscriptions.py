"""Saved-search feeds: feeds declared by rule in site.yaml, their papers, and their pages.

```yaml
feeds:
  - slug: efficient-llms            # the feed lives at /feeds/efficient-llms/
    title: Efficient language models
    description: Quantized, pruned and distilled LLMs.   # optional
    include:                        # any one item matches (OR) ...
      - quantization                #   a phrase
      - [mixture of experts, inference]   # ... an item that is a list needs all (AND)
    exclude: [survey]               # a paper mentioning any of these is left out
    topics: [language-models, efficiency]  # the paper has at least one of these topics
    min_upvotes: 10                 # at least this many upvotes (papers without a count fail)
```

Every condition given must hold. Phrases mean what they mean in topics.yaml (builder.phrases):
whole words, any case, `fine-tuning` also finds `fine tuning` and `finetuning`, a final word
may be plural; they are looked for in the title and in the abstract.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from builder.errors import Problem, ProblemList
from builder.grouping import Day, Paper
from builder.phrases import build_phrase_index, find_phrases, phrase_words
from builder.records import Record
from builder.yamlio import LineDict, LineList

FEED_KEYS = ("slug", "title", "description", "include", "exclude", "topics", "min_upvotes")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Names a feed may not take: what /feeds/ holds or might hold for itself.
RESERVED_SLUGS = frozenset({"index", "page", "feed", "atom", "rss", "opml", "all", "site"})


@dataclass(frozen=True, slots=True)
class SavedFeed:
    """One feed by rule: every condition given must hold for a paper to be in it."""

    slug: str
    title: str
    description: str
    include: tuple[tuple[str, ...], ...] = ()  # any group matches; a group needs all phrases
    exclude: tuple[str, ...] = ()  # none may appear
    topics: tuple[str, ...] = ()  # the paper has one of them
    min_upvotes: int | None = None
    line: int | None = None
    topic_lines: tuple[int | None, ...] = ()  # where each of `topics` was written


# --- site.yaml ------------------------------------------------------------------------------


def parse_saved_feeds(
    value: Any, path: Path, line: int | None, problems: ProblemList
) -> tuple[SavedFeed, ...]:
    """The `feeds:` list of site.yaml; every mistake is added to `problems` with its line."""
    if value is None:
        return ()
    if not isinstance(value, LineList):
        problems.add(path, "`feeds` must be a list of feeds, each with a slug and a title", line)
        return ()
    feeds = []
    first_line: dict[str, int | None] = {}
    for item, item_line in zip(value, value.item_lines, strict=True):
        feed = _parse_feed(item, path, item_line, problems)
        if feed is None:
            continue
        if feed.slug in first_line:
            problems.add(
                path,
                f"two feeds have the slug {feed.slug!r}",
                feed.line,
                hint=f"the first is on line {first_line[feed.slug]}",
            )
            continue
        first_line[feed.slug] = feed.line
        feeds.append(feed)
    return tuple(feeds)


def _parse_feed(raw: Any, path: Path, line: int, problems: ProblemList) -> SavedFeed | None:
    if not isinstance(raw, LineDict):
        problems.add(path, "each feed must be a mapping with `slug:` and `title:`", line)
        return None
    before = len(problems.errors)
    for key in raw:
        if key not in FEED_KEYS:
            close = difflib.get_close_matches(str(key), FEED_KEYS, n=1, cutoff=0.6)
            problems.add(
                path,
                f"unknown setting `{key}` in a feed",
                raw.key_lines.get(key),
                hint=f"did you mean `{close[0]}`?" if close else f"a feed may have {_keys()}",
            )
    slug = _text(raw, "slug", path, problems)
    if slug is not None:
        if not SLUG_PATTERN.match(slug):
            problems.add(
                path,
                f"feed slug {slug!r} may use only a-z, 0-9 and single hyphens",
                raw.key_lines["slug"],
                hint=f"for example {_slugish(slug)!r}",
            )
        elif slug in RESERVED_SLUGS:
            problems.add(
                path,
                f"the feed slug {slug!r} is reserved for the site's own files",
                raw.key_lines["slug"],
                hint="choose another slug",
            )
    title = _text(raw, "title", path, problems)
    description = _text(raw, "description", path, problems, required=False)
    include = _include(raw, path, problems)
    exclude = _phrases(raw.get("exclude"), "exclude", raw.key_lines.get("exclude"), path, problems)
    topics, topic_lines = _topics(raw, path, problems)
    min_upvotes = raw.get("min_upvotes")
    if min_upvotes is not None and (
        not isinstance(min_upvotes, int) or isinstance(min_upvotes, bool) or min_upvotes < 0
    ):
        problems.add(
            path, "`min_upvotes` must be a whole number, 0 or more", raw.key_lines["min_upvotes"]
        )
    if not any(key in raw for key in ("include", "exclude", "topics", "min_upvotes")):
        problems.add(
            path,
            "a feed needs a rule: `include`, `exclude`, `topics` or `min_upvotes`",
            raw.line,
            hint="the whole-site feed already carries everything",
        )
    if len(problems.errors) > before:
        return None
    assert slug is not None and title is not None
    feed = SavedFeed(slug, title, "", include, exclude, topics, min_upvotes, raw.line, topic_lines)
    return replace(feed, description=description or default_description(feed))


def _keys() -> str:
    return ", ".join(f"`{key}`" for key in FEED_KEYS)


def _slugish(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "my-feed"


def _text(
    raw: LineDict, key: str, path: Path, problems: ProblemList, required: bool = True
) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            problems.add(path, f"a feed needs `{key}:`", raw.line)
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(path, f"a feed's `{key}` must be non-empty text", raw.key_lines.get(key))
        return None
    return " ".join(value.split())


def _phrases(
    value: Any, key: str, line: int | None, path: Path, problems: ProblemList
) -> tuple[str, ...]:
    """A list of phrases, each checked as topics.yaml checks its phrases."""
    if value is None:
        return ()
    if not isinstance(value, LineList):
        problems.add(path, f"`{key}` must be a list of phrases", line, hint=f"`{key}: [...]`")
        return ()
    found = []
    for item, item_line in zip(value, value.item_lines, strict=True):
        phrase = _phrase(item, key, item_line, path, problems)
        if phrase is not None:
            found.append(phrase)
    return tuple(found)


def _phrase(item: Any, key: str, line: int, path: Path, problems: ProblemList) -> str | None:
    if not isinstance(item, str) or not item.strip():
        problems.add(path, f"each entry of `{key}` must be a phrase (non-empty text)", line)
        return None
    try:
        phrase_words(item)
    except ValueError as error:
        problems.add(path, f"phrase {item.strip()!r}: {error}", line)
        return None
    return " ".join(item.split())


def _include(raw: LineDict, path: Path, problems: ProblemList) -> tuple[tuple[str, ...], ...]:
    """`include`: phrases and lists of phrases; a list is one group whose phrases all must
    appear."""
    value, line = raw.get("include"), raw.key_lines.get("include")
    if value is None:
        return ()
    if not isinstance(value, LineList):
        problems.add(
            path,
            "`include` must be a list: phrases, or lists of phrases that must all appear",
            line,
            hint="`include: [quantization, [mixture of experts, inference]]`",
        )
        return ()
    groups: list[tuple[str, ...]] = []
    for item, item_line in zip(value, value.item_lines, strict=True):
        if isinstance(item, LineList):
            if not item:
                problems.add(path, "an `include` group must name at least one phrase", item_line)
                continue
            phrases = [
                _phrase(phrase, "include", phrase_line, path, problems)
                for phrase, phrase_line in zip(item, item.item_lines, strict=True)
            ]
            if all(phrase is not None for phrase in phrases):
                groups.append(tuple(p for p in phrases if p is not None))
        else:
            phrase = _phrase(item, "include", item_line, path, problems)
            if phrase is not None:
                groups.append((phrase,))
    return tuple(groups)


def _topics(
    raw: LineDict, path: Path, problems: ProblemList
) -> tuple[tuple[str, ...], tuple[int | None, ...]]:
    value, line = raw.get("topics"), raw.key_lines.get("topics")
    if value is None:
        return (), ()
    if not isinstance(value, LineList):
        problems.add(path, "`topics` must be a list of topic slugs", line, hint="`topics: [...]`")
        return (), ()
    slugs, lines = [], []
    for item, item_line in zip(value, value.item_lines, strict=True):
        if not isinstance(item, str) or not item.strip():
            problems.add(path, "each entry of `topics` must be a topic slug", item_line)
            continue
        slugs.append(item.strip())
        lines.append(item_line)
    return tuple(slugs), tuple(lines)


def topic_problems(
    feeds: Sequence[SavedFeed], topic_slugs: Sequence[str], path: Path | str
) -> list[Problem]:
    """A feed's topic that the taxonomy does not have, at the line it was written."""
    problems = ProblemList()
    for feed in feeds:
        for slug, line in zip(feed.topics, feed.topic_lines, strict=True):
            if slug not in topic_slugs:
                close = difflib.get_close_matches(slug, list(topic_slugs), n=1, cutoff=0.6)
                problems.add(
                    path,
                    f"feed {feed.slug!r} names unknown topic {slug!r}",
                    line,
                    hint=f"did you mean `{close[0]}`?" if close else "topics are in topics.yaml",
                )
    return problems.all


# --- matching -------------------------------------------------------------------------------


def describe_rules(feed: SavedFeed) -> tuple[str, ...]:
    """The feed's rule in words, one condition each."""
    lines = []
    if feed.include:
        groups = [
            _quoted(group[0]) if len(group) == 1 else " and ".join(map(_quoted, group))
            for group in feed.include
        ]
        lines.append("mention " + " or ".join(f"({g})" if " and " in g else g for g in groups))
    if feed.topics:
        lines.append("are in the topic " + " or ".join(feed.topics))
    if feed.min_upvotes is not None:
        lines.append(f"have at least {feed.min_upvotes} upvotes")
    if feed.exclude:
        lines.append("never mention " + " or ".join(map(_quoted, feed.exclude)))
    return tuple(lines)


def default_description(feed: SavedFeed) -> str:
    """What a feed without a `description:` says about itself: its rule."""
    return "Papers that " + "; ".join(describe_rules(feed)) + "."


def _quoted(phrase: str) -> str:
    return f"“{phrase}”"


def feed_matches(feed: SavedFeed, paper: Paper, mentions: Callable[[str], bool]) -> bool:
    """Whether a paper passes every condition; `mentions` says whether its text has a phrase."""
    if feed.topics and not any(slug in paper.topics for slug in feed.topics):
        return False
    upvotes = paper.record.upvotes
    if feed.min_upvotes is not None and (upvotes is None or upvotes < feed.min_upvotes):
        return False
    if feed.include and not any(all(map(mentions, group)) for group in feed.include):
        return False
    return not any(map(mentions, feed.exclude))


def feed_phrases(feeds: Sequence[SavedFeed]) -> tuple[str, ...]:
    """Every phrase the feeds' rules name, case-folded, once each, sorted: phrase number i
    of `phrases_mentioned` is entry i."""
    written = {p for feed in feeds for group in (*feed.include, feed.exclude) for p in group}
    return tuple(sorted({" ".join(phrase_words(phrase)) for phrase in written}))


def phrases_mentioned(feeds: Sequence[SavedFeed], records: Iterable[Record]) -> dict[str, int]:
    """Which `feed_phrases` each record's title or abstract mentions, by id: bit i set for
    phrase i; records that mention none are left out. The slow part of matching, and a
    function of each record alone, so it can be kept per day file."""
    phrases = feed_phrases(feeds)
    if not phrases:
        return {}
    # Every phrase its own entry, so a phrase inside a longer one still counts as present.
    index = build_phrase_index([((phrase,), ()) for phrase in phrases])
    found: dict[str, int] = {}
    for record in records:
        present = 0
        for text in (record.title, record.abstract):
            for number in find_phrases(text, index)[0]:
                present |= 1 << number
        if present:
            found[record.id] = present
    return found


def match_saved_feeds(
    feeds: Sequence[SavedFeed],
    papers: Mapping[str, Paper],
    days: Sequence[Day],
    mentioned: Mapping[str, int] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Each feed's papers, newest first by the day each was first listed; each paper once.
    `mentioned` is `phrases_mentioned` of the papers' records, when already known."""
    if mentioned is None:
        mentioned = phrases_mentioned(feeds, (paper.record for paper in papers.values()))
    position = {phrase: number for number, phrase in enumerate(feed_phrases(feeds))}
    # Each phrase as written in site.yaml -> its bit, found once rather than per paper.
    written = {p for feed in feeds for group in (*feed.include, feed.exclude) for p in group}
    bit_of = {phrase: 1 << position[" ".join(phrase_words(phrase))] for phrase in written}
    found: dict[str, list[str]] = {feed.slug: [] for feed in feeds}
    for paper_id in newest_first(papers, days):
        paper = papers[paper_id]
        present = mentioned.get(paper_id, 0)

        def mentions(phrase: str) -> bool:
            return bool(bit_of[phrase] & present)  # noqa: B023

        for feed in feeds:
            if feed_matches(feed, paper, mentions):
                found[feed.slug].append(paper_id)
    return {slug: tuple(ids) for slug, ids in found.items()}


def newest_first(papers: Mapping[str, Paper], days: Iterable[Day]) -> tuple[str, ...]:
    """Every paper once, newest first by its first listing day, in that day's order."""
    ordered = []
    for day in sorted(days, key=lambda day: day.date, reverse=True):
        ordered += [pid for pid in day.paper_ids if papers[pid].first_listed == day.date]
    return tuple(ordered)
