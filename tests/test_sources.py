"""Import sources beyond the text dump: Hugging Face daily-papers JSON and arXiv Atom.

Fixtures in tests/fixtures/sources/ are hand-made in the shapes the services return:
`hf-2025-09-08.json` as `GET /api/daily_papers?date=2025-09-08` answers (a list of entries,
each with a `paper` object), `arxiv-query.atom` as `GET /api/query?id_list=…` answers (an Atom
feed whose entries carry arxiv: elements). Nothing here touches the network.
"""

import datetime as dt
import json
import re
import shutil
from html import unescape
from pathlib import Path

import bibtexparser
import bibtexparser.middlewares
import feedparser
import pytest
from pylatexenc.latex2text import LatexNodes2Text

from builder.arxiv import abs_url, arxiv_id, identity, pdf_url, year_of
from builder.arxiv_atom import parse_arxiv_atom
from builder.bibtex import paper_bibtex
from builder.build import build_site
from builder.cli import main
from builder.config import load_config
from builder.errors import ContentError
from builder.grouping import Paper, most_upvoted_first
from builder.hf_json import parse_hf_daily
from builder.importer import run_import
from builder.normalise import clean_text
from builder.records import Link, Record, load_day_file, load_day_listings
from builder.sources import detect_format, read_source
from tests.support.html import read_site
from tests.support.links import broken_links
from tests.support.vnu import ToolMissingError, check_site_html

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
HF = FIXTURES / "hf-2025-09-08.json"
ATOM = FIXTURES / "arxiv-query.atom"
TEXT = FIXTURES / "sep8-text.txt"
ROUTING = "sparse-mixture-of-experts-routing-for-long-context-retrieval"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "site.yaml").write_text("import:\n  year: 2025\n")
    return folder


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = main(["import", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def records_by_id(content: Path) -> dict[str, list]:
    found: dict[str, list] = {}
    for listing in load_day_listings(content / "papers"):
        for record in listing.records:
            found.setdefault(record.id, []).append((listing.date, record))
    return found


# --- arXiv ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2509.01234", "2509.01234"),
        ("2509.01234v2", "2509.01234"),
        ("arXiv:2509.01234v12", "2509.01234"),
        ("http://arxiv.org/abs/2509.01234v2", "2509.01234"),
        ("https://arxiv.org/pdf/2509.01234v1.pdf", "2509.01234"),
        ("https://export.arxiv.org/abs/0704.0001", "0704.0001"),
        ("http://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("cond-mat/0102536v3", "cond-mat/0102536"),
        ("  2509.01234  ", "2509.01234"),
        ("2509.1234x", None),
        ("https://example.org/abs/2509.01234", None),
        ("hep-th/99", None),
        ("", None),
    ],
)
def test_arxiv_ids_in_any_spelling(text, expected):
    assert arxiv_id(text) == expected


def test_arxiv_urls_identity_and_year():
    assert abs_url("2509.01234") == "https://arxiv.org/abs/2509.01234"
    assert pdf_url("hep-th/9901001") == "https://arxiv.org/pdf/hep-th/9901001"
    assert identity("arXiv:2509.01234v3") == identity("2509.01234") == "2509.01234"
    assert identity("  some  hand note ") == "some hand note"
    assert (year_of("2509.01234"), year_of("hep-th/9901001"), year_of("0704.0001")) == (
        2025,
        1999,
        2007,
    )


# --- normalised text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("A title\n  broken  over\tlines ", "A title broken over lines"),
        (r"up to 23\% better \& faster, a\_b \#1", "up to 23% better & faster, a_b #1"),
        (
            r"we introduce {\em Monocular Teaching} and {\it single-loop}",
            "we introduce Monocular Teaching and single-loop",
        ),
        (r"\emph{\textbf{nested}} and \textit{italic}", "nested and italic"),
        (r"``sharpen'' the model", "\u201csharpen\u201d the model"),
        (r"Fr\'echet, Schr\"odinger, {\'e}t{\'{e}}, \^{o}", "Fréchet, Schrödinger, été, ô"),
        (r"available at~https://github.com/a/b", "available at https://github.com/a/b"),
        (r"see Fig.~3 and e.g.\ this", "see Fig. 3 and e.g. this"),
        ("https://example.org/~user/a_b\\_c", "https://example.org/~user/a_b\\_c"),
        (
            r"\href{https://x.io/a_b}{our site} and \url{https://y.org/~u}",
            "our site (https://x.io/a_b) and https://y.org/~u",
        ),
        (r"\href{https://x.io}{https://x.io}", "https://x.io"),
        (
            r"math stays: $O(n^2)$, $\alpha$-divergence, \method{} too",
            r"math stays: $O(n^2)$, $\alpha$-divergence, \method{} too",
        ),
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("Cafe\u0301", "Café"),
    ],
)
def test_titles_and_abstracts_are_normalised(raw, clean):
    assert clean_text(raw) == clean


