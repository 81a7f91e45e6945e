"""Property-based tests over what outsiders feed litdigest: dumps, titles, notes, whole content.

Whatever Hypothesis generates (built from the pieces hostile input is made of: path
separators, dots, reserved names, right-to-left and zero-width characters, tabs, anchors,
tags, duplicate keys, unclosed fences), the stage either returns plain, valid data or reports
problems located inside the file it read; it never raises anything else, and `check`
never writes a byte.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder.check import check_content
from builder.dumps import MAX_TITLE_LENGTH, parse_dump, read_dump
from builder.errors import ContentError, ProblemList
from builder.ids import RESERVED_IDS, IdRegistry, slug_for
from builder.notes import Note, parse_note
from builder.records import ID_PATTERN
from tests.hostile.project import FIXTURE, tree

HOSTILE_CHARACTERS = '/\\.:*?"<>|\x00\t\u202e\u202c\u200b\u200d\ufeff\u0301é文ß'
hostile_text = st.text(
    st.one_of(
        st.sampled_from(HOSTILE_CHARACTERS),
        st.characters(blacklist_categories=["Cs"]),
    ),
    max_size=80,
)
words = st.sampled_from(
    ["con", "nul", "index", "..", ".", "???", "a/b", "c\\d", "Paper", "of", "LLM", "-", "—"]
)
titles = st.one_of(hostile_text, st.lists(st.one_of(words, hostile_text), max_size=6).map(" ".join))

DUMP_LINES = st.one_of(
    st.sampled_from(
        ["Sep 8", "Feb 30", "Sept. 9", "new", "Subscribe", "Daily Papers", "", "", "", "   "]
    ),
    titles,
    st.text(min_size=0, max_size=400),
)


def _no_format_characters(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cf", "Cc") for c in text)


@settings(deadline=None, max_examples=150)
@given(st.lists(DUMP_LINES, max_size=30))
def test_any_dump_is_parsed_into_clean_papers_or_refused_at_its_lines(lines):
    text = "\n".join(lines)
    total_lines = text.count("\n") + 1
    try:
        dump = parse_dump(text, Path("d.txt"))
    except ContentError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path == "d.txt" and problem.message
            assert problem.line is None or 1 <= problem.line <= total_lines
        return
    for day in dump.days:
        for paper in day.papers:
            assert paper.title.strip() and paper.abstract.strip()
            assert len(paper.title) <= MAX_TITLE_LENGTH
            assert _no_format_characters(paper.title) and _no_format_characters(paper.abstract)
            assert 1 <= paper.line <= total_lines


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_bytes_as_a_dump_are_read_or_refused(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.txt"
        path.write_bytes(data)
        try:
            read_dump(path)
        except ContentError as error:
            assert error.problems and all(p.message for p in error.problems)


@given(titles)
def test_any_title_slugs_to_a_safe_id(title):
    paper_id = slug_for(title)
    assert ID_PATTERN.fullmatch(paper_id), paper_id
    assert paper_id not in RESERVED_IDS and paper_id not in (".", "..")
    assert "/" not in paper_id and "\\" not in paper_id
    assert slug_for(unicodedata.normalize("NFD", title)) == slug_for(
        unicodedata.normalize("NFC", title)
    )


@given(st.lists(titles, max_size=10))
def test_an_id_is_never_handed_to_two_different_titles(many):
    registry = IdRegistry()
    for title in many:
        known = registry.find(title)
        paper_id = known.id if known else registry.new_id(title)
        registry.remember(paper_id, title, "", None)
        assert ID_PATTERN.fullmatch(paper_id)
        assert registry.find(title) is not None and registry.find(title).id == paper_id


FRONT_MATTER_LINES = st.one_of(
    st.sampled_from(
        [
            "title: A note",
            "title: [unclosed",
            "title: &a x",
            "summary: *a",
            "title: !!python/object/apply:os.system ['true']",
            "date: 2025-03-12",
            "date: 2025-02-30",
            "date: someday",
            "\tdate: 2025-03-12",
            "papers: [fast-diffusion-sampling, ../../etc]",
            "topics: retrieval",
            "draft: yes",
            "authors: [Ada]",
            "title: Again",
            "<<: {title: merged}",
            "---",
            "",
        ]
    ),
    hostile_text.map(lambda text: text.replace("\n", " ")),
)


@settings(deadline=None, max_examples=200)
@given(
    opening=st.sampled_from(["---", "---  ", "--", "", "\ufeff---"]),
    front=st.lists(FRONT_MATTER_LINES, max_size=8),
    closing=st.sampled_from(["---", "", "..."]),
    body=st.text(max_size=200),
)
def test_any_front_matter_is_read_or_reported_within_the_file(opening, front, closing, body):
    text = "\n".join([opening, *front, closing, body])
    problems = ProblemList()
    note = parse_note(text, Path("content/notes/some-note.md"), problems)
    total_lines = text.count("\n") + 1
    for problem in problems.all:
        assert problem.message
        assert problem.line is None or 1 <= problem.line <= total_lines + 1, problem
    if note is not None:
        assert isinstance(note, Note) and not problems.errors
        assert note.title.strip() and note.body.strip()
        assert 1 <= note.body_line <= total_lines + 1


# --- the whole check command -----------------------------------------------------------------

records = st.lists(
    st.fixed_dictionaries(
        {"id": st.one_of(st.sampled_from(["a", "b", "con", "A B", "../x", ""]), titles)},
        optional={
            "title": titles,
            "abstract": st.text(max_size=100),
            "topics": st.lists(st.sampled_from(["diffusion", "retrieval", "nope"]), max_size=2),
            "links": st.lists(
                st.fixed_dictionaries(
                    {"url": st.sampled_from(["https://x.org/", "javascript:alert(1)", "x"])}
                ),
                max_size=2,
            ),
        },
    ),
    max_size=4,
)


def _yaml_record(record: dict) -> str:
    import json

    # JSON is YAML: every generated value becomes a flow mapping the safe loader reads.
    return "  - " + json.dumps(record, ensure_ascii=False) + "\n"


@settings(
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    day=records,
    raw_day=st.lists(DUMP_LINES, max_size=6).map("\n".join),
    note_front=st.lists(FRONT_MATTER_LINES, max_size=6),
    note_body=st.text(max_size=300),
    site_extra=st.sampled_from(
        ["", "base_url: example.org\n", "theme: ../../x\n", "feed_items: -1\n", "title: [x\n"]
    ),
)
def test_check_reports_anything_as_problems_and_writes_nothing(
    day, raw_day, note_front, note_body, site_extra
):
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        content = project / "content"
        shutil.copytree(FIXTURE, content)
        with (content / "site.yaml").open("a", encoding="utf-8") as handle:
            handle.write(site_extra)
        (content / "papers" / "2025-03-20.yaml").write_text(
            "date: 2025-03-20\npapers:\n" + "".join(_yaml_record(r) for r in day),
            encoding="utf-8",
        )
        (content / "papers" / "2025-03-21.yaml").write_text(raw_day, encoding="utf-8")
        (content / "notes" / "generated.md").write_text(
            "\n".join(["---", *note_front, "---", note_body]), encoding="utf-8"
        )
        before = tree(project)
        problems = check_content(content)
        assert tree(project) == before, "check wrote something"
        for problem in problems:
            assert problem.message and problem.severity in ("error", "warning")
            assert problem.path.startswith(os.path.realpath(content)), problem
