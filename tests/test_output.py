"""Writing the site: unique paths, nothing outside the site, swapped in whole."""

import pytest

from builder.errors import ContentError
from builder.output import OutputFile, check_output_paths, write_site


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
