"""The topic taxonomy (content/topics.yaml) and the classifier that gives papers their topics.

Loading validates the whole file at the door and compiles every topic's rules into one regex.
Classification is pure: records, taxonomy and pins in, explainable assignments out.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import ContentError, Problem, ProblemList, display_path
from builder.phrases import PhraseIndex, build_phrase_index, find_phrases, phrase_words
from builder.pickling import pickled_by_fields
from builder.records import DayListing, Record
from builder.yamlio import LineDict, LineList, load_yaml_file

TAXONOMY_NAME = "topics.yaml"
OTHER_SLUG = "other"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Names the topic pages need for themselves (pagination, feeds, the index), so no topic may take
# them; `other` is reserved for the built-in catch-all topic.
RESERVED_SLUGS = frozenset({"page", "feed", "atom", "rss", "index", "all", "topics", OTHER_SLUG})
TOP_KEYS = ("topics", "other")
TOPIC_KEYS = (
    "slug",
    "name",
    "description",
    "phrases",
    "patterns",
    "exclude",
    "exclude_patterns",
    "weight",
)
OTHER_KEYS = ("name", "description")
DEFAULT_OTHER_NAME = "Other"
DEFAULT_OTHER_DESCRIPTION = "Papers that match none of the other topics."

# Scoring. A rule found in the title earns TITLE_POINTS once; in the abstract it earns a point per
# occurrence, up to ABSTRACT_CAP, so one word repeated cannot outweigh a title. A topic needs
# MIN_SCORE to be assigned, and a second or third topic needs SECONDARY_SHARE of the best score.
TITLE_POINTS = 3
ABSTRACT_CAP = 3
MIN_SCORE = 2.0
SECONDARY_SHARE = 0.5
MAX_TOPICS = 3


@dataclass(frozen=True, slots=True)
class Topic:
    """One browsable topic and its match rules (phrases and regex patterns, with exclusions)."""

    slug: str
    name: str
    description: str
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    weight: float = 1.0
    line: int | None = None
    # Compiled once at load. Rule i is `rule_labels[i]`: the phrases first, then the patterns;
    # group `r<i>` of `pattern_matcher` is rule i, group `x<j>` of `excluder` is exclusion j.
    rule_labels: tuple[str, ...] = field(default=(), compare=False, repr=False)
    exclude_labels: tuple[str, ...] = field(default=(), compare=False, repr=False)
    pattern_matcher: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    excluder: re.Pattern[str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """All topics in file order, the built-in `other` topic last."""

    topics: tuple[Topic, ...]
    path: str = TAXONOMY_NAME
    phrase_index: PhraseIndex = field(
        default_factory=lambda: PhraseIndex({}, {}), compare=False, repr=False
    )

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(topic.slug for topic in self.topics)

    @property
    def other(self) -> Topic:
        return self.topics[-1]

    def get(self, slug: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.slug == slug), None)


@dataclass(frozen=True, slots=True)
class Pin:
    """A maintainer's decision that a paper belongs to a topic, and where it was made."""

    slug: str
    source: str  # "the record", "note notes/2025-09-08-foo.md", …
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule of one topic found in a paper."""

    rule: str  # 'phrase "LoRA"' or 'pattern "\\bRL\\b"'
    where: str  # "title" or "abstract"
    count: int
    points: int

    def describe(self) -> str:
        times = f" ×{self.count}" if self.count > 1 else ""
        return f"{self.rule} in the {self.where}{times} (+{self.points})"


@dataclass(frozen=True, slots=True)
class TopicScore:
    """How well one topic matched one paper; `excluded_by` vetoes the topic whatever its score."""

    slug: str
    score: float
    title_points: int
    hits: tuple[Hit, ...]
    excluded_by: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TopicAssignment:
    """A paper's topics, best first, with the reasons for each."""

    paper_id: str
    topics: tuple[str, ...]
    reasons: tuple[tuple[str, tuple[str, ...]], ...]  # (slug, reasons) in `topics` order
    pinned: bool = False

    def reasons_for(self, slug: str) -> tuple[str, ...]:
        return dict(self.reasons).get(slug, ())


