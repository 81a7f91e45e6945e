"""Incremental builds: after every kind of edit the output is byte-identical to a clean full
build of the same content; unchanged work is skipped; a damaged cache costs time, never
correctness."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from builder import build, feeds
from builder.build import build_site, prepare_site
from builder.cache import cache_path
from builder.errors import ContentError
from builder.memo import Memo
from builder.views import SiteData
from tests.test_golden import FIXTURE

Edit = Callable[[Path], None]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "content")
    theme = tmp_path / "mytheme" / "templates"
    theme.mkdir(parents=True)
    (theme / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    config = tmp_path / "content" / "site.yaml"
    config.write_text(config.read_text() + "theme: mytheme\n", encoding="utf-8")
    return tmp_path


def replace_in(relative: str, old: str, new: str) -> Edit:
    def edit(project: Path) -> None:
        path = project / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def write(relative: str, text: str) -> Edit:
    def edit(project: Path) -> None:
        (project / relative).write_text(text, encoding="utf-8")

    return edit


def delete(relative: str) -> Edit:
    return lambda project: (project / relative).unlink()


NEW_NOTE = (
    "---\ntitle: Gardening, seriously\ndate: 2025-03-15\npapers: [a-paper-about-gardening]\n"
    "topics: [diffusion]\n---\nA note on [tomatoes](paper:a-paper-about-gardening).\n"
)
PLAIN_NOTE = (
    "---\ntitle: Plainly\ndate: 2025-03-16\npapers: [score-based-models-revisited]\n---\n"
    "Only a note.\n"
)
NEW_DAY = (
    "date: 2025-03-18\npapers:\n  - id: a-new-retrieval-paper\n    title: A New Retrieval Paper\n"
    "    abstract: Dense retrieval again, with embedding tricks.\n"
)

FEED_DAY = (
    "{% for paper_id in day.paper_ids %}<p>{{ site.papers[paper_id].record.title }} in "
    "{{ site.config.title }}</p>{% endfor %}"
)
LINKING_NOTE = "---\ntitle: Links\ndate: 2025-03-17\n---\nSee [the plain note](/notes/plain/).\n"

SAVED_FEED = "feeds:\n  - slug: embeddings\n    title: Embeddings\n    include: [embedding]\n"

EDITS: list[tuple[str, Edit]] = [
    ("note added", write("content/notes/gardening.md", NEW_NOTE)),
    ("note changed", replace_in("content/notes/gardening.md", "A note on", "Some words on")),
    ("note title changed", replace_in("content/notes/gardening.md", "seriously", "again")),
    ("note deleted", delete("content/notes/gardening.md")),
    # Only the paper's note count changes, which its card shows on day and topic pages.
    ("note without topics added", write("content/notes/plain.md", PLAIN_NOTE)),
    ("day imported", write("content/papers/2025-03-18.yaml", NEW_DAY)),
    ("record edited", replace_in("content/papers/2025-03-11.yaml", "grow well", "grow badly")),
    # A title shows on other papers' pages, in their related lists: their keys must change.
    (
        "title edited",
        replace_in(
            "content/papers/2025-03-14.yaml", "Score-Based Models Revisited", "Score Models, Again"
        ),
    ),
    ("topic rules changed", replace_in("content/topics.yaml", "      - embedding\n", "")),
    ("theme template changed", write("mytheme/templates/robots.txt", "User-agent: *\n")),
    ("theme override removed", delete("mytheme/templates/robots.txt")),
    # Feed items are kept between builds: a template of theirs must still reach every feed.
    ("feed item template added", write("mytheme/templates/feed_day.html", FEED_DAY)),
    ("feed item override removed", delete("mytheme/templates/feed_day.html")),
    ("config changed", replace_in("content/site.yaml", "title: Fixture Digest", "title: Another")),
    ("nothing changed", lambda project: None),
]


def test_every_edit_builds_what_a_clean_build_builds(project: Path):
    content, site, clean = project / "content", project / "site", project / "clean"
    first = build_site(content, out_dir=site, search=False)
    assert first.rendered == first.pages and first.reused == 0
    for name, edit in EDITS:
        edit(project)
        summary = build_site(content, out_dir=site, search=False)
        build_site(content, out_dir=clean, search=False, clean=True)
        assert tree(site) == tree(clean), f"after {name}: incremental differs from clean"
        if name == "nothing changed":
            assert summary.up_to_date and summary.written == 0
        elif name in ("note changed", "record edited", "title edited"):
            assert 0 < summary.rendered < summary.pages, f"{name}: {summary}"
            assert summary.written < len(tree(site)), f"{name}: unchanged files rewritten"


def test_a_note_edit_makes_no_feed_of_papers_and_no_api_file(project: Path, monkeypatch):
    content, site = project / "content", project / "site"
    build_site(content, out_dir=site, search=False)
    made: list[str] = []
    real_feed_files, real_paper_feeds = build.feed_files, feeds._paper_feeds
    monkeypatch.setattr(build, "api_files", lambda site: made.append("api") or [])
    monkeypatch.setattr(
        build,
        "feed_files",
        lambda feed, config: made.append(feed.ref.rss) or real_feed_files(feed, config),
    )
    monkeypatch.setattr(
        feeds, "_paper_feeds", lambda *args: made.append("paper feeds") or real_paper_feeds(*args)
    )
    replace_in("content/notes/why-retrieval-is-hard.md", "A footnote.", "A footnote, edited.")(
        project
    )
    build_site(content, out_dir=site, search=False)
    assert sorted(made) == ["feed.xml", "notes/feed.xml"], "only the feeds with notes"
    assert "edited" in (site / "notes" / "feed.xml").read_text()


def test_unchanged_files_keep_their_inode(project: Path):
    content, site = project / "content", project / "site"
    build_site(content, out_dir=site, search=False)
    before = {p: p.stat().st_ino for p in site.rglob("*") if p.is_file()}
    replace_in("content/notes/why-retrieval-is-hard.md", "A footnote.", "A footnote, edited.")(
        project
    )
    build_site(content, out_dir=site, search=False)
    note = site / "notes" / "why-retrieval-is-hard" / "index.html"
    kept = [p for p, inode in before.items() if p.exists() and p.stat().st_ino == inode]
    assert note not in kept and "edited" in note.read_text()
    assert len(kept) > len(before) * 0.8


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_text("{not json", encoding="utf-8"),
        lambda path: path.write_text(
            path.read_text().replace('"files"', '"filez"'), encoding="utf-8"
        ),
        lambda path: path.write_text(
            "0" * 64 + "\n" + path.read_text().partition("\n")[2], encoding="utf-8"
        ),
        lambda path: path.unlink(),
        lambda path: path.write_bytes(b"\x00\xff" * 100),
    ],
    ids=["not json", "edited", "bad checksum", "deleted", "binary"],
)
def test_a_damaged_or_missing_cache_means_a_full_build(project: Path, damage):
    content, site, clean = project / "content", project / "site", project / "clean"
    build_site(content, out_dir=site, search=False)
    damage(cache_path(project, site))
    replace_in("content/notes/why-retrieval-is-hard.md", "A footnote.", "Another.")(project)
    summary = build_site(content, out_dir=site, search=False)
    assert summary.rendered == summary.pages and summary.reused == 0
    build_site(content, out_dir=clean, search=False, clean=True)
    assert tree(site) == tree(clean)


def test_a_tampered_site_file_is_rendered_again(project: Path):
    content, site, clean = project / "content", project / "site", project / "clean"
    build_site(content, out_dir=site, search=False)
    page = site / "papers" / "fast-diffusion-sampling" / "index.html"
    page.write_text("defaced", encoding="utf-8")
    summary = build_site(content, out_dir=site, search=False)
    assert not summary.up_to_date and summary.rendered >= 1
    build_site(content, out_dir=clean, search=False, clean=True)
    assert tree(site) == tree(clean)


def test_clean_renders_everything(project: Path):
    content, site = project / "content", project / "site"
    build_site(content, out_dir=site, search=False)
    summary = build_site(content, out_dir=site, search=False, clean=True)
    assert summary.rendered == summary.pages and not summary.up_to_date


def _load(project: Path, memo: Memo) -> SiteData:
    return prepare_site(project / "content", None, False, memo)[2]


def test_a_new_day_classifies_and_renders_only_what_is_new(project: Path):
    """Day files are parsed and classified apart, and a note is kept while the papers and
    pages it links still exist: a new day makes one day's entries and nothing else."""
    folder = project / ".cache" / "memo"
    config = project / "content" / "site.yaml"
    config.write_text(config.read_text() + SAVED_FEED, encoding="utf-8")
    _load(project, Memo(folder, "code"))
    write("content/papers/2025-03-18.yaml", NEW_DAY)(project)
    memo = Memo(folder, "code")
    site = _load(project, memo)
    assert memo.made == {"day-file": 1, "classify": 1, "mentions": 1}
    clean = _load(project, Memo(None))
    assert site.papers == clean.papers and site.reasons == clean.reasons
    assert site.notes == clean.notes and site.saved == clean.saved
    assert site.papers["a-new-retrieval-paper"].topics == ("retrieval",)
    assert site.saved["embeddings"][0] == "a-new-retrieval-paper"


