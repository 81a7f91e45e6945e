"""Reading a day: lead sentences of abstracts, and the other days a paper was listed."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import pytest

from builder.build import build_site
from builder.reading import lead_length, other_days, sentence_ends, split_lead
from builder.views import TextPiece


def sentences(text: str) -> list[str]:
    ends = [0, *sentence_ends(text), len(text)]
    return [text[a:b].strip() for a, b in itertools.pairwise(ends) if text[a:b].strip()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We study X. It works.", ["We study X.", "It works."]),
        ("Is it? Yes! Done.", ["Is it?", "Yes!", "Done."]),
        ("Models, e.g. BERT, help. Next.", ["Models, e.g. BERT, help.", "Next."]),
        ("That is, i.e. GPT. Next.", ["That is, i.e. GPT.", "Next."]),
        ("As in Smith et al. (2020) we go. Next.", ["As in Smith et al. (2020) we go.", "Next."]),
        (
            "Accuracy rises from 3.5 to 4.25 points. Next.",
            ["Accuracy rises from 3.5 to 4.25 points.", "Next."],
        ),
        ("Ours gains 2.1%. Baselines lag.", ["Ours gains 2.1%.", "Baselines lag."]),
        ("See Fig. 3 and Eq. 2 for it. Next.", ["See Fig. 3 and Eq. 2 for it.", "Next."]),
        (
            "Work by the U.S. Army. Next.",
            ["Work by the U.S. Army.", "Next."],
        ),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("Compare (see below.) Then go.", ["Compare (see below.)", "Then go."]),
        ("We use v2.0. 10 runs follow.", ["We use v2.0.", "10 runs follow."]),
        ("lower case. does not split", ["lower case. does not split"]),
        ("No end at all", ["No end at all"]),
        (
            "Ends with a URL https://x.org/a.b. Next.",
            ["Ends with a URL https://x.org/a.b.", "Next."],
        ),
    ],
)
def test_sentence_ends(text, expected):
    assert sentences(text) == expected


def test_a_short_first_sentence_takes_the_next_along():
    text = "We study X. " + "It is a long second sentence that says much more about it. " * 2
    assert lead_length(text, minimum=20) == len(
        "We study X. It is a long second sentence that says much more about it."
    )
    assert lead_length(text, minimum=5) == len("We study X.")


def test_the_lead_stays_in_the_first_paragraph():
    text = "One short line\n\nA second paragraph. With sentences."
    assert lead_length(text, minimum=100) == len("One short line")


def test_split_lead_cuts_pieces_and_trims_the_rest():
    pieces = (
        TextPiece("First sentence is here and it is long enough to be a lead. Then code at "),
        TextPiece("https://github.com/x/y", "https://github.com/x/y"),
        TextPiece(" and the rest of the abstract goes on for a while."),
    )
    lead, rest = split_lead(pieces, minimum=20)
    assert lead == (TextPiece("First sentence is here and it is long enough to be a lead."),)
    assert rest == (
        TextPiece("Then code at "),
        TextPiece("https://github.com/x/y", "https://github.com/x/y"),
        TextPiece(" and the rest of the abstract goes on for a while."),
    )
    assert "".join(p.text for p in lead + rest).replace("lead.Then", "lead. Then") == "".join(
        p.text for p in pieces
    )


def test_a_link_in_the_lead_is_never_folded_into_a_summary():
    # A link inside <summary> would nest a control in a control.
    url = "https://example.org/code"
    pieces = (TextPiece("Code is at "), TextPiece(url, url), TextPiece(". " + "More words. " * 9))
    assert split_lead(pieces, minimum=5) == (pieces, ())


@pytest.mark.parametrize(
    "text",
    [
        "Only one sentence, however long it may be, is never folded.",
        "A lead that is long enough to stand on its own two feet here. Tiny rest.",
        "",
    ],
)
def test_nothing_to_fold(text):
    pieces = (TextPiece(text),)
    assert split_lead(pieces, minimum=20) == (pieces, ())


def test_other_days_are_the_rest_oldest_first():
    a, b, c = dt.date(2025, 3, 11), dt.date(2025, 3, 14), dt.date(2025, 9, 8)
    assert other_days((a, b, c), b) == (a, c)
    assert other_days((c, a), c) == (a,)
    assert other_days((a,), a) == ()


# -- on the built pages -------------------------------------------------------------------

FIXTURE = Path(__file__).parent / "fixtures" / "site"


LONG_ABSTRACT = (
    "Embedding-based retrieval, e.g. with dual encoders, cannot represent every top-k subset "
    "of 3.5 million documents. We prove it for every dimension. Then we test it at scale "
    "on a new data set, and show where it breaks."
)


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    """The fixture site, one abstract made long enough to fold."""
    content = tmp_path_factory.mktemp("reading") / "content"
    shutil.copytree(FIXTURE, content)
    day = content / "papers" / "2025-03-11.yaml"
    old = "Embedding-based retrieval cannot represent every top-k subset of documents."
    day.write_text(day.read_text(encoding="utf-8").replace(old, LONG_ABSTRACT), encoding="utf-8")
    out = content.parent / "site"
    build_site(content, out_dir=out)
    return out


def test_a_day_page_names_the_other_days_a_paper_was_listed(fixture_site):
    later = (fixture_site / "days/2025-03-14/index.html").read_text(encoding="utf-8")
    card = later[later.index("papers/fast-diffusion-sampling/") :]
    card = card[: card.index("</article>")]
    assert 'Also listed on <a href="../2025-03-11/">' in card
    earlier = (fixture_site / "days/2025-03-11/index.html").read_text(encoding="utf-8")
    card = earlier[earlier.index("papers/fast-diffusion-sampling/") :]
    assert 'Also listed on <a href="../2025-03-14/">' in card[: card.index("</article>")]


def test_a_card_shows_its_link_badges_by_its_title(fixture_site):
    page = (fixture_site / "days/2025-03-14/index.html").read_text(encoding="utf-8")
    head = page[page.index('<div class="paper-card__head">') :]
    head = head[: head.index("</div>")]
    assert "paper-card__title" in head and 'class="badges"' in head


def test_long_abstracts_fold_after_their_lead(fixture_site):
    page = (fixture_site / "days/2025-03-11/index.html").read_text(encoding="utf-8")
    assert page.count("<details") == 1  # the other abstracts are one sentence each
    fold = page[page.index('<details class="abstract__fold">') : page.index("</details>")]
    summary = fold[fold.index("<summary>") : fold.index("</summary>")]
    assert "e.g. with dual encoders" in summary and "3.5 million documents." in summary
    assert "We prove" not in summary
    assert "<p>We prove it for every dimension." in fold
