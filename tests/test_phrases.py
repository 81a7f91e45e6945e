"""Phrase matching (builder.phrases): the word-token matcher finds what the matcher it replaced
found, on any text, for any phrases."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from builder.phrases import BREAK, PhraseIndex, build_phrase_index, find_phrases, tokens_of

_TOKENS = re.compile(r"(\w+)")


def reference_find_phrases(
    text: str, index: PhraseIndex
) -> tuple[dict[int, dict[int, int]], dict[int, int]]:
    """The matcher as it was before tokens_of: words and gaps by regex, gaps checked per match."""
    parts = _TOKENS.split(text.casefold())
    words, gaps = parts[1::2], parts[2:-1:2]
    spans: dict[int, list[tuple[int, int, int]]] = {}
    excluded: dict[int, int] = {}
    for start in [i for i, word in enumerate(words) if word in index.lengths]:
        word = words[start]
        for length in index.lengths[word]:
            end = start + length
            refs = index.rules.get(tuple(words[start:end]) if length > 1 else (word,))
            joins = all(gap.replace("-", " ").isspace() for gap in gaps[start : end - 1])
            if not refs or (length > 1 and not joins):
                continue
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
                continue
            reach = -negative_end
            topic_counts[rule] = topic_counts.get(rule, 0) + 1
    return counts, excluded


WORDS = ["model", "models", "large", "language", "fine", "tuning", "ß", "straße", "ǅ", "x_1"]
PHRASES = [
    "model",
    "large model",
    "model training",
    "large language model",
    "language model",
    "fine-tuning",
    "strasse",
    "x_1 model",
]
GAPS = [" ", "-", " - ", "\t", "\n", ", ", ". ", "'", "\x1c", "\u2003", "\u00a0", "", "--", "/"]
texts = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(GAPS), st.text(max_size=5)))
rule_lists = st.lists(st.sampled_from(PHRASES), max_size=4, unique=True)


@settings(max_examples=400, deadline=None)
@given(texts.map("".join), st.lists(st.tuples(rule_lists, rule_lists), min_size=1, max_size=3))
def test_matching_finds_what_the_regex_matcher_found(text, topics):
    index = build_phrase_index(topics)
    assert find_phrases(text, index) == reference_find_phrases(text, index)


def test_tokens_break_where_a_phrase_may_not_continue():
    assert tokens_of("Fine-tuning, of LARGE  models.") == [
        "fine",
        "tuning",
        BREAK,
        "of",
        "large",
        "models",
    ]
    assert tokens_of("(Straße—x)") == ["strasse", BREAK, "x"]
    assert tokens_of("...") == []


def test_a_phrase_at_the_very_end_is_looked_up_as_what_is_left():
    # Kept as it was: "model" closing the text is counted again inside "large model".
    index = build_phrase_index([(["large model", "model", "model training"], [])])
    assert find_phrases("a large model", index) == ({0: {0: 1, 1: 1}}, {})
    assert find_phrases("a large model here", index) == ({0: {0: 1}}, {})