def test_a_pin_classifies_again_only_the_days_that_list_its_paper(project: Path):
    folder = project / ".cache" / "memo"
    _load(project, Memo(folder, "code"))
    pin = NEW_NOTE.replace("a-paper-about-gardening", "fast-diffusion-sampling")
    write("content/notes/pin.md", pin.replace("[diffusion]", "[retrieval]"))(project)
    memo = Memo(folder, "code")
    site = _load(project, memo)
    assert memo.made["classify"] == 2  # it is listed on both days
    assert site.papers["fast-diffusion-sampling"].topics == ("retrieval",)
    assert site.reasons == _load(project, Memo(None)).reasons
    write("content/notes/pin.md", NEW_NOTE)(project)  # a paper listed on one day only
    memo = Memo(folder, "code")
    _load(project, memo)
    # 2025-03-11 lists both papers; 2025-03-14 is again as the first build had it
    assert memo.made["classify"] == 1


def test_a_note_linking_a_page_that_is_gone_is_rendered_again(project: Path):
    """A stored note is reused only while what it links still exists: here its link to a
    day page must become a problem when that day's file is deleted."""
    folder = project / ".cache" / "memo"
    write("content/notes/plain.md", PLAIN_NOTE)(project)
    write("content/notes/links.md", LINKING_NOTE)(project)
    _load(project, Memo(folder, "code"))
    delete("content/notes/plain.md")(project)
    with pytest.raises(ContentError) as error:
        _load(project, Memo(folder, "code"))
    assert "points to no page" in str(error.value.problems)


