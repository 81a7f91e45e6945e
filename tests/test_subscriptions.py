"""Saved-search feeds, OPML and the no-repeat rule: config checked at the door, matching
against hand-computed expectations, feeds built and listed, every feed of the default site."""

from __future__ import annotations

import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from builder.build import build_site
from builder.config import load_config
from builder.errors import ContentError
from builder.grouping import make_papers, merge_listings
from builder.records import DayListing, Record
from builder.subscriptions import SavedFeed, describe_rules, match_saved_feeds
from tests.support.links import internal_path, target_file

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "site"
D1, D2, D3 = dt.date(2025, 3, 11), dt.date(2025, 3, 14), dt.date(2025, 9, 8)

# --- site.yaml --------------------------------------------------------------------------------


def config_problems(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_config(tmp_path)
    return [problem.format() for problem in error.value.problems]


def test_a_feed_by_rule_is_read_with_all_its_parts(tmp_path):
    (tmp_path / "site.yaml").write_text(
        "feeds:\n"
        "  - slug: fast-llms\n"
        "    title: Fast LLMs\n"
        "    include:\n"
        "      - quantization\n"
        "      - [mixture of experts, inference]\n"
        "    exclude: [survey]\n"
        "    topics: [language-models]\n"
        "    min_upvotes: 3\n",
        encoding="utf-8",
    )
    (feed,) = load_config(tmp_path).saved_feeds
    assert feed == SavedFeed(
        "fast-llms",
        "Fast LLMs",
        feed.description,
        (("quantization",), ("mixture of experts", "inference")),
        ("survey",),
        ("language-models",),
        3,
        2,
        (8,),
    )
    assert feed.description == (
        "Papers that mention “quantization” or (“mixture of experts” and “inference”); "
        "are in the topic language-models; have at least 3 upvotes; never mention “survey”."
    )


def test_every_mistake_in_feeds_is_named_with_its_line_and_a_fix(tmp_path):
    problems = config_problems(
        tmp_path,
        "feeds:\n"
        "  - slug: Good Feed\n"  # 2
        "    title: T\n"
        "    include: [x]\n"
        "    min_upvote: 3\n"  # 5
        "  - slug: opml\n"  # 6
        "    title: T\n"
        "    include: [[], 'C++']\n"  # 8
        "  - slug: a\n"
        "    title: A\n"
        "    exclude: [survey]\n"
        "  - slug: b\n"
        "    title: B\n"
        "    topics: x\n"  # 14
        "  - slug: norule\n"  # 15
        "    title: Nothing\n"
        "    min_upvotes: -1\n"  # 17
        "  - title: No slug\n"  # 18
        "    description: ''\n"  # 19
        "    include: quantization\n",  # 20
    )
    expected = [
        ":2: error: feed slug 'Good Feed' may use only a-z, 0-9 and single hyphens "
        "(for example 'good-feed')",
        ":5: error: unknown setting `min_upvote` in a feed (did you mean `min_upvotes`?)",
        ":6: error: the feed slug 'opml' is reserved for the site's own files",
        ":8: error: an `include` group must name at least one phrase",
        ":8: error: phrase 'C++': a phrase is words separated by spaces or hyphens",
        ":14: error: `topics` must be a list of topic slugs",
        ":17: error: `min_upvotes` must be a whole number, 0 or more",
        ":18: error: a feed needs `slug:`",
        ":19: error: a feed's `description` must be non-empty text",
        ":20: error: `include` must be a list: phrases, or lists of phrases that must all appear",
    ]
    for part in expected:
        assert any(part in problem for problem in problems), (part, problems)
    assert len(problems) == len(expected)


def test_two_feeds_may_not_share_a_slug_and_a_feed_needs_a_rule(tmp_path):
    problems = config_problems(
        tmp_path,
        "feeds:\n"
        "  - {slug: same, title: A, exclude: [survey]}\n"
        "  - {slug: same, title: B, topics: [x]}\n"
        "  - {slug: bare, title: C}\n",
    )
    assert any(":3: error: two feeds have the slug 'same'" in p for p in problems)
    assert any("the first is on line 2" in p for p in problems)
    assert any(":4: error: a feed needs a rule" in p for p in problems)


def test_a_feed_naming_an_unknown_topic_fails_the_build_at_its_line(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    with (content / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("feeds:\n  - slug: r\n    title: R\n    topics:\n      - retreival\n")
    with pytest.raises(ContentError) as error:
        build_site(content, out_dir=tmp_path / "site")
    (problem,) = error.value.problems
    assert problem.path.endswith("site.yaml") and problem.line == 14
    assert "feed 'r' names unknown topic 'retreival'" in problem.message
    assert problem.hint == "did you mean `retrieval`?"
    assert not (tmp_path / "site").exists()


# --- matching ---------------------------------------------------------------------------------


def corpus():
    """Five papers, hand-written so every rule below has a known answer."""
    records = {
        "moe": Record(
            "moe", "Sparse Mixture-of-Experts at Scale", "Faster inference for LLMs.", upvotes=12
        ),
        "quant": Record(
            "quant", "Quantization Survey", "We survey quantization of LLMs.", upvotes=40
        ),
        "ft": Record("ft", "Finetuning Agents", "Large language models as agents.", upvotes=2),
        "lm": Record("lm", "A Large Language Model", "It is a language model."),
        "garden": Record("garden", "Gardening", "Tomatoes and fine tuning of soil.", upvotes=0),
    }

    def listing(date, *ids):
        return DayListing(date, Path(f"{date}.yaml"), tuple(records[i] for i in ids))

    merged, days = merge_listings(
        [listing(D1, "moe", "quant", "ft"), listing(D2, "lm", "moe"), listing(D3, "garden")]
    )
    topics = {
        "moe": ("efficiency", "llm"),
        "quant": ("efficiency",),
        "ft": ("agents", "llm"),
        "lm": ("llm",),
        "garden": ("other",),
    }
    return make_papers(merged, days, topics), days


def feed(slug="f", include=(), exclude=(), topics=(), min_upvotes=None) -> SavedFeed:
    return SavedFeed(slug, slug, "", include, exclude, topics, min_upvotes)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        # OR of groups; a group needs every phrase. Hyphen and spacing spellings all match.
        (feed(include=(("mixture of experts", "inference"), ("quantization",))), ["moe", "quant"]),
        (feed(include=(("mixture of experts", "survey"),)), []),
        # Exclusions win over inclusions.
        (feed(include=(("quantization",), ("llm",)), exclude=("survey",)), ["moe"]),
        # "fine-tuning" is also "finetuning" and "fine tuning"; "agent" takes its plural.
        (feed(include=(("fine-tuning", "agent"),)), ["ft"]),
        (feed(include=(("fine-tuning",),)), ["garden", "ft"]),
        # A phrase inside a longer phrase of the same rule still counts as present.
        (feed(include=(("large language model", "language model"),)), ["lm", "ft"]),
        # Topics: any of them; combined with a phrase by AND.
        (feed(topics=("agents", "efficiency")), ["moe", "quant", "ft"]),
        (feed(topics=("llm",), include=(("inference",),)), ["moe"]),
        # Upvotes: at least N; a paper without a count never passes.
        (feed(min_upvotes=12), ["moe", "quant"]),
        (feed(min_upvotes=0), ["garden", "moe", "quant", "ft"]),
        (feed(exclude=("survey",)), ["garden", "lm", "moe", "ft"]),
    ],
)
def test_feeds_by_rule_match_the_hand_computed_papers(rule, expected):
    papers, days = corpus()
    # Newest first by first listing day: garden (D3), lm (D2), then D1 in listing order; moe,
    # listed on D1 and D2, is one paper dated D1.
    assert list(match_saved_feeds([rule], papers, days)["f"]) == expected


def test_every_rule_is_said_in_words():
    rule = feed(
        include=(("a",), ("b c", "d")), exclude=("e", "f"), topics=("x", "y"), min_upvotes=5
    )
    assert describe_rules(rule) == (
        "mention “a” or (“b c” and “d”)",
        "are in the topic x or y",
        "have at least 5 upvotes",
        "never mention “e” or “f”",
    )


# --- feeds of the fixture site ----------------------------------------------------------------

SAVED = """feeds:
  - slug: fast-diffusion
    title: Fast diffusion
    description: Faster diffusion & score-based models.
    include:
      - [diffusion, faster]
      - score-based
    exclude: [retrieval]
  - slug: retrieval-only
    title: Retrieval
    topics: [retrieval]
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("saved")
    shutil.copytree(FIXTURE, root / "content")
    with (root / "content" / "site.yaml").open("a", encoding="utf-8") as config:
        config.write(SAVED)
    build_site(root / "content", out_dir=root / "site")
    return root / "site"


BASE = "https://example.org/fixture/"


def test_saved_feeds_are_built_as_rss_and_atom_with_the_expected_papers(site):
    expected = {
        "fast-diffusion": ["score-based-models-revisited", "fast-diffusion-sampling"],
        # dense-retrieval-limits is pinned to retrieval by a note; the other matches by rule.
        "retrieval-only": ["retrieval-with-diffusion", "dense-retrieval-limits"],
    }
    for slug, ids in expected.items():
        for name in ("feed.xml", "atom.xml"):
            parsed = feedparser.parse((site / "feeds" / slug / name).read_bytes())
            assert not parsed.bozo, parsed.get("bozo_exception")
            assert [e.link for e in parsed.entries] == [f"{BASE}papers/{i}/" for i in ids]
            assert [e.id for e in parsed.entries] == [e.link for e in parsed.entries]
        page = (site / "feeds" / slug / "index.html").read_text(encoding="utf-8")
        for paper_id in ids:
            assert f'href="../../papers/{paper_id}/"' in page
    fast = feedparser.parse((site / "feeds" / "fast-diffusion" / "feed.xml").read_bytes())
    assert fast.feed.title == "Fixture Digest: Fast diffusion"
    assert fast.feed.subtitle == "Faster diffusion & score-based models."
    # A paper listed on two days is one item, dated by its first listing day.
    assert fast.entries[1].published_parsed[:3] == (2025, 3, 11)


def test_the_feeds_page_lists_saved_feeds_and_explains_subscribing(site):
    html = (site / "feeds" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="feeds-saved-title">Saved searches</h2>' in html
    assert '<h2 id="feeds-how-title">How to subscribe</h2>' in html
    for path in ("feeds/fast-diffusion/feed.xml", "feeds/retrieval-only/atom.xml", "feeds.opml"):
        assert f'value="{BASE}{path}" readonly' in html
    assert 'href="../feeds.opml" download type="text/x-opml"' in html


def test_the_opml_file_lists_every_feed_once_and_each_resolves_to_a_built_feed(site):
    root = ET.fromstring((site / "feeds.opml").read_bytes())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Fixture Digest: every feed"
    assert root.findtext("head/dateCreated") == "Fri, 14 Mar 2025 00:00:00 GMT"
    groups = [outline.get("text") for outline in root.findall("body/outline")]
    assert groups == ["Whole site", "Saved searches", "By topic"]
    feeds = root.findall("body/outline/outline")
    urls = [outline.get("xmlUrl") for outline in feeds]
    assert len(urls) == len(set(urls))
    for outline in feeds:
        assert outline.get("type") == "rss" and outline.get("text")
        path = internal_path(outline.get("xmlUrl"), BASE)
        assert path is not None and path.endswith("feed.xml"), path
        parsed = feedparser.parse((site / path).read_bytes())
        assert not parsed.bozo and parsed.feed.title == outline.get("title"), path
        assert target_file(site, internal_path(outline.get("htmlUrl"), BASE)), outline.attrib
    built = sorted(p.relative_to(site).as_posix() for p in site.rglob("feed.xml"))
    assert sorted(internal_path(url, BASE) for url in urls) == built


# --- no repeats, over every feed of the default site ------------------------------------------


@pytest.fixture(scope="module")
def default_feeds(tmp_path_factory) -> dict[str, feedparser.FeedParserDict]:
    out = tmp_path_factory.mktemp("default") / "site"
    build_site(ROOT / "content", out_dir=out)
    return {
        path.relative_to(out).as_posix(): feedparser.parse(path.read_bytes())
        for path in sorted(out.rglob("*.xml"))
        if path.name in ("feed.xml", "atom.xml")
    }


def test_no_feed_of_the_default_site_has_a_paper_twice(default_feeds):
    config = load_config(ROOT / "content")
    assert config.saved_feeds, "the default site should show saved-search feeds"
    paper_feeds = 0
    for path, parsed in default_feeds.items():
        assert not parsed.bozo, path
        ids = [entry.id for entry in parsed.entries]
        assert len(ids) == len(set(ids)), f"{path}: an item twice"
        papers = [entry for entry in parsed.entries if "/papers/" in entry.link]
        if papers:
            paper_feeds += 1
            assert len(papers) == len(parsed.entries), f"{path}: papers mixed with other items"
            for entry in papers:
                # The GUID is the paper's permalink: its page on the site.
                assert entry.id == entry.link, path
                assert internal_path(entry.link, config.base_url).startswith("papers/"), path
    topics = (ROOT / "content" / "topics.yaml").read_text().count("\n  - slug: ")
    assert paper_feeds >= 2 * (topics + len(config.saved_feeds))


def test_a_paper_listed_on_several_days_and_topics_is_one_item_per_feed():
    papers, days = corpus()
    assert papers["moe"].days == (D1, D2) and len(papers["moe"].topics) == 2
    found = match_saved_feeds(
        [feed("a", topics=("llm", "efficiency")), feed("b", include=(("inference",),))],
        papers,
        days,
    )
    assert found["a"].count("moe") == 1 and found["b"] == ("moe",)
