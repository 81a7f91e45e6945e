"""Related papers: TF-IDF similarity of title and abstract, top five per paper.

Computed once per build for every paper, in time and memory linear in the number of papers:

- each paper is represented by its TERMS_PER_PAPER most distinctive words (highest TF-IDF
  weight), so the common words that would make every paper touch every other drop out;
- a word counts towards at most POSTINGS papers, those it weighs most in (ties: the smaller
  id): paper A's score for paper B sums A's weight times B's over the words they share
  that have B among their POSTINGS. A word in thousands of papers says little about which
  of them are alike, yet papers keep such words among their heaviest when the corpus is
  large (or holds many near-copies), and every pair sharing one would have to be scored:
  the work grew with the square of the number of papers. Bounded posting lists cap each
  paper's candidates at TERMS_PER_PAPER * POSTINGS, whatever the corpus size. Where no
  kept word is in more than POSTINGS papers (the default site's most common is in 25)
  the score is the cosine of the two papers' vectors, as before;
- rows are scored in blocks, one sparse matrix product per block, and each block keeps only
  its top k per row before the next block is scored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from builder.grouping import Paper

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

RELATED_LIMIT = 5
TERMS_PER_PAPER = 32
# A word counts towards at most this many papers: those it weighs most in (ties: smaller id).
POSTINGS = 100
# Scores are rounded to this many decimals before ranking, so float noise never decides an
# order: scores equal to the sixth decimal are ties, and ties go to the smaller id.
SCORE_SCALE = 10**6
# Rows per block are chosen so a block's products stay under this many entries even if
# every row met its bound of candidates; typical blocks are several times smaller.
BLOCK_ENTRIES = 20_000_000
# A row's k-th best among its first SAMPLE candidates bounds its true k-th best from below,
# so candidates under that bound are dropped before anything is sorted.
SAMPLE = 64


def related_papers(
    papers: Iterable[Paper], limit: int = RELATED_LIMIT
) -> dict[str, tuple[str, ...]]:
    """For each paper id, up to `limit` other papers most alike in title and abstract, best
    first, ties by id; never itself nor an identical duplicate (same title and abstract)."""
    items = sorted(papers, key=lambda paper: paper.id)
    ids = [paper.id for paper in items]
    texts = [f"{paper.record.title}\n{paper.record.abstract}" for paper in items]
    found = related_indices(texts, limit)
    return {ids[row]: tuple(ids[col] for col in cols) for row, cols in enumerate(found)}


def related_indices(texts: list[str], limit: int = RELATED_LIMIT) -> list[tuple[int, ...]]:
    """For each text, the indices of the `limit` most similar others (ties: lower index)."""
    if len(texts) < 2 or limit < 1:
        return [() for _ in texts]
    # scikit-learn takes about a second to import: only builds that relate papers pay it.
    import numpy as np

    vectors = tfidf_vectors(texts)
    if vectors is None:
        return [() for _ in texts]
    postings = heaviest(vectors.T.tocsr(), POSTINGS)
    groups = duplicate_groups(texts)
    count = len(texts)
    # A row's products touch at most POSTINGS papers per word it keeps.
    block = max(1, min(count, BLOCK_ENTRIES // min(count, TERMS_PER_PAPER * POSTINGS)))
    found: list[tuple[int, ...]] = []
    for start in range(0, count, block):
        rows = np.arange(start, min(count, start + block))
        scores = (vectors[start : start + block] @ postings).tocsr()
        found += top_k(scores, rows, groups, limit)
    return found


def tfidf_vectors(texts: list[str], terms: int = TERMS_PER_PAPER) -> csr_matrix | None:
    """Unit-length TF-IDF rows keeping each text's `terms` heaviest words; None if no words."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    vectorizer = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        dtype=np.float32,
        # A word in most papers tells nothing about which papers are alike.
        max_df=0.5 if len(texts) >= 20 else 1.0,
    )
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no words at all: every text empty or stop words
        return None
    result: csr_matrix = normalize(heaviest(matrix, terms), copy=False)
    return result


def heaviest(matrix: csr_matrix, count: int) -> csr_matrix:
    """The matrix with only each row's `count` largest entries; ties go to the smaller column."""
    import numpy as np
    from scipy.sparse import csr_matrix

    matrix.sort_indices()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    # Within each row, heaviest first (ties by column, so the cut is deterministic).
    order = np.lexsort((-matrix.data, rows))  # stable: ties keep column order
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    keep = np.zeros(len(order), dtype=bool)
    keep[order[rank < count]] = True
    pruned = csr_matrix(
        (np.where(keep, matrix.data, 0), matrix.indices, matrix.indptr), shape=matrix.shape
    )
    pruned.eliminate_zeros()
    return pruned


def top_k(
    scores: csr_matrix, rows: np.ndarray, groups: np.ndarray, limit: int
) -> list[tuple[int, ...]]:
    """Each row's best `limit` columns with a positive score, best first, ties by column;
    a row's own column and its duplicates' (same `groups` number) are never chosen."""
    import numpy as np

    count = scores.shape[1]
    positions = _candidates(scores, limit + _largest_group(groups))
    local = np.searchsorted(scores.indptr, positions, side="right") - 1
    columns = scores.indices[positions].astype(np.int64)
    quantised = np.rint(scores.data[positions].astype(np.float64) * SCORE_SCALE)
    usable = (quantised > 0) & (groups[columns] != groups[rows[local]])
    local, columns = local[usable], columns[usable]
    # One integer per candidate: higher score first, then the smaller column. No two are
    # equal within a row, so the cut below is exact.
    keys = quantised[usable].astype(np.int64) * count + (count - 1 - columns)
    order = np.lexsort((-keys, local))
    local, columns = local[order], columns[order]
    starts = np.searchsorted(local, np.arange(len(rows) + 1))
    chosen = np.arange(len(local)) - starts[local] < limit
    local, columns = local[chosen], columns[chosen]
    bounds = np.searchsorted(local, np.arange(len(rows) + 1))
    return [tuple(columns[bounds[row] : bounds[row + 1]].tolist()) for row in range(len(rows))]


def _candidates(scores: csr_matrix, needed: int) -> np.ndarray:
    """Positions in `scores.data` that may be in their row's top `needed`: a row's
    `needed`-th best among its first SAMPLE entries is a lower bound of its true one, so
    everything under that bound (less a rounding margin) is left out before sorting."""
    import numpy as np

    data, starts, ends = scores.data, scores.indptr[:-1], scores.indptr[1:]
    if needed > SAMPLE or not len(data):
        return np.arange(len(data))
    slots = starts[:, None] + np.arange(SAMPLE)[None, :]
    sample = np.where(slots < ends[:, None], data[np.minimum(slots, len(data) - 1)], -1.0)
    bound = np.partition(sample, SAMPLE - needed, axis=1)[:, SAMPLE - needed]
    threshold = np.repeat(bound - 1.0 / SCORE_SCALE, ends - starts).astype(data.dtype)
    return np.flatnonzero(data >= threshold)


def _largest_group(groups: np.ndarray) -> int:
    """How many papers share the biggest duplicate group: a row may exclude that many."""
    import numpy as np

    return int(np.bincount(groups).max())


def duplicate_groups(texts: list[str]) -> np.ndarray:
    """A number per text, shared by texts that are the same up to case and spacing."""
    import numpy as np

    seen: dict[str, int] = {}
    numbers = [
        seen.setdefault(" ".join(unicodedata.normalize("NFC", text).casefold().split()), index)
        for index, text in enumerate(texts)
    ]
    return np.asarray(numbers, dtype=np.int64)
