"""The dump parser: tolerant of what real copies carry, clear about what it cannot read."""

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.dumps import parse_dump, read_dump, resolve_date
from builder.errors import ContentError

FIXTURES = Path(__file__).parent / "fixtures" / "dumps"
ABSTRACT = "We propose a method. It works well on many benchmarks and we explain why it does."
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\n"
)


def parse(text: str):
    return parse_dump(text, Path("dump.txt"))


def problems_of(text: str) -> list[str]:
    with pytest.raises(ContentError) as error:
        parse(text)
    return [p.format() for p in error.value.problems]


def test_a_plain_dump():
    dump = parse(HEADER + f"Sep 8\n\nFirst Paper\n\n{ABSTRACT}\n\nSecond Paper\n\n{ABSTRACT}\n")
    (day,) = dump.days
    assert (day.month, day.day, day.label) == (9, 8, "Sep 8")
    assert [p.title for p in day.papers] == ["First Paper", "Second Paper"]
    assert [p.line for p in day.papers] == [13, 17]
    assert day.papers[0].abstract == ABSTRACT


@pytest.mark.parametrize(
    "text",
    [
        f"Mar 14\nTitle\n\n{ABSTRACT}",  # no header at all, no final newline
        f"Subscribe\n\n\n\nnew\nMar 14   \n\n\n\n  Title  \n\n\n{ABSTRACT}   \n\n\n",
        "byAK and the research community\nMar 14\n\nDaily Papers\n\nTitle\n\n" + ABSTRACT,
        f"March 14\n\nTitle\n\n{ABSTRACT}\n",
        f"mar. 14\n\nTitle\n\n{ABSTRACT}\n",
        f"Mar 14\n\nTi\u200btle\n\n{ABSTRACT}\x0c\n",  # zero-width space, form feed
    ],
)
def test_what_copies_carry_is_tolerated(text):
    (day,) = parse(text).days
    assert (day.month, day.day) == (3, 14)
    assert [(p.title, p.abstract) for p in day.papers] == [("Title", ABSTRACT)]


def test_an_abstract_wrapped_over_lines_is_one_paragraph():
    (day,) = parse("Mar 14\n\nTitle\n\nWe propose\na method.\n").days
    assert day.papers[0].abstract == "We propose a method."


def test_a_dump_may_hold_several_days():
    dump = parse(f"Mar 14\n\nA\n\n{ABSTRACT}\n\nMar 11\n\nB\n\n{ABSTRACT}\n")
    assert [(d.label, [p.title for p in d.papers]) for d in dump.days] == [
        ("Mar 14", ["A"]),
        ("Mar 11", ["B"]),
    ]


def test_the_crlf_bom_fixture_reads_like_the_plain_one():
    first = read_dump(FIXTURES / "sep8-first.txt").days[0]
    second = read_dump(FIXTURES / "sep8-second-crlf-bom.txt").days[0]
    assert second.label == first.label == "Sep 8"
    assert second.papers[0] == first.papers[1].__class__(
        first.papers[1].title, first.papers[1].abstract, second.papers[0].line
    )
    assert len(second.papers) == 7


def test_an_empty_dump():
    assert problems_of(" \n\n \n") == [
        "dump.txt: error: the file is empty (paste the whole listing page (select all, copy) "
        "into it and save it again)"
    ]


def test_no_date_line():
    (message,) = problems_of(f"Title\n\n{ABSTRACT}\n")
    assert message.startswith("dump.txt:1: error: no date line found")
    assert "such as `Sep 8`" in message


def test_a_date_that_does_not_exist():
    (message,) = problems_of(f"new\n\nFeb 30\n\nTitle\n\n{ABSTRACT}\n")
    assert message.startswith("dump.txt:3: error: the date line 'Feb 30' names a day that")


def test_a_title_with_no_abstract_at_the_end():
    (message,) = problems_of(f"Sep 8\n\nA\n\n{ABSTRACT}\n\nLonely Title\n")
    assert message.startswith("dump.txt:7: error: the title 'Lonely Title' has no abstract")


def test_a_title_with_no_abstract_in_the_middle_and_every_problem_at_once():
    messages = problems_of(f"Sep 8\n\nLonely\n\nB\n\n{ABSTRACT}\n\nC\n\n{ABSTRACT}\n\nEnd\n")
    assert [m.split(" error: ")[0] for m in messages] == ["dump.txt:3:", "dump.txt:13:"]
    assert "'Lonely' has no abstract" in messages[0]


def test_a_date_with_nothing_under_it():
    (message,) = problems_of("Sep 8\n")
    assert "no papers listed under 'Sep 8'" in message


def test_an_abstract_with_no_title():
    (message,) = problems_of("Sep 8\n\n" + "A long abstract sentence. " * 20 + "\n")
    assert "looks like an abstract with no title" in message


@pytest.mark.parametrize(
    ("month", "day", "year", "today", "expected"),
    [
        (9, 8, 2025, dt.date(2020, 1, 1), dt.date(2025, 9, 8)),  # a given year always wins
        (9, 8, None, dt.date(2025, 11, 23), dt.date(2025, 9, 8)),
        (12, 24, None, dt.date(2025, 11, 23), dt.date(2024, 12, 24)),
        (11, 23, None, dt.date(2025, 11, 23), dt.date(2025, 11, 23)),  # today is not after today
        (2, 29, None, dt.date(2025, 11, 23), dt.date(2024, 2, 29)),
        (2, 29, None, dt.date(2024, 2, 28), dt.date(2020, 2, 29)),
        (2, 29, 2025, dt.date(2025, 11, 23), None),
    ],
)
def test_resolve_date(month, day, year, today, expected):
    assert resolve_date(month, day, year, today) == expected


@given(st.text())
def test_random_text_is_parsed_or_refused_clearly(text):
    try:
        dump = parse(text)
    except ContentError as error:
        assert error.problems
        assert all(p.path == "dump.txt" and p.message for p in error.problems)
    else:
        assert dump.days
        for day in dump.days:
            assert day.papers
            assert all(p.title.strip() and p.abstract.strip() for p in day.papers)


@given(
    st.lists(
        st.tuples(
            st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40),
            st.text(min_size=1, max_size=200),
        ),
        max_size=5,
    )
)
def test_random_listings_after_a_date_line_never_crash(pairs):
    text = "Sep 8\n\n" + "\n\n".join(f"{title}\n\n{abstract}" for title, abstract in pairs)
    try:
        parse(text)
    except ContentError as error:
        assert all(p.line is None or p.line >= 1 for p in error.problems)