# --- loading -------------------------------------------------------------------------------


def load_taxonomy(content_dir: Path) -> Taxonomy:
    """Read and validate content/topics.yaml; without the file every paper is in Other."""
    path = content_dir / TAXONOMY_NAME
    if not path.exists():
        return Taxonomy((_other_topic(LineDict(), path, ProblemList()),), display_path(path))
    return parse_taxonomy(load_yaml_file(path), path)


def parse_taxonomy(data: Any, path: Path | str) -> Taxonomy:
    """Validate parsed topics.yaml data, reporting every problem at once; compile all rules."""
    problems = ProblemList()
    if data is None:
        data = LineDict()
    if not isinstance(data, LineDict):
        problems.add(
            path, "topics.yaml must be a mapping with `topics:` (and optional `other:`)", 1
        )
        problems.raise_if_any()
    for key in data:
        if key not in TOP_KEYS:
            problems.add(
                path, f"unknown key `{key}`", data.key_lines.get(key), hint=_suggest(key, TOP_KEYS)
            )
    raw_topics = data.get("topics")
    if raw_topics is None:
        raw_topics = LineList()
    topics: list[Topic] = []
    if not isinstance(raw_topics, LineList):
        problems.add(path, "`topics:` must be a list of topics", data.key_lines.get("topics"))
    else:
        for index, raw in enumerate(raw_topics):
            topic = _parse_topic(raw, path, raw_topics.item_lines[index], problems)
            if topic is not None:
                topics.append(topic)
        _check_unique(raw_topics, path, problems)
    other = _other_topic(data.get("other"), path, problems, data.key_lines.get("other"))
    problems.raise_if_any()
    return Taxonomy(
        (*topics, other),
        display_path(path),
        build_phrase_index([(t.phrases, t.exclude) for t in topics]),
    )


def _parse_topic(raw: Any, path: Path | str, line: int, problems: ProblemList) -> Topic | None:
    if not isinstance(raw, LineDict):
        problems.add(path, "each topic must be a mapping with slug, name and description", line)
        return None
    before = len(problems.errors)
    for key in raw:
        if key not in TOPIC_KEYS:
            problems.add(
                path,
                f"unknown key `{key}` in a topic",
                raw.key_lines.get(key),
                hint=_suggest(key, TOPIC_KEYS),
            )
    slug = _text(raw, "slug", path, problems)
    if slug is not None:
        if not SLUG_PATTERN.match(slug):
            problems.add(
                path,
                f"slug {slug!r} may use only a-z, 0-9 and single hyphens",
                raw.key_lines["slug"],
                hint=f"for example {_slugish(slug)!r}",
            )
        elif slug == OTHER_SLUG:
            problems.add(
                path,
                "the slug `other` is reserved for papers that match no topic",
                raw.key_lines["slug"],
                hint="set its name and description under the top-level `other:` key",
            )
        elif slug in RESERVED_SLUGS:
            problems.add(
                path,
                f"the slug {slug!r} is reserved for the site's own pages",
                raw.key_lines["slug"],
                hint="choose another slug",
            )
    name = _text(raw, "name", path, problems)
    description = _text(raw, "description", path, problems)
    phrases = _entries(raw, "phrases", path, problems, phrase_words)
    patterns = _entries(raw, "patterns", path, problems, _check_pattern)
    exclude = _entries(raw, "exclude", path, problems, phrase_words)
    exclude_patterns = _entries(raw, "exclude_patterns", path, problems, _check_pattern)
    weight = raw.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
        problems.add(
            path, "`weight` must be a number above 0 and at most 10", raw.key_lines.get("weight")
        )
        weight = 1.0
    if len(problems.errors) > before:
        return None
    assert slug is not None and name is not None and description is not None
    return Topic(
        slug=slug,
        name=name,
        description=description,
        phrases=tuple(phrases),
        patterns=tuple(patterns),
        exclude=tuple(exclude),
        exclude_patterns=tuple(exclude_patterns),
        weight=float(weight),
        line=raw.line,
        rule_labels=(*_labels("phrase", phrases), *_labels("pattern", patterns)),
        exclude_labels=(*_labels("phrase", exclude), *_labels("pattern", exclude_patterns)),
        pattern_matcher=_combine("r", len(phrases), patterns),
        excluder=_combine("x", len(exclude), exclude_patterns),
    )


