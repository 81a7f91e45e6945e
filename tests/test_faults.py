"""Faults mid-build: killed builds, two builds at once, a full disk, an unwritable folder.

Whatever happens, `site/` is either the complete old site or the complete new one, byte for
byte (once a commit through the journal that a kill interrupted has been finished, as the
next build does first), and the next build succeeds. The reference trees are built once; each
fault is then caused in a real `python -m builder build` child process.
"""

from __future__ import annotations

import errno
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder import lock, output
from builder.build import build_site
from builder.cli import main
from builder.errors import ContentError
from builder.output import MARKER
from builder.serve import rebuild
from tests.hostile.project import FIXTURE, ROOT, litdigest, tree

DEFAULT_CONTENT = ROOT / "content"


@pytest.fixture(scope="module")
def two_contents(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A project with two versions of the default content (every page differs between
    them: the site title is on every page), and the folder a build puts its site in."""
    root = tmp_path_factory.mktemp("faults")
    old, new = root / "old", root / "new"
    shutil.copytree(DEFAULT_CONTENT, old)
    shutil.copytree(DEFAULT_CONTENT, new)
    config = new / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("title: ", "title: New ", 1), encoding="utf-8")
    return root, old, new


@pytest.fixture(scope="module")
def references(two_contents) -> dict[str, dict[str, object]]:
    root, old, new = two_contents
    trees = {}
    for name, content in (("old", old), ("new", new)):
        out = root / f"reference-{name}" / "site"
        build_site(content, out_dir=out)
        trees[name] = tree(out)
    assert trees["old"] != trees["new"]
    differ = [path for path in trees["old"] if trees["old"][path] != trees["new"].get(path)]
    assert len(differ) > 100, "too few files differ to catch a mixed site"
    return trees


def which(site: Path, references: dict[str, dict[str, object]]) -> str:
    """ "old" or "new": the reference `site` equals in full; anything else fails."""
    found = tree(site)
    for name, expected in references.items():
        if found == expected:
            return name
    differ = {
        name: sum(found.get(k) != v for k, v in tree.items()) for name, tree in references.items()
    }
    raise AssertionError(f"site/ is neither the old nor the new site; files differing: {differ}")


def leftovers(root: Path) -> list[str]:
    """What a build left beside site/: only what killed builds left may be there."""
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site"))


def spawn(content: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "builder", "build", "--content", str(content), "--out", str(out)],
        cwd=out.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def timed_build(content: Path, site: Path) -> tuple[float, float]:
    """How long a build takes, and how long from its staging folder's appearing to its end."""
    started = time.monotonic()
    process = spawn(content, site)
    staged = None
    while process.poll() is None:
        if staged is None and any(site.parent.glob(".site-new-*")):
            staged = time.monotonic()
        time.sleep(0.002)
    assert process.stderr is not None
    process.stderr.close()
    assert process.returncode == 0
    ended = time.monotonic()
    return ended - started, ended - (staged or started)


@pytest.mark.slow
def test_a_build_killed_at_random_moments_leaves_the_old_or_the_new_site(two_contents, references):
    root, old, new = two_contents
    site = root / "site"
    build_site(old, out_dir=site)
    duration, writing = timed_build(new, site)  # the whole build, and from staging to the end
    state = "new"
    chance = random.Random(7)  # seeded: a failure can be replayed
    swapped, kept, writing_kills, finished = 0, 0, 0, 0
    for run in range(20):
        content = new if state == "old" else old  # always build the other site
        left = set(root.glob(".site-new-*"))  # by killed builds, until this one removes them
        process = spawn(content, site)
        if run % 3:
            # Most kills land while files are written: wait for the staging folder to appear,
            # then kill before the build would have ended.
            deadline = time.monotonic() + 120
            while not set(root.glob(".site-new-*")) - left and process.poll() is None:
                assert time.monotonic() < deadline, "the build never started writing"
                time.sleep(0.002)
            time.sleep(chance.uniform(0, writing * 1.2))
        else:
            time.sleep(chance.uniform(0, duration * 1.3))
        writing_kills += bool(set(root.glob(".site-new-*")) - left)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        assert process.stderr is not None
        process.stderr.close()
        if output.journal_path(site).exists():
            # Killed while committing through the journal: files are whole, and the next
            # build finishes the commit before anything else (as recover does here).
            with lock.site_lock(site):
                assert output.recover(site) == "finished"
            finished += 1
        now = which(site, references)
        swapped, kept = swapped + (now != state), kept + (now == state)
        state = now
        left_now = leftovers(root)  # staging folders, or a journal killed while written
        assert all(n.startswith(".site-new-") or n == ".site-journal.json.tmp" for n in left_now)
    # Kills landed before the swap (the old site stays), after it (the new one is there),
    # and most of them while files were being written.
    assert swapped and kept and writing_kills >= 5, (swapped, kept, writing_kills)
    content = new if state == "old" else old
    result = litdigest("build", "--content", content, "--out", site, cwd=root)
    assert result.returncode == 0, result.stderr
    assert which(site, references) == content.name
    assert leftovers(root) == [], "the next build removes what killed builds left"


@pytest.mark.slow
def test_two_builds_started_at_once_take_turns(two_contents, references, tmp_path):
    _, old, new = two_contents
    site = tmp_path / "site"
    first, second = spawn(old, site), spawn(new, site)
    for process in (first, second):
        assert process.stderr is not None
        with process.stderr:
            assert process.wait(timeout=300) == 0, process.stderr.read()
    assert which(site, references) in ("old", "new")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache") == ["site"]


def fixture_project(tmp_path: Path) -> tuple[Path, Path]:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    site = tmp_path / "site"
    build_site(content, out_dir=site)
    return content, site


def test_a_second_build_waits_then_refuses_naming_the_first(tmp_path, monkeypatch, capsys):
    _, site = fixture_project(tmp_path)
    before = tree(site)
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    monkeypatch.chdir(tmp_path)
    with lock.site_lock(site):  # another build, as far as the kernel knows: another open file
        started = time.monotonic()
        assert main(["build", "--content", "content", "--out", "site"]) == 1
        waited = time.monotonic() - started
    assert capsys.readouterr().err.splitlines() == [
        f"site: error: another build is writing site/ (pid {os.getpid()}); gave up after "
        "waiting 0.3 s (wait for it to finish, or stop it, then build again)",
        "litdigest: 1 error(s); nothing was written",
    ]
    assert waited >= 0.3
    assert tree(site) == before
    assert main(["build", "--content", "content", "--out", "site"]) == 0, "lock released"


def test_a_serve_rebuild_takes_the_lock_too(tmp_path, monkeypatch):
    content, site = fixture_project(tmp_path)
    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.1)
    with lock.site_lock(site):
        outcome = rebuild(content, site, "http://127.0.0.1:8000/", drafts=False)
    assert not outcome.ok
    assert "another build is writing" in outcome.problems[0].message
    assert rebuild(content, site, "http://127.0.0.1:8000/", drafts=False).ok


