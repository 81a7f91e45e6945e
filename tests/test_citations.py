"""Citations: BibTeX parsed back by bibtexparser, CSL-JSON rendered by citeproc-py, both on
every paper page to copy and as files to download."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from html import unescape
from pathlib import Path

import bibtexparser
import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from hypothesis import given
from hypothesis import strategies as st

from builder.bibtex import format_bibtex, record_bibtex
from builder.build import build_site
from builder.citations import csl_item, csl_name, json_bytes, json_text, paper_citation
from builder.records import Link, Record

FIXTURE = Path(__file__).parent / "fixtures" / "site"
STYLE = Path(__file__).parent / "fixtures" / "csl" / "plain.csl"  # citeproc-py has no styles
BASE = "https://example.org/fixture/"
LISTED = dt.date(2025, 3, 11)
ARXIV = Record(
    "moe-routing",
    "Sparse {MoE} Routing & 50% Less Compute",
    "We route tokens.",
    authors=("Ada Lovelace", "John von Neumann", "Research and Development Team"),
    arxiv="https://arxiv.org/abs/2509.01234v2",
    categories=("cs.LG", "cs.CL"),
)
PLAIN = Record(
    "garden",
    "A Paper About Gardening",
    "Tomatoes.",
    links=(Link("https://github.com/x/garden", "code"), Link("https://x.org/garden", "project")),
)


def parse(text: str):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    (entry,) = library.entries
    return entry


def test_an_arxiv_paper_gets_a_misc_entry_with_eprint_and_archive_prefix():
    entry = parse(format_bibtex(record_bibtex("moe-routing", ARXIV, LISTED, "https://s/p/")))
    assert (entry.entry_type, entry.key) == ("misc", "moe-routing")
    assert entry["title"] == r"{Sparse \{MoE\} Routing \& 50\% Less Compute}"
    assert entry["author"] == (
        "Ada Lovelace and John von Neumann and {Research and Development Team}"
    )
    assert (entry["eprint"], entry["archivePrefix"], entry["primaryClass"]) == (
        "2509.01234",
        "arXiv",
        "cs.LG",
    )
    assert (entry["year"], entry["url"]) == ("2025", "https://arxiv.org/abs/2509.01234")


def test_a_paper_without_arxiv_id_gets_a_misc_entry_from_what_it_has():
    entry = parse(format_bibtex(record_bibtex("garden", PLAIN, LISTED, "https://s/papers/g/")))
    assert (entry.entry_type, entry.key) == ("misc", "garden")
    assert entry["title"] == "{A Paper About Gardening}"
    assert entry["year"] == "2025"  # the year it was first listed
    assert entry["url"] == "https://x.org/garden"  # its project page
    assert "eprint" not in entry and "author" not in entry
    own = Record("g", "G", "A.", url="https://doi.org/10.1/x{y}")
    assert parse(format_bibtex(record_bibtex("g", own, LISTED, "https://s/")))["url"] == (
        "https://doi.org/10.1/x%7By%7D"
    )
    bare = Record("g", "G", "A.")
    assert parse(format_bibtex(record_bibtex("g", bare, LISTED, "https://s/p/g/")))["url"] == (
        "https://s/p/g/"
    )


def test_names_are_split_where_it_is_safe_and_kept_whole_elsewhere():
    assert csl_name("Ada Lovelace") == {"family": "Lovelace", "given": "Ada"}
    assert csl_name("John von Neumann") == {"family": "von Neumann", "given": "John"}
    assert csl_name("Edsger W. Dijkstra") == {"family": "Dijkstra", "given": "Edsger W."}
    assert csl_name("Research and Development Team") == {"literal": "Research and Development Team"}
    assert csl_name("Smith, Jr., John") == {"literal": "Smith, Jr., John"}
    assert csl_name("Plato") == {"literal": "Plato"}


def render_bibliography(items: list[dict]) -> list[str]:
    """The items as citeproc-py formats them in a small author-date style."""
    source = CiteProcJSON(items)
    style = CitationStylesStyle(str(STYLE), validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def test_csl_json_is_read_and_rendered_by_citeproc():
    arxiv = csl_item("moe-routing", ARXIV, LISTED, "https://s/p/")
    plain = csl_item("garden", PLAIN, LISTED, "https://s/papers/garden/")
    assert arxiv["issued"] == {"date-parts": [[2025]]} and arxiv["number"] == "arXiv:2509.01234"
    assert plain["issued"] == {"date-parts": [[2025, 3, 11]]}
    rendered = render_bibliography(json.loads(json.dumps([arxiv, plain])))
    text = "\n".join(rendered)
    assert "Lovelace, A." in text and "von Neumann" in text
    assert "Research and Development Team" in text
    assert "Sparse {MoE} Routing & 50% Less Compute" in text
    assert "A Paper About Gardening" in text and "2025" in text


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cite")
    shutil.copytree(FIXTURE, root / "content")
    day = root / "content" / "papers" / "2025-03-11.yaml"
    day.write_text(
        day.read_text(encoding="utf-8").replace(
            "    title: Limits of Dense Retrieval\n",
            "    title: Limits of Dense Retrieval\n    arxiv: '2508.21038'\n"
            "    authors: [Ada Lovelace, </textarea><b>x</b>]\n",
        ),
        encoding="utf-8",
    )
    build_site(root / "content", out_dir=root / "site")
    return root / "site"


def textarea(html: str, css_class: str) -> str:
    start = html.index(f'<textarea class="{css_class} ')
    return unescape(html[html.index(">", start) + 1 : html.index("</textarea>", start)])


def test_every_paper_page_shows_both_citations_and_links_their_files(site):
    keys = []
    for page in sorted(site.glob("papers/*/index.html")):
        folder = page.parent
        html = page.read_text(encoding="utf-8")
        bib = (folder / "cite.bib").read_text(encoding="utf-8")
        csl = (folder / "cite.json").read_text(encoding="utf-8")
        assert textarea(html, "bibtex") == bib
        assert textarea(html, "csl-json") == csl
        assert f'href="cite.bib" download="{folder.name}.bib"' in html
        assert f'href="cite.json" download="{folder.name}.json"' in html
        entry = parse(bib)
        keys.append(entry.key)
        (item,) = json.loads(csl)
        assert item["id"] == entry.key == folder.name
        assert render_bibliography([item])
    assert len(keys) == len(set(keys)) == 5


def test_hostile_text_stays_inside_the_field(site):
    html = (site / "papers" / "dense-retrieval-limits" / "index.html").read_text(encoding="utf-8")
    assert "<b>x</b>" not in html
    entry = parse(textarea(html, "bibtex"))
    assert entry["eprint"] == "2508.21038"
    assert entry["author"] == "Ada Lovelace and </textarea><b>x</b>"


def test_a_citation_is_the_same_every_build():
    first = paper_citation("garden", PLAIN, LISTED, "https://s/", "p/cite.bib", "p/cite.json")
    again = paper_citation("garden", PLAIN, LISTED, "https://s/", "p/cite.bib", "p/cite.json")
    assert first == again and first.csl_json.endswith("]\n")


JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(JSON_DATA)
def test_json_is_written_as_the_standard_library_writes_it(data):
    expected = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    assert json_text(data) == expected
    assert json_bytes(data) == expected.encode("utf-8")


def test_json_that_orjson_refuses_is_still_written():
    assert json_text({"upvotes": 2**70}) == '{\n  "upvotes": 1180591620717411303424\n}\n'
