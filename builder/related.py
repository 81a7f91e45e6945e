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
  the score is the cosine of the two papers' vectors, as before. The price: the papers a
  crowded word points to are those it weighs most in, often the shortest texts, so where
  many papers are near-copies the same few are related to all of them;
- rows are scored in blocks, one sparse matrix product per block, and each block keeps only
  its top k per row before the next block is scored; entries under a lower bound of their
  row's k-th best score are dropped before anything is sorted (_candidates);
- the TF-IDF is scikit-learn's TfidfVectorizer's, bit for bit (a test checks it), computed
  here with NumPy and SciPy, as importing scikit-learn alone took 1.3 s.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from builder.grouping import Paper

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

# Bytes that are no word character (\w: letters, digits, underscore) become spaces; UTF-8
# bytes of other characters (128 and over) are left as they are.
ASCII_SEPARATORS = bytes(
    code if code >= 128 or chr(code).isalnum() or chr(code) == "_" else ord(" ")
    for code in range(256)
)
# scikit-learn's English stop words (BSD-3-Clause; from the Glasgow Information Retrieval
# Group's list), which the related papers have always left out.
STOP_WORDS_TEXT = """
    a about above across after afterwards again against all almost alone along already
    also although always am among amongst amoungst amount an and another any anyhow
    anyone anything anyway anywhere are around as at back be became because become
    becomes becoming been before beforehand behind being below beside besides between
    beyond bill both bottom but by call can cannot cant co con could couldnt cry de
    describe detail do done down due during each eg eight either eleven else elsewhere
    empty enough etc even ever every everyone everything everywhere except few fifteen
    fifty fill find fire first five for former formerly forty found four from front full
    further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed
    interest into is it its itself keep last latter latterly least less ltd made many
    may me meanwhile might mill mine more moreover most mostly move much must my myself
    name namely neither never nevertheless next nine no nobody none noone nor not
    nothing now nowhere of off often on once one only onto or other others otherwise our
    ours ourselves out over own part per perhaps please put rather re same see seem
    seemed seeming seems serious several she should show side since sincere six sixty so
    some somehow someone something sometime sometimes somewhere still such system take
    ten than that the their them themselves then thence there thereafter thereby
    therefore therein thereupon these they thick thin third this those though three
    through throughout thru thus to together too top toward towards twelve twenty two un
    under until up upon us very via was we well were what whatever when whence whenever
    where whereafter whereas whereby wherein whereupon wherever whether which while
    whither who whoever whole whom whose why will with within without would yet you your
    yours yourself yourselves
"""
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())
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
# Each row's best candidates are bounded from its chunks of this many entries (_candidates).
CHUNK = 16


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
    # NumPy and SciPy take a tenth of a second to import: only builds relating papers pay it.
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
    matrix = tfidf_matrix(texts, max_share=0.5 if len(texts) >= 20 else 1.0)
    if matrix is None:
        return None
    matrix.sort_indices()
    return unit_rows(heaviest(matrix, terms))


def tfidf_matrix(texts: list[str], max_share: float) -> csr_matrix | None:
    """Unit-length TF-IDF rows, bit for bit scikit-learn's TfidfVectorizer(stop_words=
    "english", sublinear_tf=True, dtype=float32, max_df=max_share): words of two or more
    letters or digits, lowercased, columns in alphabetical order, idf = ln((n+1)/(df+1))+1.
    Words in more than `max_share` of the texts are left out: they tell nothing about which
    papers are alike. None if no word is left. (Written here because importing scikit-learn
    took 1.3 s, and its pure-Python counting loop most of the rest.)"""
    import numpy as np
    from scipy.sparse import csr_matrix

    vocabulary: defaultdict[bytes, int] = defaultdict()
    vocabulary.default_factory = vocabulary.__len__  # a new word gets the next number
    words, counts = array("i"), array("i")
    lengths = np.empty(len(texts) + 1, dtype=np.int64)
    lengths[0] = 0
    separators = _Separators()
    for row, text in enumerate(texts):
        # Counter keeps first-seen order: entries are summed in that order when normed,
        # as scikit-learn does.
        counted = Counter(word_runs(text, separators))
        words.extend(map(vocabulary.__getitem__, counted))
        counts.extend(counted.values())
        lengths[row + 1] = len(counted)
    names = [name.decode() for name in vocabulary]
    word_ids = np.frombuffer(words, dtype=np.int32)
    frequency = np.bincount(word_ids, minlength=len(names))
    # Runs of one character and stop words are counted like words, then left out here.
    kept = np.fromiter(
        (len(name) > 1 and name not in STOP_WORDS for name in names), bool, len(names)
    )
    kept &= frequency <= max_share * len(texts)
    if not kept.any():
        return None
    order = sorted(np.flatnonzero(kept).tolist(), key=names.__getitem__)
    column = np.full(len(names), -1, dtype=np.int32)
    column[order] = np.arange(len(order))
    entries = np.flatnonzero(kept[word_ids])
    indices = column[word_ids[entries]]
    indptr = np.searchsorted(entries, np.cumsum(lengths)).astype(np.int32)
    data = np.frombuffer(counts, dtype=np.int32)[entries].astype(np.float32)
    del words, counts, word_ids, entries
    smoothed = frequency[order].astype(np.float32) + np.float32(1.0)
    idf = np.full_like(smoothed, len(texts) + 1) / smoothed
    np.log(idf, out=idf)
    idf += np.float32(1.0)
    np.log(data, out=data)
    data += np.float32(1.0)
    data *= idf[indices]
    shape = (len(texts), len(order))
    return unit_rows(csr_matrix((data, indices, indptr), shape=shape))


