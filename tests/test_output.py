"""Writing the site: unique paths, nothing outside the site, swapped in whole."""

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.errors import ContentError
from builder.output import OutputFile, check_output_paths, write_site
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