def _other_topic(
    raw: Any, path: Path | str, problems: ProblemList, line: int | None = None
) -> Topic:
    if raw is None:
        raw = LineDict()
    if not isinstance(raw, LineDict):
        problems.add(path, "`other:` must be a mapping with `name:` and `description:`", line)
        raw = LineDict()
    for key in raw:
        if key not in OTHER_KEYS:
            problems.add(
                path,
                f"unknown key `{key}` under `other:`",
                raw.key_lines.get(key),
                hint=_suggest(key, OTHER_KEYS)
                or "`other` has no rules: it holds the papers no topic matched",
            )
    name = _text(raw, "name", path, problems, required=False) or DEFAULT_OTHER_NAME
    description = (
        _text(raw, "description", path, problems, required=False) or DEFAULT_OTHER_DESCRIPTION
    )
    return Topic(OTHER_SLUG, name, description, line=line)


def _check_unique(raw_topics: list[Any], path: Path | str, problems: ProblemList) -> None:
    """Two topics may share neither a slug (one page path) nor a name (one heading); checked on
    the raw entries so a topic with other mistakes still counts."""
    for key, label in (("slug", "slug"), ("name", "topic name")):
        first: dict[str, int | None] = {}
        for raw in raw_topics:
            value = raw.get(key) if isinstance(raw, LineDict) else None
            if not isinstance(value, str) or not value.strip():
                continue
            folded = " ".join(value.split()).casefold()
            if folded in first:
                problems.add(
                    path,
                    f"duplicate {label} {value.strip()!r}",
                    raw.key_lines.get(key),
                    hint=f"first used on line {first[folded]}",
                )
            first.setdefault(folded, raw.key_lines.get(key))


def _text(
    raw: LineDict, key: str, path: Path | str, problems: ProblemList, required: bool = True
) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            problems.add(path, f"a topic needs `{key}:`", raw.line)
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(path, f"`{key}` must be non-empty text", raw.key_lines.get(key))
        return None
    return " ".join(value.split())


def _entries(
    raw: LineDict,
    key: str,
    path: Path | str,
    problems: ProblemList,
    check: Callable[[str], object],
) -> list[str]:
    """The entries of a rule list; each bad entry is reported at its own line."""
    value = raw.get(key)
    if value is None:
        return []
    key_line = raw.key_lines.get(key)
    if not isinstance(value, LineList):
        problems.add(path, f"`{key}` must be a list", key_line, hint=f"write `{key}: [...]`")
        return []
    found: list[str] = []
    for item, line in zip(value, value.item_lines, strict=True):
        if not isinstance(item, str) or not item.strip():
            problems.add(path, f"each entry of `{key}` must be non-empty text", line)
            continue
        try:
            check(item.strip())
        except ValueError as error:
            kind = "pattern" if "pattern" in key else "phrase"
            problems.add(path, f"{kind} {item.strip()!r}: {error}", line)
            continue
        found.append(item.strip())
    return found


def _check_pattern(pattern: str) -> None:
    """Check a maintainer's regex as it will be used: inside a group of a combined regex."""
    if re.search(r"\\[1-9]|\(\?P[<=]", pattern):
        raise ValueError("named groups and back-references are not supported")
    try:
        compiled = re.compile(f"(?:{pattern})", re.IGNORECASE)
    except re.error as error:
        hint = " (use a scoped flag such as (?-i:...))" if "global flags" in str(error) else ""
        raise ValueError(f"not a valid regular expression: {error}{hint}") from None
    if compiled.match(""):
        raise ValueError("it matches empty text, so it would match every paper")


