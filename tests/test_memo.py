"""The memo of slow steps: a stored result is used only while its inputs are unchanged, and
a damaged store costs time, never a wrong result."""

from __future__ import annotations

import shutil
from pathlib import Path

from builder.build import build_site
from builder.cache import memo_path
from builder.memo import Memo, digest
from tests.hostile.project import FIXTURE, tree


def test_a_result_is_made_once_and_then_read(tmp_path):
    made = []
    for _ in range(2):
        memo = Memo(tmp_path, "code")
        assert memo.get("kind", "key", lambda: made.append(1) or {"value": 1}) == {"value": 1}
    assert made == [1]
    assert (memo.hits, memo.misses) == (1, 0)


def test_new_code_or_a_new_key_makes_it_again(tmp_path):
    Memo(tmp_path, "code").get("kind", "key", lambda: "old")
    assert Memo(tmp_path, "new code").get("kind", "key", lambda: "new") == "new"
    assert Memo(tmp_path, "code").get("kind", "other key", lambda: "other") == "other"


def test_a_damaged_or_truncated_entry_is_made_again(tmp_path):
    Memo(tmp_path, "code").get("kind", "key", lambda: "right")
    (entry,) = (tmp_path / "kind").iterdir()
    data = entry.read_bytes()
    for damaged in (data[:-1] + bytes([data[-1] ^ 1]), data[:10], b""):
        entry.write_bytes(damaged)
        memo = Memo(tmp_path, "code")
        assert memo.get("kind", "key", lambda: "made again") == "made again"
        assert memo.misses == 1


def test_an_unwritable_folder_still_gives_results(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert Memo(blocker, "code").get("kind", "key", lambda: 42) == 42


def test_prune_keeps_only_what_the_last_build_used(tmp_path):
    first = Memo(tmp_path, "code")
    first.get("kind", "a", lambda: 1)
    first.get("kind", "b", lambda: 2)
    second = Memo(tmp_path, "code")
    second.get("kind", "b", lambda: 2)
    second.prune()
    assert len(list((tmp_path / "kind").iterdir())) == 1


def test_keys_of_different_parts_differ():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a") != digest("a", "")


def test_a_site_built_from_the_memo_equals_one_built_without(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project / "content")
    content = project / "content"
    build_site(content, out_dir=project / "site", search=False)
    assert any(memo_path(project).rglob("*.pickle"))
    # A note and a day file change: their entries are made again, the others read.
    note = next((content / "notes").glob("*.md"))
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    day = content / "papers" / "2025-03-14.yaml"
    text = day.read_text(encoding="utf-8")
    day.write_text(text.replace("Score-Based Models Revisited", "Score Models, Again"))
    build_site(content, out_dir=project / "site", search=False)
    build_site(content, out_dir=tmp_path / "clean", search=False, clean=True)
    assert tree(project / "site") == tree(tmp_path / "clean")


def test_a_corrupted_memo_folder_gives_the_same_site(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project / "content")
    build_site(project / "content", out_dir=project / "site", search=False)
    expected = tree(project / "site")
    for entry in memo_path(project).rglob("*.pickle"):
        entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
    shutil.rmtree(project / "site")
    build_site(project / "content", out_dir=project / "site", search=False)
    assert tree(project / "site") == expected


def test_memo_is_kept_beside_the_content(tmp_path):
    assert memo_path(Path("/x/project")) == Path("/x/project/.cache/memo")


def test_a_stored_result_its_check_refuses_is_made_again(tmp_path):
    Memo(tmp_path, "code").get("kind", "key", lambda: ("made", 1))
    memo = Memo(tmp_path, "code")
    assert memo.get("kind", "key", lambda: ("again", 2), valid=lambda v: v[1] == 2) == ("again", 2)
    assert memo.get("kind", "key", lambda: ("never", 3), valid=lambda v: v[1] == 2) == ("again", 2)
    assert memo.made == {"kind": 1} and memo.hits == 1
