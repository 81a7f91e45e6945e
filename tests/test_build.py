"""Whole builds of the small fixture site: summary, drafts, errors, and nothing lost."""

import shutil
from pathlib import Path

import pytest

from builder.build import build_site
from builder.cli import main
from builder.errors import ContentError

FIXTURE = Path(__file__).parent / "fixtures" / "site"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURE, target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_writes_every_kind_of_page(content, tmp_path):
    out = tmp_path / "out"
    summary = build_site(content, out_dir=out)
    files = snapshot(out)
    for path in [
        "index.html",
        "404.html",
        "archive/index.html",
        "topics/index.html",
        "days/2025-03-11/index.html",
        "days/2025-03-14/index.html",
        "topics/diffusion/index.html",
        "topics/diffusion/page/2/index.html",
        "topics/retrieval/index.html",
        "topics/other/index.html",
        "papers/fast-diffusion-sampling/index.html",
        "notes/index.html",
        "notes/why-retrieval-is-hard/index.html",
        "feed.xml",
        "atom.xml",
        "notes/feed.xml",
        "notes/atom.xml",
        "topics/diffusion/feed.xml",
        "topics/diffusion/atom.xml",
        "sitemap.xml",
        "robots.txt",
        "static/style.css",
    ]:
        assert path in files, path
    assert "notes/draft-thoughts/index.html" not in files
    assert summary.papers == 5 and summary.notes == 1
    assert str(summary).startswith("Built ")


def test_drafts_are_built_only_when_asked(content, tmp_path):
    build_site(content, out_dir=tmp_path / "out", drafts=True)
    assert (tmp_path / "out" / "notes" / "draft-thoughts" / "index.html").is_file()


def test_cli_build_prints_one_summary_line(content, tmp_path, capsys):
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "pages" in out[0] and "feeds" in out[0] and "5 papers" in out[0] and " s" in out[0]


def test_a_bad_input_stops_the_build_and_leaves_the_old_site_exactly(content, tmp_path, capsys):
    out = tmp_path / "out"
    build_site(content, out_dir=out)
    before = snapshot(out)
    day = content / "papers" / "2025-03-14.yaml"
    day.write_text(day.read_text().replace("  - id: retrieval-with-diffusion\n", "  - idd: x\n"))
    note = content / "notes" / "why-retrieval-is-hard.md"
    note.write_text(note.read_text().replace("date: 2025-03-12", "date: someday"))
    assert main(["build", "--content", str(content), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "papers/2025-03-14.yaml:" in err and "has no `id`" in err
    assert "notes/why-retrieval-is-hard.md:3:" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache") == ["content", "out"]


def test_every_bad_paper_link_in_every_note_is_reported_at_once(content, tmp_path, capsys):
    out = tmp_path / "out"
    build_site(content, out_dir=out)
    before = snapshot(out)
    note = content / "notes" / "why-retrieval-is-hard.md"
    text = note.read_text().replace("(paper:dense-retrieval-limits)", "(paper:nope)")
    note.write_text(text + "\nAnd [another](paper:missing-too).\n")
    (content / "notes" / "second.md").write_text(
        "---\ntitle: Second\ndate: 2025-03-13\n---\n\nSee [x](paper:gone).\n"
    )
    assert main(["build", "--content", str(content), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "notes/why-retrieval-is-hard.md:9:" in err and "nope" in err
    assert "notes/why-retrieval-is-hard.md:19:" in err and "missing-too" in err
    assert "notes/second.md:6:" in err and "gone" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache") == ["content", "out"]


def test_two_builds_are_byte_identical(content, tmp_path):
    build_site(content, out_dir=tmp_path / "a")
    build_site(content, out_dir=tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_a_missing_content_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ContentError, match="content folder not found"):
        build_site(tmp_path / "nope", out_dir=tmp_path / "out")