def test_normalising_twice_changes_nothing():
    raw = r"{\em A} 5\% ``b'' at~https://x.org/~u \href{https://y.org}{y} Fr\'echet"
    assert clean_text(clean_text(raw)) == clean_text(raw)


# --- records -----------------------------------------------------------------------------


def test_categories_are_a_known_field_of_a_record(tmp_path):
    path = tmp_path / "2025-09-08.yaml"
    path.write_text(
        "date: 2025-09-08\npapers:\n  - id: a\n    title: A\n    arxiv: '2509.01234'\n"
        "    categories: [cs.LG, stat.ML]\n    abstract: A.\n"
    )
    (record,) = load_day_file(path).records
    assert record.categories == ("cs.LG", "stat.ML")
    assert record.extra == ()
    path.write_text(
        "date: 2025-09-08\npapers:\n  - id: a\n    title: A\n    categories: [1]\n"
        "    abstract: A.\n"
    )
    with pytest.raises(ContentError) as error:
        load_day_file(path)
    assert "2025-09-08.yaml:5: error: `categories` must be a list of names" in str(error.value)


def test_two_ids_for_one_arxiv_id_are_an_error(tmp_path):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "2025-09-08.yaml").write_text(
        "date: 2025-09-08\npapers:\n  - id: a\n    title: A\n    arxiv: '2509.01234'\n"
        "    abstract: A.\n"
    )
    (papers / "2025-09-09.yaml").write_text(
        "date: 2025-09-09\npapers:\n  - id: b\n    title: B\n"
        "    arxiv: https://arxiv.org/abs/2509.01234v2\n    abstract: B.\n"
    )
    with pytest.raises(ContentError) as error:
        load_day_listings(papers)
    assert (
        "2025-09-09.yaml:3: error: arXiv https://arxiv.org/abs/2509.01234v2 is already paper 'a': "
        "one paper, one id (see 2025-09-08.yaml line 3;"
    ) in str(error.value)


# --- the sources, parsed -----------------------------------------------------------------


def test_hf_daily_papers_json():
    dump = parse_hf_daily(HF.read_text(), HF)
    (day,) = dump.days
    assert (day.year, day.month, day.day, day.label) == (2025, 9, 8, "2025-09-08")
    routing, agents, bench = day.papers
    assert routing.arxiv == "2509.01234"
    assert routing.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger W. Dijkstra")
    assert routing.upvotes == 42
    assert routing.url == "https://huggingface.co/papers/2509.01234"
    assert routing.links == (Link("https://github.com/example/sparse-moe-routing", "code"),)
    assert routing.abstract.startswith("We study routing in sparse mixture-of-experts models when")
    assert "by 12% over dense baselines and is provably stable." in routing.abstract
    assert agents.title == "Tiny Agents That Plan: Small Models, Long Horizons"
    assert agents.links == (Link("https://tiny-agents.example.org", "project"),)
    assert len(agents.authors) == 8 and agents.authors[-1] == "Research & Development Team"
    assert (bench.upvotes, bench.links, bench.categories) == (0, (), ())


