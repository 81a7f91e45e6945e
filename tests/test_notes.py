"""Notes: front matter checked with file:line, drafts, slugs, references, the shipped notes."""

import datetime as dt
from pathlib import Path

import pytest

from builder.errors import ContentError
from builder.markdown import render_markdown
from builder.notes import Note, check_note_references, load_notes
from builder.records import load_day_listings
from builder.topics import load_taxonomy

CONTENT = Path(__file__).resolve().parent.parent / "content"

GOOD = """\
---
title: A good note
date: 2025-09-08
authors: [Ada Lovelace, Alan Turing]
papers:
  - paper-one
  - paper-two
topics: [retrieval]
summary: >
  Why single vectors
  run out of room.
---
The body starts *here*.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def note_text(front: str, body: str = "Body.\n") -> str:
    return f"---\n{front}---\n{body}"


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as error:
        load_notes(folder, include_drafts=True)
    return [problem.format() for problem in error.value.problems]


def one_problem(tmp_path: Path, text: str, name: str = "n.md") -> str:
    path = write(tmp_path, name, text)
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(path.as_posix() + ":") or problem.startswith(path.as_posix())
    return problem.removeprefix(path.as_posix())


def test_a_good_note_is_read_in_full(tmp_path):
    path = write(tmp_path, "good-note.md", GOOD)
    (note,) = load_notes(tmp_path, include_drafts=False)
    assert note == Note(
        slug="good-note",
        title="A good note",
        date=dt.date(2025, 9, 8),
        path=path,
        body="The body starts *here*.\n",
        body_line=13,
        authors=("Ada Lovelace", "Alan Turing"),
        papers=("paper-one", "paper-two"),
        topics=("retrieval",),
        summary="Why single vectors run out of room.",
        draft=False,
        paper_lines=(6, 7),
        topic_lines=(8,),
    )


def test_only_title_and_date_are_required(tmp_path):
    write(tmp_path, "short.md", note_text("title: T\ndate: 2025-01-02\n"))
    (note,) = load_notes(tmp_path, include_drafts=False)
    assert (note.authors, note.papers, note.topics, note.summary, note.draft) == (
        (),
        (),
        (),
        None,
        False,
    )
    assert note.body_line == 5


def test_a_missing_folder_has_no_notes(tmp_path):
    assert load_notes(tmp_path / "nothing", include_drafts=True) == ()


def test_notes_are_newest_first_then_by_slug(tmp_path):
    for slug, day in [("b", "2025-01-01"), ("a", "2025-01-01"), ("c", "2025-02-01")]:
        write(tmp_path, f"{slug}.md", note_text(f"title: {slug}\ndate: {day}\n"))
    assert [n.slug for n in load_notes(tmp_path, include_drafts=False)] == ["c", "a", "b"]


def test_drafts_are_left_out_unless_asked_for(tmp_path):
    write(tmp_path, "done.md", note_text("title: Done\ndate: 2025-01-01\n"))
    write(tmp_path, "wip.md", note_text("title: WIP\ndate: 2025-01-02\ndraft: true\n"))
    assert [n.slug for n in load_notes(tmp_path, include_drafts=False)] == ["done"]
    notes = load_notes(tmp_path, include_drafts=True)
    assert [(n.slug, n.draft) for n in notes] == [("wip", True), ("done", False)]


def test_drafts_are_checked_even_when_left_out(tmp_path):
    write(tmp_path, "wip.md", note_text("title: WIP\ndraft: true\n"))
    with pytest.raises(ContentError, match="front matter needs `date:`"):
        load_notes(tmp_path, include_drafts=False)


@pytest.mark.parametrize(
    "name", [".hidden.md", "_template.md", "_drafts/x.md", ".git/y.md", "readme.txt", "n.markdown"]
)
def test_hidden_underscored_and_other_files_are_ignored(tmp_path, name):
    write(tmp_path, name, "not a note at all")
    assert load_notes(tmp_path, include_drafts=True) == ()


def test_notes_in_sub_folders_are_read(tmp_path):
    write(tmp_path, "2025/deep.md", note_text("title: Deep\ndate: 2025-01-01\n"))
    assert [n.slug for n in load_notes(tmp_path, include_drafts=True)] == ["deep"]


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("My Note.md", "my-note.md"), ("Über_Idee.md", "uber-idee.md"), ("a--b.md", "a-b.md")],
)
def test_a_file_name_that_is_no_slug_gets_a_suggestion(tmp_path, name, suggestion):
    message = one_problem(tmp_path, note_text("title: T\ndate: 2025-01-01\n"), name)
    assert message == (
        f": error: note file name `{name}` is not a valid slug"
        f" (use lowercase letters, digits and hyphens, for example `{suggestion}`)"
    )


def test_the_same_slug_twice_is_an_error(tmp_path):
    write(tmp_path, "2024/same.md", note_text("title: A\ndate: 2024-01-01\n"))
    second = write(tmp_path, "2025/same.md", note_text("title: B\ndate: 2025-01-01\n"))
    (problem,) = problems_of(tmp_path)
    assert problem.startswith(f"{second.as_posix()}: error: another note already has the slug")
    assert "see " in problem and "2024/same.md; rename one of them" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: T\n", ":1: error: front matter missing: a note starts with a `---` line"),
        ("", ":1: error: front matter missing"),
        ("---\ntitle: T\ndate: 2025-01-01\nBody\n", ":1: error: front matter not closed"),
        ("---\ntitle: T\ndate: 2025-01-01\n---\n\n  \n", ":4: error: the note has no text"),
        (note_text("- a\n- b\n"), ":2: error: front matter must be a mapping"),
    ],
)
def test_front_matter_shape_problems(tmp_path, text, expected):
    message = one_problem(tmp_path, text)
    assert message.startswith(expected), message


def test_empty_front_matter_misses_both_required_keys(tmp_path):
    write(tmp_path, "n.md", note_text(""))
    assert [p.split(": error: ")[1] for p in problems_of(tmp_path)] == [
        "front matter needs `title:`",
        "front matter needs `date:`",
    ]


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: T\ndate: 2025-01-01\nauthors: [a\n", ":5:1: error: invalid YAML"),
        ("title: T\ndate: 2025-01-01\ntitle: U\n", ":4:1: error: invalid YAML: duplicate key"),
        ("title: T\n\tdate: 2025-01-01\n", ":3:1: error: invalid YAML"),
        ("title: T\ndate: !!python/object:os.system x\n", ":3:7: error: invalid YAML: the tag"),
        ("title: T\ndate: 2025-13-01\n", ":3:7: error: invalid YAML: '2025-13-01' is not a valid"),
    ],
)
def test_yaml_errors_are_located_in_the_file_not_the_block(tmp_path, front, expected):
    message = one_problem(tmp_path, note_text(front))
    assert message.startswith(expected), message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("title: T\n", ":2: error: front matter needs `date:`"),
        ("date: 2025-01-01\n", ":2: error: front matter needs `title:`"),
        ("title: ''\ndate: 2025-01-01\n", ":2: error: `title` must be non-empty text"),
        ("title: [a]\ndate: 2025-01-01\n", ":2: error: `title` must be non-empty text"),
        ("title: T\ndate: '2025-01-01'\n", ":3: error: `date` must be a date like 2025-09-08"),
        ("title: T\ndate: 2025-01-01 10:00\n", ":3: error: `date` must be a date like"),
        ("title: T\ndate: 2025-01-01\nauthors: Ada\n", ":4: error: `authors` must be a list"),
        ("title: T\ndate: 2025-01-01\nauthors: [Ada, 3]\n", ":4: error: each entry of `authors`"),
        (
            "title: T\ndate: 2025-01-01\npapers:\n  - ok-id\n  - Not An Id\n",
            ":6: error: `Not An Id` in `papers` is not an id",
        ),
        ("title: T\ndate: 2025-01-01\ntopics: retrieval\n", ":4: error: `topics` must be a list"),
        ("title: T\ndate: 2025-01-01\ntopics: [{a: b}]\n", ":4: error: each entry of `topics`"),
        ("title: T\ndate: 2025-01-01\nsummary: 3\n", ":4: error: `summary` must be non-empty text"),
        ("title: T\ndate: 2025-01-01\ndraft: 'yes'\n", ":4: error: `draft` must be true or false"),
        ("title: T\ndate: 2025-01-01\ndraft: 1\n", ":4: error: `draft` must be true or false"),
    ],
)
def test_field_problems_name_the_key_and_its_line(tmp_path, extra, expected):
    message = one_problem(tmp_path, note_text(extra))
    assert message.startswith(expected), message


def test_a_list_written_as_text_gets_a_hint(tmp_path):
    message = one_problem(tmp_path, note_text("title: T\ndate: 2025-01-01\nauthors: Ada\n"))
    assert message.endswith("(write `authors: [Ada]` or one `- item` per line)")


@pytest.mark.parametrize(
    ("key", "hint"),
    [("tittle", "did you mean `title`?"), ("paper", "did you mean `papers`?"), ("zzz", "known: ")],
)
def test_unknown_keys_get_a_did_you_mean(tmp_path, key, hint):
    message = one_problem(tmp_path, note_text(f"title: T\ndate: 2025-01-01\n{key}: x\n"))
    assert message.startswith(f":4: error: unknown key `{key}` in front matter ({hint}")


def test_every_problem_of_every_note_is_reported_at_once(tmp_path):
    write(tmp_path, "a.md", note_text("title: ''\ndate: nope\ndraft: 2\n"))
    write(tmp_path, "b.md", "no front matter")
    write(tmp_path, "Bad Name.md", note_text("title: T\ndate: 2025-01-01\nsumary: x\n"))
    (tmp_path / "d.md").write_bytes(b"---\ntitle: \xff\n---\n")
    problems = problems_of(tmp_path)
    assert len(problems) == 7, problems
    assert sum("a.md:" in p for p in problems) == 3
    assert any("d.md:2: error: not valid UTF-8" in p for p in problems)


def test_crlf_and_a_bom_are_accepted(tmp_path):
    (tmp_path / "win.md").write_bytes(
        "\ufeff---\r\ntitle: T\r\ndate: 2025-01-01\r\n---\r\nBody\r\n".encode()
    )
    (note,) = load_notes(tmp_path, include_drafts=True)
    assert (note.title, note.body, note.body_line) == ("T", "Body\n", 5)


def make_note(**fields) -> Note:
    return Note(
        **{"slug": "n", "title": "T", "date": dt.date(2025, 1, 1), "path": Path("notes/n.md")}
        | {"body": "B", "body_line": 5}
        | fields
    )


def test_known_references_are_fine():
    note = make_note(papers=("p1",), paper_lines=(3,), topics=("t1",), topic_lines=(4,))
    assert check_note_references([note], {"p1", "p2"}, {"t1"}) == []


def test_unknown_papers_and_topics_are_reported_at_their_entry(tmp_path):
    write(
        tmp_path,
        "n.md",
        note_text(
            "title: T\ndate: 2025-01-01\npapers:\n  - model-soups\n  - model-soupz\n"
            "topics: [retrieval, retreival, nonsense]\n"
        ),
    )
    notes = load_notes(tmp_path, include_drafts=True)
    problems = check_note_references(notes, {"model-soups"}, {"retrieval", "diffusion"})
    path = (tmp_path / "n.md").as_posix()
    assert [p.format() for p in problems] == [
        f"{path}:6: error: unknown paper `model-soupz` (did you mean `model-soups`?)",
        f"{path}:7: error: unknown topic `retreival` (did you mean `retrieval`?)",
        f"{path}:7: error: unknown topic `nonsense`",
    ]


def test_a_paper_listed_twice_is_reported():
    note = make_note(papers=("p1", "p1"), paper_lines=(3, 4))
    (problem,) = check_note_references([note], {"p1"}, set())
    assert (problem.line, problem.message) == (4, "paper `p1` is listed twice")


# The notes shipped in content/notes/ are examples contributors copy: they must stay valid.


def shipped_paper_ids() -> set[str]:
    return {r.id for listing in load_day_listings(CONTENT / "papers") for r in listing.records}


def shipped_topic_slugs() -> set[str]:
    return {topic.slug for topic in load_taxonomy(CONTENT).topics}


def test_the_shipped_notes_load_and_reference_existing_papers_and_topics():
    notes = load_notes(CONTENT / "notes", include_drafts=True)
    assert len(notes) >= 3
    assert any(note.draft for note in notes)
    assert all(note.papers for note in notes)
    paper_ids = shipped_paper_ids()
    assert check_note_references(notes, paper_ids, shipped_topic_slugs()) == []
    linked = 0
    for note in notes:
        rendered = render_markdown(
            note.body,
            path=note.path,
            first_line=note.body_line,
            paper_url=lambda pid: f"/papers/{pid}/" if pid in paper_ids else None,
        )
        assert rendered.problems == (), note.path
        linked += len(rendered.paper_ids)
    assert linked >= 2
