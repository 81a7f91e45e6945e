"""`litdigest topics --diff [REF]` in a temporary git repository, and the reasons paper pages
show for each topic."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from builder.build import build_site
from builder.cli import EXIT_OK, EXIT_USAGE, main

FIXTURE = Path(__file__).parent / "fixtures" / "site"
GARDENING = """  - slug: gardening
    name: Gardening
    description: Growing things.
    phrases:
      - gardening
      - tomatoes
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """The fixture site committed in a fresh repository; the cwd is the repository."""
    shutil.copytree(FIXTURE, tmp_path / "content")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "content")
    git(tmp_path, "commit", "-q", "-m", "fixture")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["topics", "--content", "content", *args])
    out, err = capsys.readouterr()
    return code, out, err


def edit_topics(repo: Path) -> None:
    """Retrieval loses its `retrieval` phrase; a gardening topic appears."""
    path = repo / "content" / "topics.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      - retrieval\n", "").replace("other:\n", GARDENING + "other:\n")
    path.write_text(text, encoding="utf-8")


def test_unchanged_rules_move_no_paper(repo, capsys):
    code, out, _ = run(capsys, "--diff")
    assert code == EXIT_OK
    assert (
        out == "0 of 5 papers change topics from HEAD:content/topics.yaml to content/topics.yaml\n"
    )


def test_edited_rules_list_the_papers_that_move_and_the_counts(repo, capsys):
    edit_topics(repo)
    code, out, _ = run(capsys, "--diff")
    assert code == EXIT_OK
    assert out.splitlines() == [
        "2 of 5 papers change topics from HEAD:content/topics.yaml to content/topics.yaml",
        "  a-paper-about-gardening: other → gardening",
        # dense-retrieval-limits keeps retrieval: a note pins it there.
        "  retrieval-with-diffusion: diffusion, retrieval → diffusion",
        "topics whose papers change (before → now, gained, lost):",
        "  retrieval     2 → 1     +0 -1",
        "  gardening     0 → 1     +1 -0",
        "  other         1 → 0     +0 -1",
    ]


def test_a_ref_is_compared_with_the_working_tree(repo, capsys):
    first = git(repo, "rev-parse", "HEAD").strip()
    edit_topics(repo)
    git(repo, "commit", "-q", "-am", "gardening")
    assert run(capsys, "--diff")[1].startswith("0 of 5 papers")
    code, out, _ = run(capsys, "--diff", first[:10])
    assert code == EXIT_OK
    assert out.startswith(f"2 of 5 papers change topics from {first[:10]}:content/topics.yaml")
    assert run(capsys, "--diff", "HEAD~1")[1] == out.replace(first[:10], "HEAD~1")


def test_a_ref_without_topics_yaml_had_every_paper_in_other(repo, capsys):
    git(repo, "rm", "-q", "--cached", "content/topics.yaml")
    git(repo, "commit", "-q", "-m", "no topics yet")
    code, out, _ = run(capsys, "--diff")
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].startswith("4 of 5 papers change topics")
    assert "  fast-diffusion-sampling: other → diffusion" in lines
    # The record's and the note's pins cannot apply where their topics do not exist.
    assert "  dense-retrieval-limits: other → retrieval" in lines
    assert "  score-based-models-revisited: other → diffusion" in lines
    assert "(2 pins name topics that HEAD does not have; they count only now)" in lines


def test_an_unknown_ref_is_a_usage_error(repo, capsys):
    code, _, err = run(capsys, "--diff", "no-such-branch")
    assert code == EXIT_USAGE
    assert "unknown git ref 'no-such-branch'" in err


def test_outside_a_git_repository_it_says_so(tmp_path, monkeypatch, capsys):
    shutil.copytree(FIXTURE, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    code, _, err = run(capsys, "--diff")
    assert code == EXIT_USAGE
    assert "is not in a git repository" in err


def test_explain_and_diff_exclude_each_other(repo, capsys):
    with pytest.raises(SystemExit) as error:
        main(["topics", "--content", "content", "--diff", "--explain", "x"])
    assert error.value.code == 2


def test_paper_pages_say_why_each_topic(tmp_path):
    build_site(FIXTURE, out_dir=tmp_path / "site")

    def reasons(paper_id: str) -> str:
        html = (tmp_path / "site" / "papers" / paper_id / "index.html").read_text()
        return html.split('<section class="topic-reasons"', 1)[1].split("</section>", 1)[0]

    matched = reasons("retrieval-with-diffusion")
    assert "<li>phrase &#34;diffusion&#34; in the title (+3)</li>" in matched
    assert "<li>phrase &#34;retrieval&#34; in the abstract (+1)</li>" in matched
    assert '<a class="topic-tag" href="../../topics/retrieval/">Retrieval</a>' in matched
    assert "<li>pinned by the note “Why retrieval is hard”</li>" in reasons(
        "dense-retrieval-limits"
    )
    assert "<li>pinned by the paper&#39;s record</li>" in reasons("score-based-models-revisited")
    assert "<li>no topic&#39;s rules matched</li>" in reasons("a-paper-about-gardening")
