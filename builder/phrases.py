"""Phrases of topic rules: their spellings, an index of all of them, and one pass per text.

A phrase is words separated by spaces or hyphens. Matching works on a text's case-folded words
rather than on regexes, so its cost does not grow with the number of topics or phrases.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_PHRASE_WORDS = 8  # a phrase has 2**(words-1) spellings; keep the index small
_WORD = re.compile(r"\w+")

# What one spelling of a phrase stands for: the topic's position in the taxonomy, the rule number
# within the topic, and whether it is an exclusion.
_RuleRef = tuple[int, int, bool]


@dataclass(frozen=True, slots=True)
class PhraseIndex:
    """Every spelling of every phrase of every topic, so one pass over a text's words finds
    them all, however many topics there are: a dict lookup per word and phrase length."""

    lengths: Mapping[str, tuple[int, ...]]  # first word -> word counts of spellings starting so
    rules: Mapping[tuple[str, ...], tuple[_RuleRef, ...]]  # spelling -> the rules it matches


def phrase_words(phrase: str) -> tuple[str, ...]:
    """A phrase as the case-folded words it is made of; only words, spaces and hyphens."""
    words = tuple(word.casefold() for word in re.split(r"[\s\-]+", phrase) if word)
    if not words or not all(_WORD.fullmatch(word) for word in words):
        raise ValueError(
            "a phrase is words separated by spaces or hyphens (use `patterns:` for other text)"
        )
    if len(words) > MAX_PHRASE_WORDS:
        raise ValueError(f"a phrase may have at most {MAX_PHRASE_WORDS} words")
    return words


def spellings(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """How a phrase may appear as words: any neighbours run together ("fine-tuning" is also
    "finetuning"), and a final letter may take a plural (s, es, or y → ies)."""
    found: set[tuple[str, ...]] = set()
    for mask in range(1 << (len(words) - 1)):
        joined = [words[0]]
        for position, word in enumerate(words[1:]):
            if mask >> position & 1:
                joined[-1] += word
            else:
                joined.append(word)
        last = joined[-1]
        plurals = {last}
        if last[-1].isalpha():
            plurals |= {last + "s", last + "es"}
            if last[-1] == "y" and len(last) > 1 and last[-2] not in "aeiou":
                plurals.add(last[:-1] + "ies")
        found.update((*joined[:-1], plural) for plural in plurals)
    return found


def build_phrase_index(
    topics: Sequence[tuple[Sequence[str], Sequence[str]]],
) -> PhraseIndex:
    """Index every spelling of every (phrases, exclusions) pair, by topic position."""
    rules: dict[tuple[str, ...], set[_RuleRef]] = {}
    for position, (phrases_, exclusions) in enumerate(topics):
        for phrases, is_exclusion in ((phrases_, False), (exclusions, True)):
            for rule, phrase in enumerate(phrases):
                for spelling in spellings(phrase_words(phrase)):
                    rules.setdefault(spelling, set()).add((position, rule, is_exclusion))
    lengths: dict[str, set[int]] = {}
    for spelling in rules:
        lengths.setdefault(spelling[0], set()).add(len(spelling))
    return PhraseIndex(
        {word: tuple(sorted(found)) for word, found in lengths.items()},
        {spelling: tuple(sorted(refs)) for spelling, refs in rules.items()},
    )


# A text's words and the gaps between them, for texts that are not all ASCII after case
# folding; `\w` is Unicode-aware, so only a regex splits those as matching expects.
_TOKENS = re.compile(r"(\w+)")
# Stands between two words whose gap holds more than spaces and hyphens: no phrase spans it.
BREAK = "|"
# ASCII folded text to tokens without a regex (the split was most of matching's cost): word
# characters stay, spaces and hyphens become a space, anything else becomes BREAK.
_ASCII_TOKENS = {
    code: " " if chr(code).isspace() or chr(code) == "-" else BREAK
    for code in range(128)
    if not (chr(code).isalnum() or chr(code) == "_")
}


def tokens_of(text: str) -> list[str]:
    """A text's case-folded words in order, with BREAK between two words that a phrase may
    not span (their gap holds more than spaces and hyphens); nothing before the first word
    or after the last."""
    folded = text.casefold()
    if folded.isascii():
        spaced = folded.translate(_ASCII_TOKENS).strip(" " + BREAK)
        return spaced.replace(BREAK, f" {BREAK} ").split()
    parts = _TOKENS.split(folded)
    tokens = parts[1:2]
    for gap, word in zip(parts[2:-1:2], parts[3::2], strict=True):
        if not gap.replace("-", " ").isspace():
            tokens.append(BREAK)
        tokens.append(word)
    return tokens


def find_phrases(text: str, index: PhraseIndex) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """Phrase counts per topic position (rule -> count), and the first exclusion per topic.

    A phrase continues across a gap of spaces or hyphens only. Where phrases of one topic
    overlap ("language model" in "large language model"), only the longest counts: a stretch
    of text is evidence for a topic once.
    """
    tokens = tokens_of(text)
    spans: dict[int, list[tuple[int, int, int]]] = {}
    excluded: dict[int, int] = {}
    lengths, rules = index.lengths, index.rules
    for start in itertools.compress(itertools.count(), map(lengths.__contains__, tokens)):
        word = tokens[start]
        for length in lengths[word]:
            # A spelling never holds BREAK. One longer than the rest of the text is looked
            # up as what is left of it, as matching always has (see test_phrases).
            refs = rules.get(tuple(tokens[start : start + length]) if length > 1 else (word,))
            if not refs:
                continue
            end = start + length
            for topic, rule, is_exclusion in refs:
                if is_exclusion:
                    excluded.setdefault(topic, rule)
                else:
                    spans.setdefault(topic, []).append((start, -end, rule))
    counts: dict[int, dict[int, int]] = {}
    for topic, found in spans.items():
        reach = -1
        topic_counts = counts[topic] = {}
        for _start, negative_end, rule in sorted(found):
            if -negative_end <= reach:
                continue  # inside a longer phrase of the same topic
            reach = -negative_end
            topic_counts[rule] = topic_counts.get(rule, 0) + 1
    return counts, excluded
