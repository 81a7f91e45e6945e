"""Why a paper is where it is: the reasons paper pages show, and `litdigest topics --diff`.

`--diff REF` classifies every paper twice — with topics.yaml as it is and as it was at a git
ref, with the same records and pins — and lists the papers whose topics change, so a pull
request that edits the rules shows its effect before it is merged.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.errors import UsageError, display_path
from builder.notes import Note
from builder.topics import (
    TAXONOMY_NAME,
    Pin,
    Taxonomy,
    TopicAssignment,
    classify,
    parse_taxonomy,
)
from builder.topics_report import load_classified
from builder.yamlio import load_yaml_text

Reasons = tuple[tuple[str, tuple[str, ...]], ...]


# --- paper pages ----------------------------------------------------------------------------


def page_reasons(
    assignments: Mapping[str, TopicAssignment],
    pins: Mapping[str, Sequence[Pin]],
    notes: Iterable[Note],
) -> dict[str, Reasons]:
    """Each paper's topics with why it has them, as its page says it: the rules that matched,
    or which pin put it there (the record, or a note named by its title)."""
    note_titles = {display_path(note.path): note.title for note in notes}
    reasons: dict[str, Reasons] = {}
    for paper_id, assignment in assignments.items():
        if not assignment.pinned:
            reasons[paper_id] = assignment.reasons
            continue
        why: dict[str, list[str]] = {}
        for pin in pins.get(paper_id, ()):
            title = note_titles.get(pin.path or "")
            text = f"pinned by the note “{title}”" if title else "pinned by the paper's record"
            if text not in why.setdefault(pin.slug, []):
                why[pin.slug].append(text)
        reasons[paper_id] = tuple((slug, tuple(why.get(slug, ()))) for slug in assignment.topics)
    return reasons


# --- topics --diff --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Move:
    paper_id: str
    before: tuple[str, ...]
    after: tuple[str, ...]


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UsageError("`topics --diff` needs git, which is not installed") from None


def taxonomy_at(content_dir: Path, ref: str) -> tuple[Taxonomy, str]:
    """topics.yaml as it was at `ref`, and where it was read from ("HEAD:content/topics.yaml").

    A file the ref does not have is an empty taxonomy: every paper was in Other then."""
    folder = content_dir.absolute()
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(
            f"`topics --diff` compares with a git ref, but {display_path(folder)} is not in a git "
            "repository"
        )
    root = Path(top.stdout.strip())
    known = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if ref.startswith("-") or known.returncode != 0:
        raise UsageError(f"unknown git ref {ref!r} (try HEAD, main or a commit id)")
    file = (folder / TAXONOMY_NAME).resolve().relative_to(root.resolve()).as_posix()
    where = f"{ref}:{file}"
    shown = _git(root, "show", where)
    if shown.returncode != 0:
        return parse_taxonomy(None, where), where
    return parse_taxonomy(load_yaml_text(shown.stdout, where), where), where


def topic_moves(
    before: Mapping[str, TopicAssignment], after: Mapping[str, TopicAssignment]
) -> tuple[Move, ...]:
    """Papers whose topics differ (in set or in order: the first decides where day pages file
    a paper), by id."""
    return tuple(
        Move(pid, before[pid].topics, after[pid].topics)
        for pid in sorted(after)
        if pid in before and before[pid].topics != after[pid].topics
    )


def topics_diff_report(
    content_dir: Path, ref: str, extra_pins: Mapping[str, Sequence[Pin]] | None = None
) -> Iterator[str]:
    """Which papers would move between the rules at `ref` and the rules now, and the counts."""
    now = load_classified(content_dir, extra_pins)
    old_taxonomy, where = taxonomy_at(content_dir, ref)
    records = now.records
    pins: dict[str, tuple[Pin, ...]] = {}
    dropped = 0
    for paper_id, assignment in now.assignments.items():
        if not assignment.pinned:
            continue
        # The same pins as now; a pin to a topic the ref did not have yet cannot apply there.
        kept = tuple(
            Pin(slug, "a pin") for slug in assignment.topics if old_taxonomy.get(slug) is not None
        )
        dropped += len(assignment.topics) - len(kept)
        if kept:
            pins[paper_id] = kept
    old = classify(records.values(), old_taxonomy, pins)
    moves = topic_moves(old, now.assignments)
    yield (
        f"{len(moves)} of {len(records)} papers change topics from {where} to {now.taxonomy.path}"
    )
    for move in moves:
        yield f"  {move.paper_id}: {', '.join(move.before)} → {', '.join(move.after)}"
    if dropped:
        yield f"({dropped} pins name topics that {ref} does not have; they count only now)"
    rows = _count_rows(old, now.assignments, old_taxonomy, now.taxonomy)
    if rows:
        width = max(len(row[0]) for row in rows)
        yield "topics whose papers change (before → now, gained, lost):"
        for slug, count_before, count_now, gained, lost in rows:
            yield f"  {slug:<{width}}  {count_before:4} → {count_now:<4}  +{gained} -{lost}"


def _count_rows(
    before: Mapping[str, TopicAssignment],
    after: Mapping[str, TopicAssignment],
    old_taxonomy: Taxonomy,
    new_taxonomy: Taxonomy,
) -> list[tuple[str, int, int, int, int]]:
    members_before = _members(before)
    members_after = _members(after)
    gone = [slug for slug in old_taxonomy.slugs if slug not in new_taxonomy.slugs]
    order = [*new_taxonomy.slugs, *gone]
    rows = []
    for slug in order:
        old, new = members_before.get(slug, set()), members_after.get(slug, set())
        if old != new:
            rows.append((slug, len(old), len(new), len(new - old), len(old - new)))
    return rows


def _members(assignments: Mapping[str, TopicAssignment]) -> dict[str, set[str]]:
    members: dict[str, set[str]] = {}
    for paper_id, assignment in assignments.items():
        for slug in assignment.topics:
            members.setdefault(slug, set()).add(paper_id)
    return members
