"""`litdigest check`: each kind of mistake, fed as a broken fixture, reported at path:line."""

import shutil
from pathlib import Path

import pytest

from builder.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "site"


@pytest.fixture
def content(tmp_path: Path, monkeypatch) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURE, target)
    monkeypatch.chdir(tmp_path)
    return target


def check(capsys, *extra: str) -> tuple[int, list[str]]:
    status = main(["check", "--content", "content", *extra])
    return status, capsys.readouterr().out.splitlines()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_clean_content_exits_0(content, capsys):
    assert check(capsys) == (0, [])


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "papers/2025-03-11.yaml",
            "    title: Limits of Dense Retrieval\n",
            "    title: [Limits\n",
            "content/papers/2025-03-11.yaml:12:",
        ),
        (
            "papers/2025-03-11.yaml",
            "  - id: a-paper-about-gardening\n    title: A Paper About Gardening\n",
            "  - id: a-paper-about-gardening\n",
            "content/papers/2025-03-11.yaml:14: error: paper #3 has no `title`",
        ),
        (
            "papers/2025-03-14.yaml",
            "  - id: retrieval-with-diffusion\n    title: Retrieval With Diffusion",
            "  - id: retrieval-with-diffusion\n    title: Retrieval With Diffusion\n"
            "    upvotes: many",
            "content/papers/2025-03-14.yaml:20: error: `upvotes` must be a whole number",
        ),
        (
            "papers/2025-03-14.yaml",
            "  - id: retrieval-with-diffusion\n",
            "  - id: dense-retrieval-limits\n",
            "content/papers/2025-03-14.yaml:18: error: paper id 'dense-retrieval-limits' "
            "is already used by a different paper",
        ),
        (
            "notes/why-retrieval-is-hard.md",
            "date: 2025-03-12",
            "date: 2025-02-30",
            "content/notes/why-retrieval-is-hard.md:3:",
        ),
        (
            "notes/why-retrieval-is-hard.md",
            "title: Why retrieval is hard\n",
            "",
            "content/notes/why-retrieval-is-hard.md:2: error: front matter needs `title:`",
        ),
        (
            "notes/why-retrieval-is-hard.md",
            "summary:",
            "sumary:",
            "content/notes/why-retrieval-is-hard.md:7: error: unknown key `sumary`",
        ),
        (
            "notes/why-retrieval-is-hard.md",
            "papers: [dense-retrieval-limits]",
            "papers: [dense-retrieval-limit]",
            "content/notes/why-retrieval-is-hard.md:5:",
        ),
        (
            "notes/why-retrieval-is-hard.md",
            "topics: [retrieval]",
            "topics: [retreival]",
            "content/notes/why-retrieval-is-hard.md:6:",
        ),
        (
            "notes/why-retrieval-is-hard.md",
            "(paper:dense-retrieval-limits)",
            "(paper:nope)",
            "content/notes/why-retrieval-is-hard.md:9: error: link to unknown paper `nope`",
        ),
        (
            "site.yaml",
            "feed_items: 3",
            "feed_itmes: 3",
            "content/site.yaml:8: error: unknown setting `feed_itmes` (did you mean `feed_items`?)",
        ),
        (
            "topics.yaml",
            "    name: Retrieval\n",
            "    name: Retrieval\n    phrase: [x]\n",
            "content/topics.yaml:",
        ),
    ],
)
def test_each_mistake_is_reported_at_its_line(content, capsys, file, old, new, expected):
    edit(content / file, old, new)
    status, lines = check(capsys)
    assert status == 1
    assert any(line.startswith(expected) for line in lines), lines


def test_duplicate_note_slugs_name_both_files(content, capsys):
    (content / "notes" / "more").mkdir()
    shutil.copy(
        content / "notes" / "why-retrieval-is-hard.md",
        content / "notes" / "more" / "why-retrieval-is-hard.md",
    )
    status, lines = check(capsys)
    assert status == 1
    assert any("why-retrieval-is-hard" in line and "more/" in line for line in lines), lines


def test_all_problems_in_one_run(content, capsys):
    edit(content / "site.yaml", "feed_items: 3", "feed_itmes: 3")
    edit(content / "notes" / "why-retrieval-is-hard.md", "summary:", "sumary:")
    edit(content / "papers" / "2025-03-11.yaml", "    title: A Paper About Gardening\n", "")
    status, lines = check(capsys)
    assert status == 1
    files = {line.split(":", 1)[0] for line in lines}
    assert files == {
        "content/site.yaml",
        "content/notes/why-retrieval-is-hard.md",
        "content/papers/2025-03-11.yaml",
    }


