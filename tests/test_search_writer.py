"""The search bundle in the site: its cached files hard-linked into the new site, never read,
copied where links are impossible, kept when the site has them already, committed by swap or
journal like every other file; a whole build's bundle is the cache's, byte for byte."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from builder import output
from builder.build import build_site
from builder.cache import search_cache_path
from builder.output import MARKER, OutputFile, SiteWriter

FIXTURE = Path(__file__).parent / "fixtures" / "site"


def cached(folder: Path, name: str, data: bytes) -> tuple[str, str]:
    """A file of a (pretend) search cache: its path and checksum."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path), hashlib.sha256(data).hexdigest()


def write(out: Path, files: dict[str, tuple[str, str]], previous=None) -> tuple[SiteWriter, str]:
    writer = SiteWriter(out, previous)
    writer.add(OutputFile("index.html", b"<p>home</p>", "page"))
    for path, (source_file, digest) in files.items():
        writer.add_copy(path, source_file, digest, "search index")
    return writer, writer.commit()


def test_cached_files_are_linked_into_the_site_not_read(tmp_path, monkeypatch):
    cache, out = tmp_path / "cache", tmp_path / "site"
    files = {
        "pagefind/a/one.pf_fragment": cached(cache, "a/one.pf_fragment", b"one"),
        "pagefind/a/two.js": cached(cache, "runtime/two.js", b"two"),
        "pagefind/b/two.js": cached(cache, "runtime/two.js", b"two"),
    }
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read {self}"))
    writer, how = write(out, files)
    assert how == "swap"
    for path, (source_file, digest) in files.items():
        assert os.path.samefile(out / path, source_file), path
        assert writer.files[path].sha == digest
        assert writer.files[path].size == 3
    assert os.stat(out / "pagefind/a/two.js").st_nlink == 3  # the cache's and two in the site


def test_a_file_the_site_has_already_is_kept(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "site"
    files = {"pagefind/a/one.pf_fragment": cached(cache, "a/one.pf_fragment", b"one")}
    first, _ = write(out, files)
    # The cache was pruned and made again: another file with the same bytes.
    shutil.rmtree(cache)
    files = {"pagefind/a/one.pf_fragment": cached(cache, "again/one.pf_fragment", b"one")}
    second, how = write(out, files, first.files)
    assert how == "journal" and second.staged == set()
    assert second.files == first.files
    assert (out / "pagefind/a/one.pf_fragment").read_bytes() == b"one"


def test_a_file_changed_in_the_site_or_the_cache_is_linked_again(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "site"
    files = {
        "pagefind/a/one.pf_fragment": cached(cache, "a/one.pf_fragment", b"one"),
        "pagefind/a/two.pf_fragment": cached(cache, "a/two.pf_fragment", b"two"),
        "pagefind/a/three.pf_fragment": cached(cache, "a/three.pf_fragment", b"three"),
    }
    first, _ = write(out, files)
    (out / "pagefind/a/one.pf_fragment").unlink()
    (out / "pagefind/a/one.pf_fragment").write_bytes(b"ONE")  # edited by hand in the site
    files["pagefind/a/two.pf_fragment"] = cached(cache, "b/two.pf_fragment", b"2")  # reindexed
    second, _ = write(out, files, first.files)
    assert second.staged == {"pagefind/a/one.pf_fragment", "pagefind/a/two.pf_fragment"}
    assert (out / "pagefind/a/one.pf_fragment").read_bytes() == b"one"
    assert (out / "pagefind/a/two.pf_fragment").read_bytes() == b"2"
    assert os.path.samefile(out / "pagefind/a/two.pf_fragment", cache / "b/two.pf_fragment")
    assert os.path.samefile(out / "pagefind/a/three.pf_fragment", cache / "a/three.pf_fragment")


def test_where_links_are_impossible_the_files_are_copied(tmp_path, monkeypatch):
    cache, out = tmp_path / "cache", tmp_path / "site"
    files = {"pagefind/a/one.pf_fragment": cached(cache, "a/one.pf_fragment", b"one")}

    def cross_device(source, target):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(output.os, "link", cross_device)
    writer, _ = write(out, files)
    site_file = out / "pagefind/a/one.pf_fragment"
    assert site_file.read_bytes() == b"one"
    assert not os.path.samefile(site_file, cache / "a/one.pf_fragment")
    stat = site_file.stat()
    record = writer.files["pagefind/a/one.pf_fragment"]
    assert (record.size, record.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "index.html", "pagefind"])


def test_a_missing_cached_file_is_an_error_naming_the_sites_file(tmp_path):
    out = tmp_path / "site"
    writer = SiteWriter(out, None)
    with pytest.raises(output.ContentError) as caught:
        writer.add_copy("pagefind/x.js", str(tmp_path / "gone.js"), "0" * 64, "search index")
    (problem,) = caught.value.problems
    assert problem.path.endswith("site/pagefind/x.js")
    writer.discard()
    assert not out.exists()


def test_a_built_sites_bundle_is_linked_from_the_cache_and_kept_by_a_rebuild(tmp_path):
    content = tmp_path / "project" / "content"
    shutil.copytree(FIXTURE, content)
    out = tmp_path / "site"
    build_site(content, out_dir=out)
    cache = search_cache_path(content.parent, out)
    bundle = sorted(p for p in (out / "pagefind").rglob("*") if p.is_file())
    assert len(bundle) > 20
    inodes = {os.stat(p).st_ino for p in cache.rglob("*") if p.is_file()}
    assert all(os.stat(p).st_ino in inodes for p in bundle)  # linked, never copied
    before = {p: os.stat(p) for p in bundle}
    note = content / "notes" / "why-retrieval-is-hard.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nTomatoes.\n", encoding="utf-8")
    build_site(content, out_dir=out)
    changed = {
        p.relative_to(out).as_posix()
        for p in bundle
        if not p.exists() or os.stat(p).st_ino != before[p].st_ino
    }
    assert changed and all(path.startswith("pagefind/notes-") for path in changed)