def _combine(prefix: str, start: int, patterns: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for a topic's patterns: group <prefix><start+i> is pattern i."""
    if not patterns:
        return None
    groups = (f"(?P<{prefix}{start + i}>{pattern})" for i, pattern in enumerate(patterns))
    return re.compile("|".join(groups), re.IGNORECASE)


def _labels(kind: str, entries: Sequence[str]) -> tuple[str, ...]:
    return tuple(f'{kind} "{entry}"' for entry in entries)


def _suggest(key: Any, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(str(key), list(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def _slugish(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "my-topic"


# --- classification ------------------------------------------------------------------------


def _scan(text: str, taxonomy: Taxonomy) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """Rule counts per topic position, and the first exclusion found per topic position."""
    counts, excluded = find_phrases(text, taxonomy.phrase_index)
    for position, topic in enumerate(taxonomy.topics):
        if topic.pattern_matcher is not None:
            for match in topic.pattern_matcher.finditer(text):
                rule = int(match.lastgroup[1:])  # type: ignore[index]
                rules = counts.setdefault(position, {})
                rules[rule] = rules.get(rule, 0) + 1
        if topic.excluder is not None and position not in excluded:
            veto = topic.excluder.search(text)
            if veto:
                excluded[position] = int(veto.lastgroup[1:])  # type: ignore[index]
    return counts, excluded


def score_paper(title: str, abstract: str, taxonomy: Taxonomy) -> tuple[TopicScore, ...]:
    """Every topic that found something in the paper, best first (see `rank_key`)."""
    title_counts, title_excluded = _scan(title, taxonomy)
    abstract_counts, abstract_excluded = _scan(abstract, taxonomy)
    scores: list[tuple[tuple[float, int, int], TopicScore]] = []
    for position in title_counts.keys() | abstract_counts.keys():
        topic = taxonomy.topics[position]
        hits = [
            Hit(topic.rule_labels[rule], "title", count, TITLE_POINTS)
            for rule, count in sorted(title_counts.get(position, {}).items())
        ]
        title_points = TITLE_POINTS * len(hits)
        hits += [
            Hit(topic.rule_labels[rule], "abstract", count, min(count, ABSTRACT_CAP))
            for rule, count in sorted(abstract_counts.get(position, {}).items())
        ]
        excluded_by = None
        for where, excluded in (("title", title_excluded), ("abstract", abstract_excluded)):
            if position in excluded and excluded_by is None:
                excluded_by = f"{topic.exclude_labels[excluded[position]]} in the {where}"
        score = topic.weight * sum(hit.points for hit in hits)
        found = TopicScore(topic.slug, score, title_points, tuple(hits), excluded_by)
        scores.append((rank_key(found, position), found))
    return tuple(found for _, found in sorted(scores, key=lambda pair: pair[0]))


def rank_key(score: TopicScore, position: int) -> tuple[float, int, int]:
    """Higher score first; on a tie, more title points, then the topic earlier in topics.yaml."""
    return (-score.score, -score.title_points, position)


def choose_topics(scores: Sequence[TopicScore]) -> tuple[TopicScore, ...]:
    """The best 1–3 ranked scores that pass the thresholds; excluded topics never count."""
    eligible = [s for s in scores if s.excluded_by is None and s.score >= MIN_SCORE]
    if not eligible:
        return ()
    floor = eligible[0].score * SECONDARY_SHARE
    return tuple(s for s in eligible if s.score >= floor)[:MAX_TOPICS]


def pin_problems(pins: Mapping[str, Iterable[Pin]], taxonomy: Taxonomy) -> list[Problem]:
    """A pin that names no topic is an error at the place the pin was written."""
    slugs = taxonomy.slugs
    problems = ProblemList()
    for paper_id, paper_pins in pins.items():
        for pin in paper_pins:
            if pin.slug not in slugs:
                problems.add(
                    pin.path or taxonomy.path,
                    f"paper {paper_id!r} is pinned to unknown topic {pin.slug!r}",
                    pin.line,
                    hint=_suggest(pin.slug, slugs) or f"topics are listed in {taxonomy.path}",
                )
    return problems.all


def record_pins(listings: Iterable[DayListing]) -> dict[str, tuple[Pin, ...]]:
    """Pins from records' own `topics:` lists, located at the record."""
    pins: dict[str, list[Pin]] = {}
    for listing in listings:
        for record in listing.records:
            for slug in record.topics:
                pin = Pin(slug, "the record", display_path(listing.path), record.line)
                pins.setdefault(record.id, []).append(pin)
    return {paper_id: tuple(found) for paper_id, found in pins.items()}


def merge_pins(*maps: Mapping[str, Iterable[Pin]]) -> dict[str, tuple[Pin, ...]]:
    """Pins from several sources (records, notes), in the order given."""
    merged: dict[str, list[Pin]] = {}
    for pins in maps:
        for paper_id, paper_pins in pins.items():
            merged.setdefault(paper_id, []).extend(paper_pins)
    return {paper_id: tuple(found) for paper_id, found in merged.items()}


def assign(record: Record, taxonomy: Taxonomy, pins: Sequence[Pin] = ()) -> TopicAssignment:
    """One paper's topics: its pins if it has any, else its best-scoring topics, else Other."""
    if pins:
        reasons: dict[str, list[str]] = {}
        for pin in pins:
            reasons.setdefault(pin.slug, []).append(f"pinned by {pin.source}")
        return TopicAssignment(
            record.id,
            tuple(reasons),
            tuple((slug, tuple(why)) for slug, why in reasons.items()),
            pinned=True,
        )
    scores = score_paper(record.title, record.abstract, taxonomy)
    chosen = choose_topics(scores)
    # Reasons interned: a few hundred distinct ones stand for every paper's (a sixth of what
    # the papers hold in memory otherwise), one copy per memo entry once read back.
    if not chosen:
        why = sys.intern(_why_other(scores))
        return TopicAssignment(record.id, (OTHER_SLUG,), ((OTHER_SLUG, (why,)),))
    return TopicAssignment(
        record.id,
        tuple(score.slug for score in chosen),
        tuple((s.slug, tuple(sys.intern(hit.describe()) for hit in s.hits)) for s in chosen),
    )


def _why_other(scores: Sequence[TopicScore]) -> str:
    best = next((s for s in scores if s.excluded_by is None), None)
    if best is None:
        return "no topic's rules matched"
    return f"best match {best.slug!r} scored {best.score:g}, below the minimum of {MIN_SCORE:g}"


def classify(
    records: Iterable[Record],
    taxonomy: Taxonomy,
    pins: Mapping[str, Sequence[Pin]] | None = None,
) -> dict[str, TopicAssignment]:
    """Topics for every paper id (a paper listed on several days is classified once).

    `pins` are all pins (see `record_pins` and `merge_pins`); a paper with pins gets exactly its
    pinned topics. Raises ContentError when a pin names a topic that does not exist.
    """
    pins = pins or {}
    problems = pin_problems(pins, taxonomy)
    if problems:
        raise ContentError(problems)
    assignments: dict[str, TopicAssignment] = {}
    for record in records:
        if record.id not in assignments:
            assignments[record.id] = assign(record, taxonomy, pins.get(record.id, ()))
    return assignments


def papers_by_topic(
    assignments: Mapping[str, TopicAssignment], taxonomy: Taxonomy
) -> dict[str, tuple[str, ...]]:
    """Paper ids per topic slug, every topic present (even empty), in taxonomy order."""
    members: dict[str, list[str]] = {slug: [] for slug in taxonomy.slugs}
    for paper_id, assignment in assignments.items():
        for slug in assignment.topics:
            members[slug].append(paper_id)
    return {slug: tuple(ids) for slug, ids in members.items()}
