"""Related papers: TF-IDF cosine top-k, checked against a brute-force ranking."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import numpy as np
import pytest

from builder import related
from builder.build import prepare_site
from builder.grouping import Paper
from builder.records import Record
from builder.related import related_indices, related_papers, tfidf_vectors

DAY = dt.date(2025, 3, 11)


def paper(paper_id: str, title: str, abstract: str) -> Paper:
    return Paper(paper_id, Record(paper_id, title, abstract), (DAY,), ("other",))


PAPERS = [
    paper("diffusion-a", "Fast diffusion sampling", "We speed up diffusion model sampling."),
    paper("diffusion-b", "Diffusion samplers revisited", "Sampling diffusion models in few steps."),
    paper("retrieval-a", "Dense retrieval limits", "Dense retrievers fail on long queries."),
    paper("retrieval-b", "Sparse or dense retrieval", "When sparse retrieval beats dense."),
    paper("garden", "A paper about gardening", "Tomatoes grow well in sunny gardens."),
]


def brute_force(texts: list[str], limit: int, postings: int | None = None) -> list[tuple[int, ...]]:
    """The same ranking computed the slow, obvious way: every pair, then sort. With
    `postings`, a word counts only towards the `postings` papers it weighs most in."""
    vectors = tfidf_vectors(texts)
    assert vectors is not None
    dense = vectors.toarray().astype(np.float64)
    counted = dense.copy()
    if postings is not None:
        for word in range(dense.shape[1]):
            having = [row for row in range(len(texts)) if dense[row, word] > 0]
            best = sorted(having, key=lambda row: (-vectors[row, word], row))[:postings]
            counted[[row for row in having if row not in best], word] = 0
    groups = related.duplicate_groups(texts)
    result = []
    for row in range(len(texts)):
        scored = [
            (-round(float(dense[row] @ counted[col]) * related.SCORE_SCALE), col)
            for col in range(len(texts))
            if groups[col] != groups[row]
        ]
        result.append(tuple(col for key, col in sorted(scored) if key < 0)[:limit])
    return result


def default_site_papers() -> list[Paper]:
    """The default site's papers, loaded as a build loads them."""
    _, _, site = prepare_site(Path(__file__).parents[1] / "content", None, False)
    return list(site.papers.values())


def synthetic_texts(count: int, seed: int = 7) -> list[str]:
    """Zipf-like word soup, with a few exact duplicates and near-ties."""
    rng = random.Random(seed)
    words = [f"word{index}" for index in range(300)]
    weights = [1 / (rank + 1) for rank in range(len(words))]
    texts = [" ".join(rng.choices(words, weights, k=rng.randint(5, 40))) for _ in range(count)]
    texts[5] = texts[3]  # an identical duplicate
    texts[9] = texts[3].upper()  # the same up to case
    texts[11] = "word250 word251"
    texts[12] = "word251 word250"  # same words, other order: a tie with 11 for others
    return texts


def test_similar_papers_are_related_best_first():
    found = related_papers(PAPERS)
    assert found["diffusion-a"][0] == "diffusion-b"
    assert found["retrieval-a"][0] == "retrieval-b"
    assert set(found) == {p.id for p in PAPERS}


def test_a_paper_is_never_related_to_itself_or_a_duplicate():
    copy = paper(
        "diffusion-copy", "Fast  Diffusion sampling", "We speed up diffusion model sampling."
    )
    found = related_papers([*PAPERS, copy])
    for paper_id, others in found.items():
        assert paper_id not in others
    assert "diffusion-copy" not in found["diffusion-a"]
    assert "diffusion-a" not in found["diffusion-copy"]
    assert found["diffusion-copy"][0] == "diffusion-b"


def test_papers_sharing_no_word_are_not_related():
    assert related_papers(PAPERS)["garden"] == ()


def test_at_most_limit_papers_each():
    texts = synthetic_texts(60)
    for limit in (1, 3, 5):
        assert all(len(found) <= limit for found in related_indices(texts, limit))
    assert max(len(found) for found in related_indices(texts, 5)) == 5