def test_arxiv_atom_response():
    dump = parse_arxiv_atom(ATOM.read_bytes(), ATOM)
    assert [day.label for day in dump.days] == ["1999-01-04", "2025-09-01", "2025-09-02"]
    (old,), (routing,), (bridges,) = (day.papers for day in dump.days)
    assert (old.arxiv, old.title, old.categories) == (
        "hep-th/9901001",
        "Strings on a Lattice & Their Limits",
        ("hep-th",),
    )
    assert routing.arxiv == "2509.01234"  # v2 dropped
    assert routing.title == "Sparse Mixture-of-Experts Routing for Long-Context Retrieval"
    assert routing.categories == ("cs.LG", "cs.CL")  # primary first, the ACM class I.2.7 left out
    assert routing.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger W. Dijkstra")
    assert routing.url == "https://doi.org/10.1234/example.5678"
    assert routing.upvotes is None
    assert bridges.title == "Schrödinger Bridges at Scale"
    assert bridges.abstract.endswith("objective, see https://bridges.example.github.io.")
    assert bridges.url is None


def test_every_source_normalises_the_same_abstract_the_same_way():
    (text_day,) = read_source(TEXT).days
    hf = parse_hf_daily(HF.read_text(), HF).days[0].papers[0]
    atom = parse_arxiv_atom(ATOM.read_bytes(), ATOM).days[1].papers[0]
    assert text_day.papers[0].abstract == hf.abstract == atom.abstract
    assert text_day.papers[0].title == hf.title == atom.title


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"[]", "hf-json"),
        (b"\xef\xbb\xbf\n  {", "hf-json"),
        (b"<?xml version='1.0'?><feed/>", "arxiv-atom"),
        (b"\n\n<feed>", "arxiv-atom"),
        (b"new\n\nSep 8\n", "text"),
        (b"", "text"),
    ],
)
def test_the_format_is_recognised_by_content(data, expected):
    assert detect_format(data) == expected


def test_the_listing_day_is_the_sources_own_date_never_the_clock(content):
    entry = json.loads(HF.read_text())[0]
    entry["paper"]["submittedOnDailyAt"] = "2025-09-08T23:30:00-02:00"  # 01:30 UTC on Sep 9
    entry["publishedAt"] = "2020-01-01T00:00:00.000Z"  # the arXiv time: not the listing day
    path = content.parent / "late.json"
    path.write_text(json.dumps([entry]))
    lines = run_import([path, ATOM], content, None, today=dt.date(1990, 1, 1))
    assert any("late.json: 2025-09-09 → 2025-09-09: 1 new" in line for line in lines)
    written = sorted(p.name for p in (content / "papers").iterdir())
    assert written == ["1999-01-04.yaml", "2025-09-01.yaml", "2025-09-02.yaml", "2025-09-09.yaml"]


def test_format_option_forces_a_parser(content, capsys):
    code, _, err = run(capsys, HF, "--format", "text", "--content", content)
    assert code == 1 and "hf-2025-09-08.json:1: error: no date line found" in err
    code, _, err = run(capsys, TEXT, "--format", "hf-json", "--content", content)
    assert code == 1 and "sep8-text.txt:1:1: error: not valid JSON: Expecting value" in err
    code, _, err = run(capsys, TEXT, "--format", "arxiv-atom", "--content", content)
    assert code == 1 and "sep8-text.txt:2: error: not well-formed XML" in err
    assert run(capsys, HF, "--format", "hf-json", "--content", content)[0] == 0


# --- same paper, richer record -----------------------------------------------------------


