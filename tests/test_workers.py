"""Rendering on every core: the same site as one process makes, problems reported the same."""

from __future__ import annotations

import shutil

import pytest

from builder import workers
from builder.build import build_site
from builder.cli import main
from builder.errors import ContentError
from tests.hostile.project import FIXTURE, ROOT, tree


@pytest.fixture
def parallel(monkeypatch):
    """Fork workers even for a small site, in chunks of a few pages."""
    monkeypatch.setattr(workers, "SERIAL_BELOW", 0)
    monkeypatch.setattr(workers, "CHUNK", 7)


def test_workers_build_the_site_one_process_builds(tmp_path, parallel):
    content = ROOT / "content"
    one = build_site(content, out_dir=tmp_path / "one", search=False, jobs=1)
    three = build_site(content, out_dir=tmp_path / "three", search=False, jobs=3)
    assert tree(tmp_path / "one") == tree(tmp_path / "three")
    assert one.rendered == three.rendered == three.pages


def test_workers_keep_unchanged_pages_and_render_the_changed(tmp_path, parallel):
    shutil.copytree(FIXTURE, tmp_path / "content")
    content, site = tmp_path / "content", tmp_path / "site"
    build_site(content, out_dir=site, search=False, jobs=2)
    note = content / "notes" / "why-retrieval-is-hard.md"
    note.write_text(note.read_text(encoding="utf-8").replace("A footnote.", "Edited."))
    summary = build_site(content, out_dir=site, search=False, jobs=2)
    assert 0 < summary.rendered < summary.pages
    build_site(content, out_dir=tmp_path / "clean", search=False, clean=True, jobs=1)
    assert tree(site) == tree(tmp_path / "clean")


def test_a_template_error_in_a_worker_is_one_problem_and_the_site_stays(tmp_path, parallel):
    shutil.copytree(FIXTURE, tmp_path / "content")
    content, site = tmp_path / "content", tmp_path / "site"
    build_site(content, out_dir=site, search=False, jobs=2)
    before = tree(site)
    theme = tmp_path / "mytheme" / "templates"
    theme.mkdir(parents=True)
    # Compiles, then fails while rendering a paper page: inside a worker.
    (theme / "paper.html").write_text("{{ view.no_such_field }}", encoding="utf-8")
    config = content / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "theme: mytheme\n", encoding="utf-8")
    with pytest.raises(ContentError) as error:
        build_site(content, out_dir=site, search=False, jobs=2)
    assert [p.path for p in error.value.problems] == ["paper.html"]
    assert "no_such_field" in error.value.problems[0].message
    assert tree(site) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".cache") == [
        "content",
        "mytheme",
        "site",
    ]


def test_jobs_must_be_positive(tmp_path, capsys):
    assert main(["build", "--content", str(FIXTURE), "--out", str(tmp_path / "s"), "--jobs", "0"])
    assert "--jobs 0" in capsys.readouterr().err