def test_github_format_gives_annotations(content, capsys):
    edit(content / "site.yaml", "feed_items: 3", "feed_itmes: 3")
    status, lines = check(capsys, "--format", "github")
    assert status == 1
    assert lines == [
        "::error file=content/site.yaml,line=8::unknown setting `feed_itmes` "
        "(did you mean `feed_items`?)"
    ]


def test_drafts_are_checked_too(content, capsys):
    edit(content / "notes" / "draft-thoughts.md", "Not ready yet.", "See [x](paper:gone).")
    status, lines = check(capsys)
    assert status == 1 and "content/notes/draft-thoughts.md:7:" in lines[0]


def test_usage_errors_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--content", "missing"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--format", "xml"])
    assert exit_info.value.code == 2


def test_new_note_is_filled_in_and_passes_check(content, capsys, monkeypatch):
    monkeypatch.setenv("LITDIGEST_AUTHOR", "Lee, Ann")
    status = main(
        [
            "new",
            "note",
            "Fast: a look",
            "--paper",
            "fast-diffusion-sampling",
            "--content",
            "content",
        ]
    )
    assert status == 0
    path = content / "notes" / "fast-a-look.md"
    text = path.read_text(encoding="utf-8")
    assert "title: 'Fast: a look'" in text
    assert "  - fast-diffusion-sampling  # Fast Diffusion Sampling" in text
    assert "  - Lee, Ann" in text
    capsys.readouterr()
    assert check(capsys) == (0, [])


def test_new_note_refuses_to_overwrite(content, capsys):
    note = content / "notes" / "why-retrieval-is-hard.md"
    before = note.read_bytes()
    assert main(["new", "note", "Why retrieval is hard", "--content", "content"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert note.read_bytes() == before


def test_new_note_with_an_unknown_paper_suggests_one(content, capsys):
    assert (
        main(["new", "note", "X", "--paper", "fast-diffusion-sampler", "--content", "content"]) == 2
    )
    assert "did you mean 'fast-diffusion-sampling'" in capsys.readouterr().err
    assert not (content / "notes" / "x.md").exists()


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/topics/nope/", "link `/topics/nope/` points to no page of the site"),
        ("../../papers/missing/", "link `../../papers/missing/` points to no page"),
        ("https://example.org/fixture/days/2020-01-01/", "points to no page of the site"),
        ("../../../../etc/passwd", "leaves the site"),
        ("/static/nothing.png", "points to no page of the site"),
    ],
)
def test_internal_links_in_notes_that_point_nowhere(content, capsys, link, expected):
    note = content / "notes" / "why-retrieval-is-hard.md"
    note.write_text(note.read_text() + f"\nSee [this]({link}).\n")
    status, lines = check(capsys)
    assert status == 1
    assert lines[0].startswith("content/notes/why-retrieval-is-hard.md:19: error: ")
    assert expected in lines[0]


def test_internal_links_that_exist_are_made_relative(content, tmp_path, capsys):
    note = content / "notes" / "why-retrieval-is-hard.md"
    links = (
        "[a](/topics/diffusion/) [b](/topics/diffusion) [c](/archive/#year-2025) "
        "[d](https://example.org/fixture/papers/fast-diffusion-sampling/) "
        "[e](../../days/2025-03-11/) [f](/static/style.css) [g](https://example.com/x)"
    )
    note.write_text(note.read_text() + "\n" + links + "\n")
    assert check(capsys) == (0, [])
    out = tmp_path / "out"
    assert main(["build", "--content", "content", "--out", str(out)]) == 0
    page = (out / "notes" / "why-retrieval-is-hard" / "index.html").read_text()
    for href in (
        "../../topics/diffusion/",
        "../../archive/#year-2025",
        "../../papers/fast-diffusion-sampling/",
        "../../days/2025-03-11/",
        "../../static/style.css",
        "https://example.com/x",
    ):
        assert f'href="{href}"' in page, href
    assert page.count('href="../../topics/diffusion/"') >= 2


def test_topics_refuses_notes_linked_from_outside_the_content(content, tmp_path, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: S\ndate: 2025-01-01\n---\nsecret\n")
    (content / "notes" / "linked.md").symlink_to(outside / "secret.md")
    assert main(["topics", "--content", "content"]) == 1
    err = capsys.readouterr().err
    assert "linked.md" in err and "outside" in err


def test_new_note_never_writes_through_a_link_out_of_the_content(content, tmp_path, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.rmtree(content / "notes")
    (content / "notes").symlink_to(outside, target_is_directory=True)
    assert main(["new", "note", "Escape", "--content", "content"]) == 1
    assert "outside" in capsys.readouterr().err
    assert list(outside.iterdir()) == []