def test_a_text_dump_record_and_its_json_twin_are_one_record(content, capsys):
    assert run(capsys, TEXT, "--content", content)[0] == 0
    path = content / "papers" / "2025-09-08.yaml"
    text = path.read_text()
    assert "arxiv:" not in text and "authors:" not in text
    # A maintainer fixes the title (with a comment), adds a key, a comment and a pin.
    text = text.replace(
        "    title: Sparse Mixture-of-Experts Routing for Long-Context Retrieval\n",
        "    title: Sparse Mixture-of-Experts Routing for Long-Context Retrieval  # checked\n"
        "    reviewed: true\n    topics: [retrieval]\n",
    ).replace("  - id: a-paper-only", "  # Only on the page.\n  - id: a-paper-only")
    path.write_text("# Sep 8, checked by hand.\n" + text)

    code, out, err = run(capsys, HF, "--content", content)
    assert (code, err) == (0, "")
    assert (
        "hf-2025-09-08.json: 2025-09-08 → 2025-09-08: 2 new, 1 already there, "
        "1 known paper(s) given more fields → "
    ) in out
    merged = path.read_text()
    for kept in ["# Sep 8, checked by hand.", "# checked", "  # Only on the page.\n"]:
        assert kept in merged
    records = load_day_file(path).records
    assert [r.id for r in records] == [
        ROUTING,
        "a-paper-only-the-page-copy-knows",
        "tiny-agents-that-plan-small-models-long-horizons",
        "a-benchmark-of-everything-briefly",
    ]
    routing = records[0]
    assert routing.arxiv == "2509.01234"
    assert routing.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger W. Dijkstra")
    assert (routing.upvotes, routing.url) == (42, "https://huggingface.co/papers/2509.01234")
    assert routing.topics == ("retrieval",) and routing.extra == (("reviewed", True),)
    # The new keys sit where the writer would put them: after the title, before the pin.
    block = merged.split("  - id: ")[1]
    assert block.index("reviewed: true") < block.index("authors:") < block.index("arxiv:")
    assert block.index("upvotes: 42") < block.index("topics: [retrieval]")
    plain = records[1]
    assert (plain.arxiv, plain.authors, plain.upvotes, plain.url) == (None, (), None, None)


def test_links_a_source_names_are_added_to_a_known_record(content, capsys):
    dump = content.parent / "two.txt"
    dump.write_text(
        "Sep 8\n\nA Paper With No Links\n\nIt has no links at all in its abstract.\n\n"
        "A Paper With One Link\n\nIts code is at https://gitlab.com/a/b for now.\n"
    )
    assert run(capsys, dump, "--content", content)[0] == 0
    path = content / "papers" / "2025-09-08.yaml"
    path.write_text(
        path.read_text().replace("  - id: a-paper-with-one", "  # two\n  - id: a-paper-with-one")
    )
    entries = json.loads(HF.read_text())[:2]
    entries[0]["paper"]["title"] = "A Paper With No Links"
    entries[1]["paper"]["title"] = "A Paper With One Link"
    entries[1]["paper"]["githubRepo"] = "https://github.com/a/b"
    source = content.parent / "hf.json"
    source.write_text(json.dumps(entries))
    assert run(capsys, source, "--content", content)[0] == 0
    assert "  # two\n" in path.read_text()
    first, second = load_day_file(path).records
    assert first.links == (Link("https://github.com/example/sparse-moe-routing", "code"),)
    assert second.links == (
        Link("https://gitlab.com/a/b", "code"),
        Link("https://github.com/a/b", "code"),
        Link("https://tiny-agents.example.org", "project"),
    )


def test_a_day_file_in_flow_style_is_rewritten_with_the_richer_record(content, capsys):
    papers = content / "papers"
    papers.mkdir()
    (papers / "2025-09-08.yaml").write_text(
        "papers: [{id: mine, title: 'Sparse Mixture-of-Experts Routing for Long-Context "
        "Retrieval', abstract: Mine., zeta: 1}]\ndate: 2025-09-08\n"
    )
    assert run(capsys, HF, "--content", content)[0] == 0
    first, *rest = load_day_file(papers / "2025-09-08.yaml").records
    assert (first.id, first.abstract, first.extra) == ("mine", "Mine.", (("zeta", 1),))
    assert (first.arxiv, first.upvotes, len(first.authors)) == ("2509.01234", 42, 4)
    assert len(rest) == 2


