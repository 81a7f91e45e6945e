"""Reading a day: an abstract's lead sentences, and the other days a paper was listed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from builder.views import TextPiece

# Words that end in a period without ending a sentence (compared in lower case).
ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "cf", "vs", "al", "approx", "resp", "incl", "fig", "figs", "eq", "eqs"}
    | {"sec", "ref", "refs", "tab", "vol", "pp", "ch", "ca", "dr", "prof", "u.s", "u.k"}
)
# A sentence ends at . ! or ? (closing quotes or brackets may follow), then white space and
# something that can start a sentence: a capital, a digit, a quote or an opening bracket.
_END = re.compile(r"""[.!?]['"”’)\]]*(?=\s+['"“‘(\[]?[A-Z0-9])""")
LEAD_MIN = 100  # characters: a short first sentence ("We study X.") takes the next one along
LEAD_REST_MIN = 40  # characters: a shorter rest is not worth folding away


def sentence_ends(text: str) -> Iterator[int]:
    """Offsets just after each sentence-ending mark that ends a sentence: not after an
    abbreviation ("e.g.", "et al.") or inside a number ("3.5")."""
    for match in _END.finditer(text):
        if text[match.start()] == ".":
            before = _word_before(text, match.start()).lstrip("([\"'“‘")
            if before.lower().rstrip(".") in ABBREVIATIONS:
                continue
        yield match.end()


def _word_before(text: str, end: int) -> str:
    """The run of non-space characters ending at `end`, found by stepping back from it (a
    search from the start of the text made long abstracts quadratic)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def lead_length(text: str, minimum: int = LEAD_MIN) -> int:
    """How many characters of `text` its lead takes: whole sentences of the first paragraph
    until at least `minimum` characters; the whole text when no shorter lead exists."""
    paragraph_end = text.find("\n\n")
    limit = paragraph_end if paragraph_end >= 0 else len(text)
    for end in sentence_ends(text[:limit]):
        if end >= minimum:
            return end
    return limit


def split_lead(
    pieces: Sequence[TextPiece], minimum: int = LEAD_MIN
) -> tuple[tuple[TextPiece, ...], tuple[TextPiece, ...]]:
    """An abstract's pieces split after its lead sentences: (lead, rest). The rest is empty
    when it would be too short to be worth folding away."""
    text = "".join(piece.text for piece in pieces)
    length = lead_length(text, minimum)
    if len(text[length:].strip()) < LEAD_REST_MIN or _has_link_before(pieces, length):
        return tuple(pieces), ()
    lead: list[TextPiece] = []
    rest: list[TextPiece] = []
    position = 0
    for piece in pieces:
        end = position + len(piece.text)
        if end <= length:
            lead.append(piece)
        elif position >= length:
            rest.append(piece)
        else:
            lead.append(replace(piece, text=piece.text[: length - position]))
            rest.append(replace(piece, text=piece.text[length - position :]))
        position = end
    # The rest is read as a new paragraph: no white space before its first word.
    rest[0] = replace(rest[0], text=rest[0].text.lstrip())
    return tuple(lead), tuple(piece for piece in rest if piece.text)


def _has_link_before(pieces: Sequence[TextPiece], length: int) -> bool:
    """Whether a link starts within the first `length` characters: a link inside the
    summary of a <details> would nest one control inside another, so such a lead is not
    folded."""
    position = 0
    for piece in pieces:
        if position >= length:
            return False
        if piece.href:
            return True
        position += len(piece.text)
    return False


def other_days(days: Iterable[dt.date], on_day: dt.date) -> tuple[dt.date, ...]:
    """The days a paper was listed besides `on_day`, oldest first."""
    return tuple(sorted(day for day in set(days) if day != on_day))
