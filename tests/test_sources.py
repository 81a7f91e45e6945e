"""Import sources beyond the text dump: Hugging Face daily-papers JSON and arXiv Atom.

Fixtures in tests/fixtures/sources/ are hand-made in the shapes the services return:
`hf-2025-09-08.json` as `GET /api/daily_papers?date=2025-09-08` answers (a list of entries,
each with a `paper` object), `arxiv-query.atom` as `GET /api/query?id_list=…` answers (an Atom
feed whose entries carry arxiv: elements). Nothing here touches the network.
"""

import pytest

from builder.arxiv import abs_url, arxiv_id, identity, pdf_url, year_of
from builder.errors import ContentError
from builder.normalise import clean_text
from builder.records import load_day_file, load_day_listings

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