def test_ties_go_to_the_smaller_id():
    texts = ["alpha beta", "alpha gamma", "alpha gamma", "alpha delta", "zeta eta"]
    texts[2] = "gamma alpha"  # the same words as 1, not the same text: both tie for 3
    assert related_indices(texts, 2)[3] == (1, 2)
    assert related_indices(texts, 1)[3] == (1,)


def test_the_result_does_not_depend_on_input_order():
    shuffled = PAPERS[::-1]
    assert related_papers(shuffled) == related_papers(PAPERS)


def test_no_papers_one_paper_and_no_words():
    assert related_papers([]) == {}
    assert related_papers(PAPERS[:1]) == {"diffusion-a": ()}
    assert related_indices(["the and", "of the"], 5) == [(), ()]


@pytest.mark.parametrize(("block_entries", "chunk"), [(10**9, 16), (200, 16), (50, 1), (200, 3)])
@pytest.mark.parametrize("limit", [1, 5, 40, 200])
def test_blocks_and_the_candidate_bound_agree_with_brute_force(
    monkeypatch, block_entries, chunk, limit
):
    """Small blocks (many products), chunks of one entry (the bound is each row's exact
    k-th best) or a few, and limits from one (the bound cuts the most) to more than any
    row's chunks (the bound is skipped) give exactly the brute-force ranking."""
    monkeypatch.setattr(related, "BLOCK_ENTRIES", block_entries)
    monkeypatch.setattr(related, "CHUNK", chunk)
    texts = synthetic_texts(120)
    assert related_indices(texts, limit) == brute_force(texts, limit)


def test_each_paper_keeps_only_its_heaviest_terms():
    text = " ".join(f"term{index}" for index in range(100))
    vectors = tfidf_vectors([text, "term1 other"], terms=10)
    assert vectors is not None
    assert vectors[0].nnz == 10
    assert np.isclose(np.linalg.norm(vectors[0].toarray()), 1.0)


def test_a_common_word_counts_only_towards_the_papers_it_weighs_most_in(monkeypatch):
    """Ten papers share one word and nothing else: unbounded, each is related to all the
    others through it; with posting lists of three, only to the first three (equal weights:
    the smaller ids), so a word in many papers no longer makes them all candidates."""
    texts = [f"shared alone{index}" for index in range(10)]
    texts += [f"filler{index} padding{index}" for index in range(12)]  # keeps df under max_df
    found = related_indices(texts, 5)
    assert found[7] == (0, 1, 2, 3, 4)
    monkeypatch.setattr(related, "POSTINGS", 3)
    found = related_indices(texts, 5)
    assert found[7] == (0, 1, 2)
    assert found[0] == (1, 2)
    assert all(set(found[row]) <= {0, 1, 2} for row in range(10))
    assert found[10:] == [()] * 12


@pytest.mark.parametrize(("postings", "block_entries"), [(1, 10**9), (3, 10**9), (5, 300)])
def test_bounded_posting_lists_agree_with_brute_force(monkeypatch, postings, block_entries):
    monkeypatch.setattr(related, "POSTINGS", postings)
    monkeypatch.setattr(related, "BLOCK_ENTRIES", block_entries)
    texts = synthetic_texts(120)
    assert related_indices(texts, 5) == brute_force(texts, 5, postings)


def test_no_word_of_the_default_site_reaches_the_bound():
    """The bound leaves small sites' scores plain cosines: the default site's most common
    kept word is far under POSTINGS (so its related papers are as before the bound)."""
    texts = [f"{p.record.title}\n{p.record.abstract}" for p in default_site_papers()]
    vectors = tfidf_vectors(texts)
    assert vectors is not None
    assert len(texts) > 200
    assert np.bincount(vectors.indices).max() < related.POSTINGS


