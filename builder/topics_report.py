"""`litdigest topics`: topic counts, and why one paper got its topics."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.errors import ContentError, Problem, UsageError
from builder.grouping import merge_listings
from builder.records import DayListing, Record, load_day_listings
from builder.topics import (
    MAX_TOPICS,
    MIN_SCORE,
    OTHER_SLUG,
    SECONDARY_SHARE,
    Pin,
    Taxonomy,
    TopicAssignment,
    TopicScore,
    choose_topics,
    classify,
    load_taxonomy,
    merge_pins,
    papers_by_topic,
    record_pins,
    score_paper,
)


@dataclass(frozen=True, slots=True)
class Classified:
    """Everything the report needs: records by id, the taxonomy and each paper's topics."""

    records: Mapping[str, Record]
    taxonomy: Taxonomy
    assignments: Mapping[str, TopicAssignment]


def load_classified(
    content_dir: Path, extra_pins: Mapping[str, Sequence[Pin]] | None = None
) -> Classified:
    """Load records and taxonomy (all problems of both at once), then classify."""
    problems: list[Problem] = []
    listings: tuple[DayListing, ...] = ()
    taxonomy: Taxonomy | None = None
    try:
        listings = load_day_listings(content_dir / "papers")
    except ContentError as error:
        problems += error.problems
    try:
        taxonomy = load_taxonomy(content_dir)
    except ContentError as error:
        problems += error.problems
    if problems:
        raise ContentError(problems)
    assert taxonomy is not None
    records, _ = merge_listings(listings)  # the same record per paper as the build uses
    pins = merge_pins(record_pins(listings), extra_pins or {})
    return Classified(records, taxonomy, classify(records.values(), taxonomy, pins))


def topic_counts_report(
    content_dir: Path, extra_pins: Mapping[str, Sequence[Pin]] | None = None
) -> Iterator[str]:
    """One line per topic with its paper count and share, then the share in Other."""
    site = load_classified(content_dir, extra_pins)
    members = papers_by_topic(site.assignments, site.taxonomy)
    total = len(site.assignments)
    width = max(len(slug) for slug in members)
    yield f"{total} papers, {len(members)} topics ({site.taxonomy.path})"
    yield f"  {'topic':<{width}}  papers   share  name"
    for topic in site.taxonomy.topics:
        count = len(members[topic.slug])
        yield f"  {topic.slug:<{width}}  {count:6}  {_share(count, total):>6}  {topic.name}"
    pinned = sum(1 for assignment in site.assignments.values() if assignment.pinned)
    placements = sum(len(assignment.topics) for assignment in site.assignments.values())
    average = placements / total if total else 0.0
    other = len(members[OTHER_SLUG])
    yield (
        f"{site.taxonomy.other.name}: {other} of {total} papers ({_share(other, total)}); "
        f"{average:.2f} topics per paper; {pinned} pinned"
    )


def explain_paper(
    content_dir: Path, paper_id: str, extra_pins: Mapping[str, Sequence[Pin]] | None = None
) -> Iterator[str]:
    """The paper's topics and, for every topic that matched anything, its score and hits."""
    site = load_classified(content_dir, extra_pins)
    record = site.records.get(paper_id)
    if record is None:
        close = difflib.get_close_matches(paper_id, list(site.records), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"no paper has the id {paper_id!r}{hint}")
    assignment = site.assignments[paper_id]
    yield f"{record.id}: {record.title}"
    how = "pinned" if assignment.pinned else "by score"
    yield f"topics ({how}): {', '.join(assignment.topics)}"
    if assignment.pinned or assignment.topics == (OTHER_SLUG,):
        for slug, reasons in assignment.reasons:
            for reason in reasons:
                yield f"  {slug}: {reason}"
    scores = score_paper(record.title, record.abstract, site.taxonomy)
    if not scores:
        yield "no topic's rules match this paper"
        return
    yield "rule scores:" if not assignment.pinned else "rule scores (the pins override them):"
    chosen = {score.slug for score in choose_topics(scores)}
    for score in scores:
        yield f"  {score.slug}  {score.score:g}  {_verdict(score, scores, chosen)}"
        for hit in score.hits:
            yield f"    {hit.describe()}"


def _verdict(score: TopicScore, scores: Sequence[TopicScore], chosen: set[str]) -> str:
    if score.slug in chosen:
        return "chosen"
    if score.excluded_by:
        return f"excluded by {score.excluded_by}"
    if score.score < MIN_SCORE:
        return f"below the minimum of {MIN_SCORE:g}"
    best = next(s.score for s in scores if s.excluded_by is None)
    if score.score < best * SECONDARY_SHARE:
        return f"less than {SECONDARY_SHARE:.0%} of the best score"
    return f"not among the best {MAX_TOPICS}"


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"