def test_importing_every_format_again_in_any_order_changes_nothing(content, capsys):
    for source in (TEXT, HF, ATOM):
        assert run(capsys, source, "--content", content)[0] == 0
    before = snapshot(content / "papers")
    for order in ((ATOM, HF, TEXT), (HF, TEXT, ATOM), (TEXT, ATOM, HF)):
        code, out, _ = run(capsys, *order, "--content", content)
        assert code == 0
        assert "(written)" not in out and "0 day file(s) written" in out
        assert snapshot(content / "papers") == before
    papers = records_by_id(content)
    # Listed on Sep 1 (its arXiv date) and Sep 8 (its Daily Papers day): one paper, one id,
    # and both copies agree on everything the sources told.
    (sep1, first), (sep8, second) = papers[ROUTING]
    assert (sep1, sep8) == (dt.date(2025, 9, 1), dt.date(2025, 9, 8))
    for record in (first, second):
        assert record.arxiv == "2509.01234" and record.upvotes == 42
        assert record.categories == ("cs.LG", "cs.CL")
        assert record.url == "https://huggingface.co/papers/2509.01234"  # the first one stays
    assert len(papers) == 6


def test_the_same_arxiv_id_under_a_new_title_is_the_same_paper(content, capsys):
    assert run(capsys, HF, "--content", content)[0] == 0
    entries = json.loads(HF.read_text())[:1]
    entries[0]["paper"]["title"] = "Routing Sparse Experts Over Long Contexts (v2 title)"
    entries[0]["paper"]["submittedOnDailyAt"] = "2025-09-09T01:00:00Z"
    revised = content.parent / "revised.json"
    revised.write_text(json.dumps(entries))
    assert run(capsys, revised, "--content", content)[0] == 0
    (sep9,) = load_day_file(content / "papers" / "2025-09-09.yaml").records
    assert sep9.id == ROUTING
    assert sep9.title == "Sparse Mixture-of-Experts Routing for Long-Context Retrieval"


def test_the_same_title_under_another_arxiv_id_is_another_paper(content, capsys):
    assert run(capsys, HF, "--content", content)[0] == 0
    entries = json.loads(HF.read_text())[:1]
    entries[0]["paper"]["id"] = "2510.09999"
    entries[0]["paper"]["summary"] = "A different paper that happens to share the title."
    entries[0]["paper"]["submittedOnDailyAt"] = "2025-10-02T01:00:00Z"
    other = content.parent / "other.json"
    other.write_text(json.dumps(entries))
    assert run(capsys, other, "--content", content)[0] == 0
    (record,) = load_day_file(content / "papers" / "2025-10-02.yaml").records
    assert record.id.startswith(ROUTING + "-") and record.arxiv == "2510.09999"
    load_day_listings(content / "papers")  # one arXiv id, one id: the loader agrees


# --- bad input ---------------------------------------------------------------------------

GOOD_ENTRY = json.loads(HF.read_text())[2]


def entry_with(**paper: object) -> dict:
    entry = json.loads(json.dumps(GOOD_ENTRY))
    for key, value in paper.items():
        if value is None:
            entry["paper"].pop(key)
            entry.pop(key, None)  # and the entry-level copy a missing field falls back to
        else:
            entry["paper"][key] = value
    return entry


ATOM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'


def atom_entry(id_: str = "http://arxiv.org/abs/2509.05555v1", **parts: str) -> str:
    fields = {"title": "A Title", "summary": "An abstract.", "published": "2025-09-05T10:00:00Z"}
    fields.update(parts)
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v)
    return f"<entry><id>{id_}</id>{inner}</entry>\n"