def test_near_copies_rank_first_despite_shared_codenames(monkeypatch):
    """The benchmark corpus in small: bases copied many times, each copy renamed with
    codename words that copies of other bases share. With small posting lists, a copy's
    best match is still a copy of its own base."""
    monkeypatch.setattr(related, "POSTINGS", 4)
    bases = [
        "Diffusion samplers in few steps. We distil a sampler into a student network.",
        "Dense retrieval for long queries. Retrievers fail when queries grow long.",
        "Tomato gardens in sunny climates. Watering schedules decide the harvest.",
        "Protein folding with language models. Sequences predict structure well.",
    ]
    colours = ["amber", "azure", "coral", "ivory", "jade", "olive"]
    texts, base_of = [], []
    for copy in range(12):
        for number, base in enumerate(bases):
            name = f"{colours[copy % 6]} {colours[(copy + number) % 6]}bird"
            texts.append(f"{name}: {base} We call the system {name}.")
            base_of.append(number)
    for row, found in enumerate(related_indices(texts, 5)):
        assert found, row
        assert base_of[found[0]] == base_of[row], (row, found)


AWKWARD_TEXTS = [
    "Über-große Modelle: café, naïve & co-training (3D, 10⁵ steps, ½ the cost)",
    "İSTANBUL ΣΟΦΙΑ ΟΔΟΣ Σ ς — ‘quoted’ “words” and x_y snake_case __dunder__",
    "中文 字符 mixed with English; emoji 😀 split😀words; tab\tand\u00a0no-break space",
    "a b c I x y: one-letter words, Ǆemal ǅ ǆ, ß ẞ, Ⅻ roman ⅻ, ٣٤ arabic digits",
    "lone surrogate \ud800 between words, zero\u200bwidth, soft\u00adhyphen",
    "",
    "the and of",  # stop words only
]


def test_word_runs_are_the_words_scikit_learn_finds():
    separators = related._Separators()
    for text in AWKWARD_TEXTS + [p.record.abstract for p in PAPERS]:
        runs = [run.decode() for run in related.word_runs(text, separators)]
        expected = re.findall(r"(?u)\b\w\w+\b", text.lower())
        assert [run for run in runs if len(run) > 1] == expected, text


@pytest.mark.parametrize("kind", ["synthetic", "awkward", "default site"])
def test_tfidf_is_bit_for_bit_scikit_learns(kind):
    """The TF-IDF rows were scikit-learn's before it was no longer imported: the same words,
    columns and float32 values to the last bit, so related papers did not change."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = {
        "synthetic": synthetic_texts(300),
        "awkward": AWKWARD_TEXTS * 3 + synthetic_texts(20),
        "default site": [f"{p.record.title}\n{p.record.abstract}" for p in default_site_papers()],
    }[kind]
    max_share = 0.5 if len(texts) >= 20 else 1.0
    ours = related.tfidf_matrix(texts, max_share)
    theirs = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, dtype=np.float32, max_df=max_share
    ).fit_transform(texts)
    assert ours is not None
    ours.sort_indices()
    theirs.sort_indices()
    assert ours.shape == theirs.shape
    assert np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.indices, theirs.indices)
    assert ours.data.dtype == np.float32
    assert np.array_equal(ours.data.view(np.int32), theirs.data.view(np.int32))


def test_stop_words_are_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert related.STOP_WORDS == ENGLISH_STOP_WORDS


def test_words_in_more_than_the_share_are_left_out():
    texts = ["common alpha", "common beta", "common gamma", "delta epsilon"]
    matrix = related.tfidf_matrix(texts, max_share=0.5)
    assert matrix is not None
    assert matrix.shape == (4, 5)  # alpha beta gamma delta epsilon: "common" is in 3 of 4
    assert related.tfidf_matrix(texts, max_share=1.0).shape == (4, 6)
    assert related.tfidf_matrix(["the", "a b c"], max_share=1.0) is None


def test_heaviest_keeps_each_rows_largest_ties_to_the_smaller_column():
    from scipy.sparse import csr_matrix

    rng = np.random.default_rng(3)
    dense = rng.choice([0, 0, 0, 0.25, 0.5, 0.75, 3.0], size=(40, 30)).astype(np.float32)
    dense[7] = 0  # an empty row
    for count in (1, 2, 5, 30):
        kept = related.heaviest(csr_matrix(dense), count).toarray()
        for row in range(len(dense)):
            best = sorted(np.flatnonzero(dense[row]), key=lambda col: (-dense[row, col], col))
            expected = np.zeros_like(dense[row])
            expected[best[:count]] = dense[row, best[:count]]
            assert np.array_equal(kept[row], expected), (count, row)
