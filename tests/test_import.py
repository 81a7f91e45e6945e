"""`litdigest import` end to end: real files in tmp_path, driven through the real CLI.

Golden files: tests/fixtures/dumps/golden/*.yaml are what the seed dumps in content/raw/
import to. After an intended change to the writer or the id rule, regenerate them with

    LITDIGEST_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_import.py

and review the diff like any other change.
"""

import dataclasses
import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.cli import main
from builder.errors import ContentError
from builder.importer import render_day, run_import
from builder.records import KNOWN_KEYS, Link, Record, load_day_file, load_day_listings

ROOT = Path(__file__).parent.parent
SEEDS = sorted((ROOT / "content" / "raw").glob("*.txt"))
FIXTURES = Path(__file__).parent / "fixtures" / "dumps"
GOLDEN = FIXTURES / "golden"
FIRST = FIXTURES / "sep8-first.txt"
SECOND = FIXTURES / "sep8-second-crlf-bom.txt"
ABSTRACT = "We propose a method. It works well on many benchmarks and we explain why it does."


def make_content(root: Path, year: int | None = 2025) -> Path:
    content = root / "content"
    content.mkdir()
    if year is not None:
        (content / "site.yaml").write_text(f"import:\n  year: {year}\n")
    return content


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return make_content(tmp_path)


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main(["import", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


# --- the seeds ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> tuple[Path, str]:
    """The three seed dumps imported once, with what the command printed."""
    content = make_content(tmp_path_factory.mktemp("seeded"))
    out = "\n".join(run_import(SEEDS, content, None))
    return content, out


def test_seeds_import_to_the_golden_files(seeded):
    content, _ = seeded
    written = sorted((content / "papers").iterdir())
    assert [p.name for p in written] == ["2025-03-11.yaml", "2025-03-14.yaml", "2025-09-08.yaml"]
    if os.environ.get("LITDIGEST_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        GOLDEN.mkdir(parents=True)
        for path in written:
            shutil.copyfile(path, GOLDEN / path.name)
    for path in written:
        assert path.read_text() == (GOLDEN / path.name).read_text(), path.name


def test_seed_counts_and_report(seeded):
    content, out = seeded
    days = {listing.date: listing for listing in load_day_listings(content / "papers")}
    assert {day: len(listing.records) for day, listing in days.items()} == {
        dt.date(2025, 9, 8): 92,
        dt.date(2025, 3, 14): 75,
        dt.date(2025, 3, 11): 81,
    }
    assert "year 2025 (from import.year in" in out
    assert ": Sep 8 → 2025-09-08: 92 new, 0 already there → " in out
    assert "papers/2025-09-08.yaml (written)" in out
    first = days[dt.date(2025, 9, 8)].records[0]
    assert first.id == "granite-function-calling-model-introducing-function-calling"
    assert first.title.startswith("Granite-Function Calling Model")


def test_a_paper_listed_on_two_days_has_one_id(seeded):
    content, _ = seeded
    listings = load_day_listings(content / "papers")
    titles: dict[str, set[str]] = {}
    for listing in listings:
        for record in listing.records:
            titles.setdefault(record.id, set()).add(record.title.casefold())
    assert all(len(names) == 1 for names in titles.values())
    shared = [i for i in titles if sum(i in {r.id for r in li.records} for li in listings) > 1]
    assert "dsee-dually-sparsity-embedded-efficient-tuning" in shared


def test_seed_links_have_the_real_urls_and_kinds(seeded):
    content, _ = seeded
    links = {
        link
        for listing in load_day_listings(content / "papers")
        for record in listing.records
        for link in record.links
    }
    for expected in [
        Link("https://github.com/VITA-Group/DSEE", "code"),
        Link("https://github.com/zhenye234/xcodec", "code"),
        Link("https://x-codec-audio.github.io", "project"),
        Link("https://github.com/SKDDJ/LoLDU", "code"),
        Link("https://github.com/terryyz/llm-code-eval", "code"),
        Link("https://github.com/Facico/Dynamic-Logit-Fusion", "code"),
        Link("https://huggingface.co/spaces/shifeng3711/gg_prior", "space"),
        Link("https://huggingface.co/datasets/davidbrandfonbrener/color-filtered-c4", "dataset"),
        Link("https://sites.google.com/view/mend-editing", "project"),
    ]:
        assert expected in links
    assert not any(link.url.endswith((".", ",", ")", "}")) for link in links)


def test_day_files_are_readable_yaml(seeded):
    content, _ = seeded
    text = (content / "papers" / "2025-09-08.yaml").read_text()
    assert text.startswith("date: 2025-09-08\npapers:\n  - id: granite-function-calling")
    assert "    abstract: >-\n      Large language models (LLMs)" in text
    assert not re.search(r"(:|-) [!&*]", text)  # no tags, anchors or aliases
    abstract_lines = [line for line in text.splitlines() if line.startswith("      ")]
    # Folded near 100 columns; only a long last word (a URL) may reach further.
    assert all(len(line) - len(line.split()[-1]) <= 100 for line in abstract_lines)


def test_importing_again_changes_nothing(seeded, capsys):
    content, _ = seeded
    before = snapshot(content / "papers")
    code, out, err = run(capsys, *SEEDS, "--content", content)
    assert (code, err) == (0, "")
    assert ": Sep 8 → 2025-09-08: 0 new, 92 already there → " in out
    assert "(unchanged)" in out and "(written)" not in out
    assert "0 day file(s) written" in out
    assert snapshot(content / "papers") == before


# --- merging into an existing day ------------------------------------------------------------


def test_a_second_dump_merges_and_keeps_hand_edits(content, capsys):
    assert run(capsys, FIRST, "--content", content)[0] == 0
    path = content / "papers" / "2025-09-08.yaml"
    ids = [r.id for r in load_day_file(path).records]
    text = path.read_text()
    # A maintainer pins topics, fixes a title, adds a key and a comment.
    text = text.replace(
        f"  - id: {ids[0]}\n", f"  - id: {ids[0]}\n    topics: [agents]\n    reviewed: true\n"
    )
    text = text.replace(
        "title: On the Theoretical Limitations of Embedding-Based Retrieval",
        "title: On the Theoretical Limits of Embedding-Based Retrieval  # fixed",
    )
    path.write_text("# Checked by hand.\n" + text)
    edited = path.read_text()

    code, out, err = run(capsys, SECOND, "--content", content)
    assert (code, err) == (0, "")
    assert ": Sep 8 → 2025-09-08: 2 new, 3 already there, 2 repeated in the dump → " in out
    merged = path.read_text()
    assert merged.startswith(edited)  # existing papers untouched, comments kept
    records = load_day_file(path).records
    assert [r.id for r in records][:6] == ids
    assert [r.id for r in records][6:] == [
        "slugs-forever-stable-identifiers-for-papers-listed-on-many",
        "merging-listings-without-losing-hand-edits",
    ]
    assert records[0].topics == ("agents",)
    assert records[0].extra == (("reviewed", True),)
    assert records[1].title == "On the Theoretical Limits of Embedding-Based Retrieval"
    assert records[7].links == (
        Link("https://merge-demo.github.io", "project"),
        Link("https://huggingface.co/datasets/example/merges", "dataset"),
    )

    before = snapshot(content / "papers")
    code, out, _ = run(capsys, SECOND, FIRST, "--content", content)
    assert code == 0
    assert "0 new, 5 already there, 2 repeated in the dump" in out
    assert "0 new, 6 already there" in out
    assert snapshot(content / "papers") == before


def test_a_day_file_laid_out_differently_is_rewritten_with_its_data(content, capsys):
    papers = content / "papers"
    papers.mkdir()
    (papers / "2025-09-08.yaml").write_text(
        "papers: [{id: mine, title: My Paper, abstract: Mine., upvotes: 3, zeta: 1, alpha: 2}]\n"
        "date: 2025-09-08\n"
    )
    assert run(capsys, FIRST, "--content", content)[0] == 0
    records = load_day_file(papers / "2025-09-08.yaml").records
    assert len(records) == 7
    assert records[0] == Record(
        "mine", "My Paper", "Mine.", upvotes=3, extra=(("zeta", 1), ("alpha", 2)), line=3
    )


def test_the_same_paper_on_another_day_gets_its_id_and_title(content, capsys):
    assert run(capsys, FIRST, "--content", content)[0] == 0
    path = content / "papers" / "2025-09-08.yaml"
    path.write_text(
        path.read_text().replace("Granite-Function Calling", "Granite Function-Calling")
    )
    title, abstract = FIRST.read_text().split("\n\n")[6:8]
    dump = content.parent / "sep9.txt"
    dump.write_text(f"Sep 9\n\nA New Paper\n\n{ABSTRACT}\n\n{title}\n\n{abstract}\n")
    code, out, _ = run(capsys, dump, "--content", content)
    assert code == 0, out
    sep8 = load_day_file(path).records[0]
    sep9 = load_day_file(content / "papers" / "2025-09-09.yaml").records
    assert [r.id for r in sep9] == ["a-new-paper", sep8.id]
    assert (
        sep9[1].title
        == sep8.title
        == (
            "Granite Function-Calling Model: Introducing Function Calling Abilities via Multi-task "
            "Learning of Granular Tasks"
        )
    )
    load_day_listings(content / "papers")  # the cross-day id check agrees


def test_colliding_titles_get_distinct_ids(content, capsys):
    dump = content.parent / "d.txt"
    dump.write_text(f"Sep 8\n\nAttention!\n\n{ABSTRACT}\n\nAttention?\n\nOther {ABSTRACT}\n")
    assert run(capsys, dump, "--content", content)[0] == 0
    ids = [r.id for r in load_day_file(content / "papers" / "2025-09-08.yaml").records]
    assert ids[0] == "attention"
    assert ids[1].startswith("attention-") and len(ids[1]) == len("attention-") + 8


# --- the year -------------------------------------------------------------------------------


def test_year_option_wins_over_site_yaml(content, capsys):
    code, out, _ = run(capsys, FIRST, "--year", 2023, "--content", content)
    assert code == 0
    assert "year 2023 (from --year)" in out
    assert (content / "papers" / "2023-09-08.yaml").is_file()


def test_without_a_year_the_most_recent_past_date_is_taken(tmp_path):
    content = make_content(tmp_path, year=None)
    out = run_import([FIRST], content, None, today=dt.date(2025, 9, 7))
    assert "most recent past date" in out[0]
    assert (content / "papers" / "2024-09-08.yaml").is_file()


def test_feb_29_outside_a_leap_year(content, capsys):
    dump = content.parent / "leap.txt"
    dump.write_text(f"Feb 29\n\nTitle\n\n{ABSTRACT}\n")
    code, _, err = run(capsys, dump, "--content", content)
    assert code == 1
    assert "leap.txt:1: error: Feb 29 does not exist in 2025 (give the listing's year with" in err
    code, _, _ = run(capsys, dump, "--year", 2024, "--content", content)
    assert code == 0


def test_a_bad_year_is_a_usage_error(content, capsys):
    assert run(capsys, FIRST, "--year", 0, "--content", content)[0] == 2


# --- bad input ------------------------------------------------------------------------------


def test_every_bad_input_is_reported_and_nothing_is_written(tmp_path, content, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("")
    (bad / "nodate.txt").write_text(f"new\n\nTitle\n\n{ABSTRACT}\n")
    (bad / "feb30.txt").write_text(f"new\n\nFeb 30\n\nTitle\n\n{ABSTRACT}\n")
    (bad / "lonely.txt").write_text(f"Sep 8\n\nTitle\n\n{ABSTRACT}\n\nLonely\n")
    (bad / "latin1.txt").write_bytes("Sep 8\n\nCaf\xe9\n".encode("latin-1"))
    (bad / "folder").mkdir()
    names = ["empty", "nodate", "feb30", "lonely", "latin1", "folder", "missing"]
    inputs = [FIRST] + [bad / (n if n == "folder" else f"{n}.txt") for n in names]
    code, out, err = run(capsys, *inputs, "--content", content)
    assert (code, out) == (1, "")
    for expected in [
        "empty.txt: error: the file is empty (paste the whole listing page",
        "nodate.txt:1: error: no date line found (the page copy must carry its date",
        "feb30.txt:3: error: the date line 'Feb 30' names a day that does not exist",
        "lonely.txt:7: error: the title 'Lonely' has no abstract (copy the abstract",
        "latin1.txt:3: error: not valid UTF-8 (byte 0xe9 at offset 10) (save the file as UTF-8)",
        "folder: error: is a directory, expected a listing dump (to import every dump in it",
        "missing.txt: error: no such file (check the path",
        "litdigest: 7 error(s); nothing was written",
    ]:
        assert expected in err
    assert not (content / "papers").exists()


def test_a_malformed_day_file_is_reported_and_left_alone(content, capsys):
    papers = content / "papers"
    papers.mkdir()
    broken = papers / "2025-09-08.yaml"
    broken.write_text("date: 2025-09-08\npapers:\n  - id: x\n    title: [unclosed\n")
    before = snapshot(papers)
    code, out, err = run(capsys, FIRST, SEEDS[1], "--content", content)
    assert (code, out) == (1, "")
    assert "2025-09-08.yaml:5:" in err and "invalid YAML" in err
    assert snapshot(papers) == before


def test_an_invalid_day_file_is_reported_with_its_line(content, capsys):
    papers = content / "papers"
    papers.mkdir()
    (papers / "2025-09-08.yaml").write_text(
        "date: 2025-09-08\npapers:\n  - id: Not A Slug\n    title: T\n    abstract: A.\n"
    )
    code, _, err = run(capsys, FIRST, "--content", content)
    assert code == 1
    assert "2025-09-08.yaml:3: error: id 'Not A Slug' is not a slug" in err


def test_a_failed_write_leaves_no_temporary_file(content, capsys, monkeypatch):
    def refuse(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["import", str(FIRST), "--content", str(content)]) == 1
    assert capsys.readouterr().err == "litdigest: disk full\n"  # one line, no traceback
    assert list((content / "papers").iterdir()) == []


# --- the writer -----------------------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1).filter(str.strip)


@settings(deadline=None)
@given(
    title=_text,
    abstract=_text,
    extra=st.dictionaries(
        st.text(min_size=1).filter(lambda key: key not in KNOWN_KEYS),
        st.none() | st.booleans() | st.integers() | st.text() | st.lists(st.text(), max_size=3),
        max_size=3,
    ),
)
def test_any_record_is_written_so_it_reads_back_the_same(tmp_path_factory, title, abstract, extra):
    record = Record(
        "some-id",
        title.strip(),
        abstract.strip(),
        (Link("https://github.com/a/b", "code"),),
        topics=("x",),
        extra=tuple(extra.items()),
    )
    path = tmp_path_factory.mktemp("w") / "2025-09-08.yaml"
    path.write_text(render_day(dt.date(2025, 9, 8), [record]), encoding="utf-8")
    (loaded,) = load_day_file(path).records
    assert loaded == dataclasses.replace(record, line=3)


_line = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=80)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(_line, _line), min_size=1, max_size=4))
def test_any_dump_is_imported_or_refused_clearly(tmp_path_factory, pairs):
    root = tmp_path_factory.mktemp("any")
    content = make_content(root)
    dump = root / "dump.txt"
    body = "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in pairs)
    dump.write_text(f"Sep 8\n\n{body}\n", encoding="utf-8")
    try:
        run_import([dump], content, None)
    except ContentError as error:
        assert error.problems
        assert not (content / "papers").exists()
    else:
        (listing,) = load_day_listings(content / "papers")
        assert listing.records


def test_a_missing_content_folder_is_reported(tmp_path, capsys):
    code, _, err = run(capsys, FIRST, "--content", tmp_path / "nope")
    assert code == 1
    assert "nope: error: content folder not found (run in the project folder" in err
    assert not (tmp_path / "nope").exists()


def test_merge_is_a_pure_stage():
    from builder.dumps import DumpDay, DumpPaper
    from builder.importer import DatedDay, merge
    from builder.records import DayListing

    day = dt.date(2025, 9, 8)
    old = Record("old-paper", "Old Paper", ABSTRACT, topics=("pinned",))
    listing = DayListing(day, Path("papers/2025-09-08.yaml"), (old,))
    papers = (
        DumpPaper("OLD  paper", ABSTRACT, 3),
        DumpPaper("New Paper", "See https://github.com/a/b.", 5),
        DumpPaper("new paper", "again", 7),
    )
    dated = [DatedDay(Path("d.txt"), DumpDay(9, 8, 1, papers), day)]
    (outcome,), (file,) = merge([listing], dated, Path("papers"))
    assert (outcome.new, outcome.already, outcome.repeats) == (1, 1, 1)
    assert file.changed and file.kept == 1
    assert file.records == (
        old,
        Record(
            "new-paper", "New Paper", papers[1].abstract, (Link("https://github.com/a/b", "code"),)
        ),
    )