def test_staging_folders_of_killed_builds_are_removed_by_the_next_build(tmp_path):
    content, site = fixture_project(tmp_path)
    for name in (".site-new-abc123", ".site-old-def456"):
        (tmp_path / name / "papers").mkdir(parents=True)
        (tmp_path / name / "papers" / "half.html").write_text("<p>half")
    (tmp_path / ".sites-new-keep").mkdir()  # another output folder's: not ours to remove
    build_site(content, out_dir=site)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache") == [
        ".sites-new-keep",
        "content",
        "site",
    ]


@pytest.mark.slow
def test_a_full_disk_is_one_clear_error_and_the_old_site_stays(tmp_path):
    content, site = fixture_project(tmp_path)
    before = tree(site)
    # Pagefind's bundle holds the largest files, written after litdigest's own: the limit is
    # set by litdigest's files, so that its writes are the ones that fail.
    largest = max(
        len(data)
        for path, data in before.items()
        if isinstance(data, bytes) and not path.startswith("pagefind/")
    )
    # The file size limit stands for a full disk: every write past it fails with EFBIG.
    result = litdigest(
        "build",
        "--clean",
        "--content",
        content,
        "--out",
        site,
        cwd=tmp_path,
        file_size=largest // 2,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert re.fullmatch(
        r"site/\S+: error: cannot write the site: File too large \(site is unchanged\)", lines[0]
    ), lines[0]
    assert lines[1] == "litdigest: 1 error(s); nothing was written"
    assert tree(site) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache") == ["content", "site"]


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        (OSError(errno.EROFS, "Read-only file system"), "Read-only file system"),
    ],
)
def test_a_failing_write_is_one_clear_error_and_the_old_site_stays(
    tmp_path, monkeypatch, capsys, failure, message
):
    _, site = fixture_project(tmp_path)
    before = tree(site)
    monkeypatch.chdir(tmp_path)
    real_write = Path.write_bytes

    def write_bytes(path: Path, data: bytes) -> int:
        if path.name == "index.html" and path.parent.name == "archive":
            failure.filename = str(path)
            raise failure
        return real_write(path, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    assert main(["build", "--clean", "--content", "content", "--out", "site"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"site/archive/index.html: error: cannot write the site: {message} (site is unchanged)",
        "litdigest: 1 error(s); nothing was written",
    ]
    assert tree(site) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache") == ["content", "site"]


def test_an_output_folder_that_cannot_be_created_is_one_clear_error(tmp_path, monkeypatch):
    content, site = fixture_project(tmp_path)
    monkeypatch.chdir(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(output.tempfile, "mkdtemp", refuse)
    with pytest.raises(ContentError) as error:
        build_site(content, out_dir=site, clean=True)
    assert [p.format() for p in error.value.problems] == [
        ".: error: cannot write the site: Permission denied (site is unchanged)"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="permission bits do not stop root")
def test_an_unwritable_parent_folder_is_one_clear_error(tmp_path):
    content, site = fixture_project(tmp_path)
    before = tree(site)
    tmp_path.chmod(0o555)
    try:
        result = litdigest("build", "--clean", "--content", content, "--out", site, cwd=tmp_path)
    finally:
        tmp_path.chmod(0o755)
    assert result.returncode == 1 and "Permission denied" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(site) == before


def test_an_unusable_cache_folder_costs_time_not_the_site(tmp_path):
    """The cache folder taken by a file: nothing can be read or saved there, and the build
    still writes the right site (damaged manifests: tests/test_incremental.py)."""
    content, site = fixture_project(tmp_path)
    expected = tree(site)
    shutil.rmtree(tmp_path / ".cache", ignore_errors=True)
    (tmp_path / ".cache").write_bytes(b"\x00{not a folder")
    summary = build_site(content, out_dir=site, clean=False)
    assert tree(site) == expected
    assert summary.rendered == summary.pages


def test_the_marker_is_what_lets_a_build_replace_a_folder(tmp_path):
    content, site = fixture_project(tmp_path)
    assert (site / MARKER).is_file()
    (site / MARKER).unlink()
    with pytest.raises(ContentError, match="not empty and was not built by litdigest"):
        build_site(content, out_dir=site)
    assert (site / "index.html").is_file()