def test_every_bad_json_or_atom_file_is_reported_and_nothing_is_written(content, capsys):
    bad = content.parent / "bad"
    bad.mkdir()
    files = {
        "broken.json": '[{"paper": {"id": "2509.01234",\n  "title": }]',
        "object.json": '{"papers": []}',
        "empty.json": "[]",
        "entries.json": json.dumps(
            [
                "just a string",
                {"title": "no paper object"},
                entry_with(id=None),
                entry_with(id="not-an-id"),
                entry_with(title="  ", summary=None),
                entry_with(submittedOnDailyAt=None),
                entry_with(submittedOnDailyAt="yesterday"),
                entry_with(upvotes=-1, authors=[{"_id": "x"}]),
                entry_with(githubRepo="github.com/a/b"),
                GOOD_ENTRY,
            ]
        ),
        "broken.atom": ATOM_HEAD + "<entry><id>x</id>\n<title>unclosed</entry></feed>",
        "rss.atom": '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>i</title></item></channel></rss>",
        "noentries.atom": ATOM_HEAD + "<title>ArXiv Query</title></feed>",
        "apierror.atom": ATOM_HEAD
        + atom_entry(
            "http://arxiv.org/api/errors#incorrect_id_format_for_1234",
            title="Error",
            summary="incorrect id format for 1234",
        )
        + "</feed>",
        "entries.atom": ATOM_HEAD
        + atom_entry("http://example.org/not-arxiv")
        + atom_entry(title="", summary="")
        + atom_entry("http://arxiv.org/abs/hep-th/9901001v1", published="")
        + atom_entry("http://arxiv.org/abs/2509.06666v3", published="someday")
        + atom_entry()
        + "</feed>",
    }
    for name, text in files.items():
        (bad / name).write_text(text)
    code, out, err = run(capsys, HF, *sorted(bad.iterdir()), "--content", content)
    assert (code, out) == (1, "")
    for expected in [
        "bad/broken.json:2:12: error: not valid JSON: Expecting value (save the response of",
        "bad/object.json:1: error: unknown JSON shape: a object, not the list of entries",
        "bad/empty.json:1: error: no entries in the file",
        "bad/entries.json: error: entry #1 is a string, not an entry object",
        "bad/entries.json: error: entry #2 has no `paper` object: unknown shape",
        "bad/entries.json: error: entry #3 has no `paper.id` (its arXiv id)",
        "bad/entries.json: error: entry #4: `paper.id` 'not-an-id' is not an arXiv id",
        "bad/entries.json: error: entry #5 (2509.04444) has no `paper.title`",
        "bad/entries.json: error: entry #5 (2509.04444) has no `paper.summary`",
        "bad/entries.json: error: entry #6 (2509.04444) has no `paper.submittedOnDailyAt`, the day",
        "bad/entries.json: error: entry #7 (2509.04444): `paper.submittedOnDailyAt` 'yesterday' is",
        "bad/entries.json: error: entry #8 (2509.04444): every author in `paper.authors` needs a",
        "bad/entries.json: error: entry #8 (2509.04444): `paper.upvotes` -1 is not a count",
        "bad/entries.json: error: entry #9 (2509.04444): `paper.githubRepo` 'github.com/a/b' is",
        "bad/broken.atom:4: error: not well-formed XML: mismatched tag",
        "bad/rss.atom:1: error: unknown shape: rss20, not an arXiv Atom feed",
        "bad/noentries.atom: error: no entries in the feed",
        "bad/apierror.atom: error: the arXiv API answered with an error: incorrect id format",
        "bad/entries.atom: error: entry #1: `<id>` 'http://example.org/not-arxiv' is not an arXiv",
        "bad/entries.atom: error: entry #2 (2509.05555) has no `<title>`",
        "bad/entries.atom: error: entry #2 (2509.05555) has no `<summary>`",
        "bad/entries.atom: error: entry #3 (hep-th/9901001) has no `<published>` date",
        "bad/entries.atom: error: entry #4 (2509.06666): `<published>` 'someday' is not a date",
        "litdigest: 23 error(s); nothing was written",
    ]:
        assert expected in err, expected
    assert "entry #10" not in err and "entry #5 (2509.05555)" not in err
    assert not (content / "papers").exists()


# --- what the site gains -----------------------------------------------------------------

SITE_FIXTURE = Path(__file__).parent / "fixtures" / "site"
RICH_BASE_URL = "https://example.org/fixture/"  # the fixture site's base_url