def word_runs(text: str, separators: dict[int, int]) -> list[bytes]:
    """The lowercased text's maximal runs of word characters (what the regular expression
    \\w+ finds: letters, digits, underscore), in UTF-8. As fast as Python splits text: a
    byte table for ASCII text, `separators` (a str.translate table) for the rest."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered.encode().translate(ASCII_SEPARATORS).split()
    return lowered.translate(separators).encode().split()


class _Separators(dict[int, int]):
    """A str.translate table that turns each character no word can hold into a space."""

    def __missing__(self, code: int) -> int:
        char = chr(code)
        self[code] = code if char.isalnum() or char == "_" else ord(" ")
        return self[code]


def unit_rows(matrix: csr_matrix) -> csr_matrix:
    """The matrix with rows scaled to unit length, in place, rounding as scikit-learn's
    normalize does: squares in float32, summed in stored order in float64."""
    import numpy as np
    from scipy.sparse import csr_matrix

    squares = (matrix.data * matrix.data).astype(np.float64)
    # A product with a vector of ones adds each row's entries one after another, in order.
    ones = np.ones(matrix.shape[1])
    sums = csr_matrix((squares, matrix.indices, matrix.indptr), shape=matrix.shape) @ ones
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    matrix.data[:] = (matrix.data.astype(np.float64) / norms[rows]).astype(np.float32)
    return matrix


def heaviest(matrix: csr_matrix, count: int) -> csr_matrix:
    """The matrix (of positive float32) with only each row's `count` largest entries; ties
    go to the smaller column."""
    import numpy as np
    from scipy.sparse import csr_matrix

    matrix.sort_indices()
    lengths = np.diff(matrix.indptr)
    keep = np.repeat(lengths <= count, lengths)  # rows with few entries keep them all
    crowded = np.flatnonzero(~keep)  # the others' entries, row after row
    crowded_lengths = np.where(lengths > count, lengths, 0)
    # One integer per entry orders rows, then weights down: positive float32 numbers order
    # as their bit patterns do. The sort is stable, so ties keep column order.
    key = np.repeat(np.arange(len(lengths), dtype=np.int64) << 32, crowded_lengths)
    key -= matrix.data[crowded].view(np.int32)
    order = np.argsort(key, kind="stable")
    del key
    starts = np.repeat(np.cumsum(crowded_lengths) - crowded_lengths, crowded_lengths)
    keep[crowded[order[np.arange(len(order)) - starts < count]]] = True
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
    """Positions in `scores.data` that may be in their row's top `needed`: each row is cut
    in chunks of CHUNK entries, and the `needed`-th best of its chunks' maxima is a lower
    bound of its `needed`-th best score (that many chunks hold an entry at least as high).
    Entries under that bound (less a rounding margin) are left out before sorting."""
    import numpy as np

    data, indptr = scores.data, scores.indptr
    lengths = np.diff(indptr)
    chunks = -(-lengths // CHUNK)
    width = int(chunks.max(initial=0))
    if needed > width:
        return np.arange(len(data))
    chunk_row = np.repeat(np.arange(len(lengths)), chunks)
    first_chunk = np.cumsum(chunks) - chunks
    within = np.arange(len(chunk_row)) - first_chunk[chunk_row]
    maxima = np.maximum.reduceat(data, indptr[chunk_row] + CHUNK * within)
    padded = np.full((len(lengths), width), -1.0, dtype=data.dtype)
    padded[chunk_row, within] = maxima
    padded.partition(width - needed, axis=1)
    # Scores within a millionth of the bound may round to the same value: kept.
    bound = padded[:, width - needed].astype(np.float64) - 2.0 / SCORE_SCALE
    return np.flatnonzero(data >= np.repeat(bound, lengths))


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