def test_a_note_edit_makes_only_that_notes_entries(project: Path):
    folder = project / ".cache" / "memo"
    _load(project, Memo(folder, "code"))
    replace_in("content/notes/why-retrieval-is-hard.md", "A footnote.", "Another.")(project)
    memo = Memo(folder, "code")
    site = _load(project, memo)
    assert memo.made == {"note-file": 1, "note": 1}
    assert site == _load(project, Memo(None))


def test_a_site_read_from_the_memo_pickles_as_one_made_afresh(project: Path):
    """Page digests pickle papers, notes and reasons, and a pickle writes an object seen
    twice as a reference: so a site read from the memo must share strings exactly as one
    made afresh does, or its pages would be rendered again for nothing."""
    day = project / "content" / "papers" / "2025-03-11.yaml"
    text = day.read_text(encoding="utf-8")
    # A link of the default kind `other` in a paper of the topic `other`, and a pinned one.
    day.write_text(
        text.replace(
            "    abstract: Tomatoes",
            "    links:\n      - url: https://example.org/tomatoes\n    abstract: Tomatoes",
        ).replace(
            "  - id: dense-retrieval-limits\n",
            "  - id: dense-retrieval-limits\n    topics: [retrieval, diffusion]\n",
        ),
        encoding="utf-8",
    )
    pin = NEW_NOTE.replace("a-paper-about-gardening", "fast-diffusion-sampling")
    write("content/notes/pin.md", pin.replace("[diffusion]", "[retrieval]"))(project)
    folder = project / ".cache" / "memo"
    fresh, stored = _load(project, Memo(folder, "code")), _load(project, Memo(folder, "code"))
    assert stored.papers["a-paper-about-gardening"].topics == ("other",)
    assert stored.papers["fast-diffusion-sampling"].topics == ("retrieval",)
    assert stored.papers["dense-retrieval-limits"].record.topics == ("retrieval", "diffusion")
    assert stored.papers["a-paper-about-gardening"].record.links[0].kind == "other"
    for made in (fresh, _load(project, Memo(None))):
        for paper_id in made.papers:
            for part in (made.papers, made.reasons):
                other = stored.papers if part is made.papers else stored.reasons
                assert pickle.dumps(part[paper_id], 5) == pickle.dumps(other[paper_id], 5)
        assert pickle.dumps(made.notes, 5) == pickle.dumps(stored.notes, 5)