@pytest.fixture(scope="module")
def rich_site(tmp_path_factory) -> Path:
    """The fixture site with the JSON, Atom and text fixtures imported, most upvoted first."""
    root = tmp_path_factory.mktemp("rich")
    shutil.copytree(SITE_FIXTURE, root / "content")
    with (root / "content" / "site.yaml").open("a") as config:
        config.write("day_order: upvotes\n")
    run_import([HF, ATOM, TEXT], root / "content", 2025)
    build_site(root / "content", out_dir=root / "site")
    return root / "site"


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text()


def main_of(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def bibtex_of(html: str) -> str:
    return unescape(re.search(r'<textarea class="bibtex[^>]*>(.*?)</textarea>', html, re.S)[1])


def test_a_paper_page_shows_authors_arxiv_links_categories_upvotes(rich_site):
    html = main_of(page(rich_site, f"papers/{ROUTING}"))
    assert (
        '<p class="authors">Ada Lovelace, Alan Turing, Grace Hopper, Edsger W. Dijkstra</p>'
    ) in html
    assert 'href="https://arxiv.org/abs/2509.01234">arXiv' in html
    assert 'href="https://arxiv.org/pdf/2509.01234" type="application/pdf">PDF' in html
    assert 'href="https://huggingface.co/papers/2509.01234">Paper' in html
    assert "<dt>Upvotes</dt>\n      <dd>42</dd>" in html
    assert '<a class="topic-tag" href="../../categories/cs-lg/">cs.LG</a>' in html
    assert '<a class="topic-tag" href="../../categories/cs-cl/">cs.CL</a>' in html
    agents = main_of(page(rich_site, "papers/tiny-agents-that-plan-small-models-long-horizons"))
    assert "Claude Shannon, Research &amp; Development Team</p>" in agents  # all of them


def test_bibtex_has_real_authors_and_eprint_and_parses_back(rich_site):
    html = page(rich_site, f"papers/{ROUTING}")
    library = bibtexparser.parse_string(bibtex_of(html))
    assert library.failed_blocks == []
    (entry,) = library.entries
    assert (entry.entry_type, entry.key) == ("misc", ROUTING)
    assert entry["title"] == "{Sparse Mixture-of-Experts Routing for Long-Context Retrieval}"
    assert entry["author"] == "Ada Lovelace and Alan Turing and Grace Hopper and Edsger W. Dijkstra"
    assert (entry["eprint"], entry["archivePrefix"], entry["primaryClass"]) == (
        "2509.01234",
        "arXiv",
        "cs.LG",
    )
    assert (entry["year"], entry["url"]) == ("2025", "https://arxiv.org/abs/2509.01234")
    old = bibtexparser.parse_string(
        bibtex_of(page(rich_site, "papers/strings-on-a-lattice-their-limits"))
    )
    assert (old.entries[0]["eprint"], old.entries[0]["year"]) == ("hep-th/9901001", "1999")
    assert old.entries[0]["primaryClass"] == "hep-th"


def test_bibtex_escapes_whatever_a_title_or_name_holds():
    title = r"50% of {x} & y_z #1 $5 ~ back\slash, Schrödinger"
    names = ("Ada Lovelace", "Research and Development Team", "Smith, Jr., John", "R&D Lab")
    record = Record("k", title, "A.", authors=names, arxiv="arXiv:2509.01234v3")
    entry = paper_bibtex("k", record, dt.date(2025, 9, 8))
    assert entry is not None
    text = "@misc{k,\n" + ",\n".join(f"  {n} = {{{v}}}" for n, v in entry.fields) + "\n}"
    library = bibtexparser.parse_string(
        text, append_middleware=[bibtexparser.middlewares.SeparateCoAuthors()]
    )
    assert library.failed_blocks == []
    (parsed,) = library.entries
    to_text = LatexNodes2Text().latex_to_text
    assert to_text(parsed["title"]) == title
    assert [to_text(name) for name in parsed["author"]] == list(names)
    assert parsed["eprint"] == "2509.01234" and "primaryClass" not in parsed
    assert paper_bibtex("k", Record("k", "T", "A."), dt.date(2025, 9, 8)) is None


def test_day_pages_shorten_authors_and_can_put_the_most_upvoted_first(rich_site):
    html = main_of(page(rich_site, "days/2025-09-08"))
    assert "4 papers in 2 topics, most upvoted first." in html
    assert (
        '<p class="authors">Kurt Gödel, Emmy Noether, John von Neumann '
        '<abbr title="and others">et al.</abbr><span class="visually-hidden"> (8 authors)</span>'
    ) in html
    order = re.findall(r'class="paper-card__title"><a href="../../papers/([^/]+)/', html)
    other = order[order.index("tiny-agents-that-plan-small-models-long-horizons") :]
    assert other == [
        "tiny-agents-that-plan-small-models-long-horizons",  # 7 upvotes
        "a-benchmark-of-everything-briefly",  # 0
        "a-paper-only-the-page-copy-knows",  # no count: last
    ]


def test_most_upvoted_first_is_stable_and_puts_unknown_counts_last():
    def paper(pid: str, upvotes: int | None) -> Paper:
        return Paper(pid, Record(pid, pid, "A.", upvotes=upvotes), (dt.date(2025, 9, 8),), ("x",))

    papers = {p.id: p for p in [paper("a", None), paper("b", 3), paper("c", 0), paper("d", 3)]}
    assert most_upvoted_first(["a", "b", "c", "d"], papers) == ("b", "d", "c", "a")


def test_arxiv_categories_are_a_second_taxonomy_with_pages_and_feeds(rich_site):
    index = main_of(page(rich_site, "categories"))
    names = re.findall(r'<a href="[^"]+/">([^<]+)</a> <span class="count">', index)
    assert names == ["cs.CL", "cs.CV", "cs.LG", "hep-th", "stat.ML"]
    category = main_of(page(rich_site, "categories/cs-lg"))
    assert "<h1>cs.LG</h1>" in category and f"papers/{ROUTING}/" in category
    feed = feedparser.parse((rich_site / "categories" / "cs-lg" / "atom.xml").read_bytes())
    assert feed.feed.title == "Fixture Digest: arXiv cs.LG"
    assert [e.link for e in feed.entries] == [f"https://example.org/fixture/papers/{ROUTING}/"]
    assert (rich_site / "categories" / "hep-th" / "feed.xml").is_file()
    assert "categories/cs-lg/atom.xml" in page(rich_site, "feeds")
    assert (
        "https://example.org/fixture/categories/stat-ml/" in (rich_site / "sitemap.xml").read_text()
    )
    paper_head = page(rich_site, f"papers/{ROUTING}").split("</head>")[0]
    assert 'href="../../categories/cs-lg/atom.xml"' in paper_head


def test_a_site_without_these_fields_renders_as_before(tmp_path):
    build_site(SITE_FIXTURE, out_dir=tmp_path / "site")
    assert not (tmp_path / "site" / "categories").exists()
    for path in (tmp_path / "site").rglob("*.html"):
        text = path.read_text()
        assert "categories/" not in text and "et al." not in text
        # Every paper has a BibTeX entry, but only an arXiv id gives it an eprint.
        assert "eprint" not in text and "archivePrefix" not in text
    # The fixture site's every page is also compared byte for byte in test_golden.py.


def test_day_order_is_validated(tmp_path):
    (tmp_path / "site.yaml").write_text("day_order: newest\n")
    with pytest.raises(ContentError) as error:
        load_config(tmp_path)
    assert "site.yaml:1: error: `day_order` must be listing or upvotes, not 'newest'" in str(
        error.value
    )
    (tmp_path / "site.yaml").write_text("day_order: upvotes\n")
    assert load_config(tmp_path).day_order == "upvotes"
    assert load_config(tmp_path / "nothing-here").day_order == "listing"


@pytest.mark.slow
def test_the_rich_site_is_valid_html_and_every_link_resolves(rich_site):
    try:
        messages = check_site_html(rich_site)
    except ToolMissingError as error:
        pytest.fail(str(error))
    assert not messages, "\n".join(str(message) for message in messages[:20])
    assert not (problems := broken_links(rich_site, read_site(rich_site), RICH_BASE_URL)), problems
