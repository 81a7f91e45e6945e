"""Writing the site: unique paths, nothing outside the site, swapped in whole."""

import os
import posixpath
from pathlib import PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder import output
from builder.errors import ContentError
from builder.output import (
    MARKER,
    FileRecord,
    OutputFile,
    SiteWriter,
    check_output_paths,
    journal_path,
    recover,
    write_site,
)
from builder.render import relative_url


def test_two_files_on_one_path_is_an_error_naming_both_sources():
    files = [
        OutputFile("notes/a/index.html", b"1", "note 'a'"),
        OutputFile("notes/a/index.html", b"2", "topic 'a'"),
    ]
    with pytest.raises(ContentError) as error:
        check_output_paths(files)
    message = str(error.value)
    assert "topic 'a'" in message and "note 'a'" in message
    assert "notes/a/index.html" in message


@pytest.mark.parametrize("path", ["../x.html", "/etc/passwd", "a/../../b", "a\\..\\b", ""])
def test_paths_leaving_the_site_are_refused(path):
    with pytest.raises(ContentError, match="outside the site"):
        check_output_paths([OutputFile(path, b"", "test")])


def test_write_site_replaces_the_old_site_whole(tmp_path):
    out = tmp_path / "site"
    write_site([OutputFile("index.html", b"old", "t"), OutputFile("stale.html", b"x", "t")], out)
    write_site([OutputFile("index.html", b"new", "t"), OutputFile("a/b.html", b"b", "t")], out)
    assert (out / "index.html").read_bytes() == b"new"
    assert (out / "a" / "b.html").read_bytes() == b"b"
    assert not (out / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "no staging folders left"


def test_a_failed_write_leaves_the_old_site_exactly(tmp_path):
    out = tmp_path / "site"
    write_site([OutputFile("index.html", b"old", "t")], out)
    with pytest.raises(ContentError):
        write_site(
            [OutputFile("index.html", b"new", "t"), OutputFile("index.html", b"dup", "t2")], out
        )
    assert (out / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# -- committing through the journal ---------------------------------------------------------


def _site(out, files, previous=None):
    """Write `files` (path -> bytes) as a site; returns the records and how it committed."""
    writer = SiteWriter(out, previous)
    for path, data in files.items():
        writer.add(OutputFile(path, data, "t"))
    how = writer.commit()
    return dict(writer.files), how, writer


def _tree(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


OLD = {f"papers/{n}/index.html": f"paper {n}".encode() for n in range(10)} | {
    "index.html": b"home",
    "gone/index.html": b"removed page",
    "papers/9/x": b"a file that becomes a folder",
}
NEW = {path: data for path, data in OLD.items() if path not in ("gone/index.html", "papers/9/x")}
NEW |= {"index.html": b"home, changed", "papers/9/x/index.html": b"now a folder", "new.html": b"n"}


def test_a_small_change_is_committed_through_the_journal_touching_only_changed_files(tmp_path):
    out = tmp_path / "site"
    records, how, _ = _site(out, OLD)
    assert how == "swap"  # a first build has nothing to keep
    unchanged = os.stat(out / "papers/0/index.html")
    records, how, writer = _site(out, NEW, records)
    assert how == "journal"
    assert writer.staged == {"index.html", "papers/9/x/index.html", "new.html"}
    assert _tree(out) == NEW | {MARKER: output.MARKER_TEXT}
    kept = os.stat(out / "papers/0/index.html")
    assert (kept.st_ino, kept.st_mtime_ns) == (unchanged.st_ino, unchanged.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "no journal or staging left"


def test_most_of_the_site_changing_is_swapped_in_whole(tmp_path):
    out = tmp_path / "site"
    records, _, _ = _site(out, OLD)
    changed = {path: data + b"!" for path, data in OLD.items()}
    _, how, _ = _site(out, changed, records)
    assert how == "swap"
    assert _tree(out) == changed | {MARKER: output.MARKER_TEXT}


@pytest.mark.parametrize("moves_done", [0, 1, 2, 3, 4])  # the first is the journal's
def test_a_commit_killed_halfway_is_finished_by_recover(tmp_path, monkeypatch, moves_done):
    out = tmp_path / "site"
    records, _, _ = _site(out, OLD)
    manifest = tmp_path / "cache" / "manifest.json"
    real_replace = os.replace
    calls = []

    def dying_replace(source, target):
        if len(calls) == moves_done:
            raise SystemExit("killed")  # as SIGKILL would stop it: nothing cleans up
        calls.append(target)
        real_replace(source, target)

    writer = SiteWriter(out, records)
    for path, data in NEW.items():
        writer.add(OutputFile(path, data, "t"))
    monkeypatch.setattr(output.os, "replace", dying_replace)
    with pytest.raises(SystemExit):
        writer.commit((manifest, b"the new record"))
    monkeypatch.setattr(output.os, "replace", real_replace)
    assert not manifest.exists(), "the old record goes first"
    if moves_done == 0:  # killed before the journal was in place: the old site, untouched
        assert not journal_path(out).exists() and recover(out) is None
        assert _tree(out) == OLD | {MARKER: output.MARKER_TEXT}
        return
    assert journal_path(out).exists()
    assert b"the new record" not in journal_path(out).read_bytes(), "named, not copied"
    # Every file is whole: old or new bytes, never a mix within one file.
    for path, data in _tree(out).items():
        assert data in (OLD.get(path), NEW.get(path), output.MARKER_TEXT), path
    assert recover(out) == "finished"
    assert _tree(out) == NEW | {MARKER: output.MARKER_TEXT}
    assert manifest.read_text() == "the new record"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "site"]
    assert recover(out) is None


def test_a_damaged_journal_is_dropped_and_the_site_no_longer_trusted(tmp_path):
    out = tmp_path / "site"
    _site(out, OLD)
    journal_path(out).write_text('{"check": "x", "body": {}}')
    assert recover(out) == "dropped"
    assert not journal_path(out).exists()


def test_a_failed_staging_leaves_the_old_site_and_no_journal(tmp_path):
    out = tmp_path / "site"
    records, _, _ = _site(out, OLD)
    writer = SiteWriter(out, records)
    writer.add(OutputFile("index.html", b"changed", "t"))
    writer.discard()  # what a build does on any error before its commit
    assert _tree(out) == OLD | {MARKER: output.MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_kept_record_names_the_current_file(tmp_path):
    out = tmp_path / "site"
    records, _, _ = _site(out, {"a.html": b"a"})
    assert isinstance(records["a.html"], FileRecord)
    assert records["a.html"].size == 1


# -- relative links between site paths -----------------------------------------------------

_FOLDER = st.sampled_from(["days", "papers", "a", "b", "2025-09-08", "page", "2"])
_FILE = st.sampled_from(["index.html", "style.css", "feed.xml"])


def _reference_relative_url(from_page: str, to_path: str) -> str:
    """What posixpath.relpath says, the definition relative_url must agree with."""
    base = posixpath.dirname(from_page) if not from_page.endswith("/") else from_page.rstrip("/")
    relative = posixpath.relpath("/" + (to_path or "./"), "/" + base) if base else to_path or "./"
    relative = "./" if relative == "." else relative
    if (not to_path or to_path.endswith("/")) and not relative.endswith("/"):
        relative += "/"
    return relative


def _site_path(folders: list[str], file: str | None) -> str:
    """A site path as the build makes them: folders end in "/", files have an extension."""
    return "".join(f"{folder}/" for folder in folders) + (file or "")


@given(
    st.lists(_FOLDER, max_size=4),
    st.none() | _FILE,
    st.lists(_FOLDER, max_size=4),
    st.none() | _FILE,
)
def test_relative_url_agrees_with_relpath(from_folders, from_file, to_folders, to_file):
    from_page, to_path = _site_path(from_folders, from_file), _site_path(to_folders, to_file)
    relative = relative_url(from_page, to_path)
    assert relative == _reference_relative_url(from_page, to_path)
    page_folder = "/" + "".join(f"{folder}/" for folder in from_folders)
    resolved = posixpath.normpath(posixpath.join(page_folder, relative))
    assert resolved.rstrip("/") == ("/" + to_path).rstrip("/")


@pytest.mark.parametrize(
    "path",
    [
        "a/b.html",
        "papers/2509.01234/index.html",
        ".well-known/x",
        "a/.b/c",
        "a/..b/c",
        "a/b..",
        "a/./b",
        "./a",
        "a/.",
        ".",
        "a/../b",
        "..",
        "../a",
        "a/..",
        "a//b",
        "/a",
        "a/",
        "a\\b",
        "",
    ],
)
def test_the_fast_path_check_agrees_with_the_full_one(path):
    """check_path takes a shortcut for paths already in normal form; it must answer as the
    full check does, for every path."""
    _check_path_agrees(path)


@given(st.text(alphabet="a./\\", max_size=10))
def test_the_fast_path_check_agrees_on_any_path(path):
    _check_path_agrees(path)


def _check_path_agrees(path: str) -> None:
    pure = PurePosixPath(path)
    refused = pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path
    if refused:
        with pytest.raises(ContentError):
            output.check_path(path, "t")
    else:
        assert output.check_path(path, "t") == pure.as_posix()


def test_all_intact_notices_any_file_changed_removed_or_the_site_gone(tmp_path):
    out = tmp_path / "site"
    records, _, _ = _site(out, OLD)
    assert output.all_intact(out, records)
    (out / "index.html").write_bytes(b"changed by hand, same length?")
    assert not output.all_intact(out, records)
    records, _, _ = _site(out, OLD, records)
    assert output.all_intact(out, records)
    (out / "papers/0/index.html").unlink()
    assert not output.all_intact(out, records)
    assert not output.all_intact(tmp_path / "nowhere", records)
