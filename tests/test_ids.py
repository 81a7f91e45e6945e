"""Paper ids: readable, valid, stable, and never shared by two papers."""

from hypothesis import given
from hypothesis import strategies as st

from builder.ids import (
    MAX_SLUG_LENGTH,
    RESERVED_IDS,
    IdRegistry,
    is_valid_id,
    slug_for,
    title_hash,
)
from builder.records import ID_PATTERN, Record, normalised_title


def test_a_slug_keeps_whole_words_and_drops_a_dangling_function_word():
    title = "Guiding Language Models of Code with Global Context using Monitors"
    assert slug_for(title) == "guiding-language-models-of-code-with-global-context"


def test_a_hyphenated_word_is_never_split():
    title = "DSEE: Dually Sparsity-embedded Efficient Tuning of Pre-trained Language Models"
    assert slug_for(title) == "dsee-dually-sparsity-embedded-efficient-tuning"


def test_short_titles_are_slugged_whole():
    assert slug_for("Don't Stop Pretraining: Adapt!") == "dont-stop-pretraining-adapt"
    assert slug_for("Ünïcödé café — 東京") == "unicode-cafe-dong-jing"


def test_a_title_that_slugs_to_nothing_gets_a_hashed_id():
    assert slug_for("???") == f"paper-{title_hash('???')}"
    assert slug_for("..") != slug_for("???")
    assert is_valid_id(slug_for("..."))


def test_reserved_names_are_never_ids():
    for title in ("CON", "nul", "Index", "page", "LPT1"):
        paper_id = slug_for(title)
        assert paper_id not in RESERVED_IDS
        assert paper_id.startswith(title.lower() + "-")


def test_slashes_and_backslashes_never_reach_an_id():
    assert slug_for("A/B Testing \\ at Scale") == "a-b-testing-at-scale"
    assert slug_for("/") == f"paper-{title_hash('/')}"


def test_a_very_long_first_word_is_cut():
    assert slug_for("x" * 200) == "x" * MAX_SLUG_LENGTH


def test_the_same_paper_is_found_by_title_arxiv_or_abstract():
    abstract = "We study things. " * 20
    registry = IdRegistry([Record("slug-a", "Slug A", abstract, arxiv="2401.00001")])
    assert registry.find("  SLUG\ta ") is not None
    assert registry.find("Other title", arxiv="2401.00001").id == "slug-a"
    assert registry.find("Fixed title", abstract=abstract.upper()).id == "slug-a"
    assert registry.find("Other title", abstract="short") is None


def test_colliding_slugs_get_a_stable_hash_suffix():
    registry = IdRegistry([Record("attention", "Attention!", "x")])
    paper_id = registry.new_id("Attention?")
    assert paper_id == f"attention-{title_hash('Attention?')}"
    # Order of import does not matter for the suffix: it comes from the title alone.
    assert IdRegistry([Record("attention", "Attention.", "x")]).new_id("Attention?") == paper_id


def test_an_id_is_not_handed_out_twice():
    registry = IdRegistry()
    first = registry.new_id("Attention!")
    registry.remember(first, "Attention!", "", None)
    second = registry.new_id("Attention?")
    assert first == "attention"
    assert second != first


@given(st.text())
def test_every_title_gets_a_valid_slug(title):
    paper_id = slug_for(title)
    assert ID_PATTERN.match(paper_id)
    assert is_valid_id(paper_id)
    assert len(paper_id) <= MAX_SLUG_LENGTH + 1 + 8
    assert slug_for(title) == paper_id


@given(st.lists(st.text(max_size=30), max_size=8))
def test_different_titles_never_share_an_id(titles):
    registry = IdRegistry()
    owners: dict[str, str] = {}
    for title in titles:
        known = registry.find(title)
        paper_id = known.id if known else registry.new_id(title)
        registry.remember(paper_id, title, "", None)
        assert ID_PATTERN.match(paper_id)
        assert owners.setdefault(paper_id, normalised_title(title)) == normalised_title(title)
