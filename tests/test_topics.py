"""Topics: taxonomy validation, the classifier, the default site's spread, `litdigest topics`."""

import datetime as dt
from pathlib import Path
from textwrap import dedent

import pytest

from builder.cli import main
from builder.errors import ContentError
from builder.phrases import spellings
from builder.records import DayListing, Record, load_day_listings
from builder.topics import (
    OTHER_SLUG,
    Pin,
    Taxonomy,
    classify,
    load_taxonomy,
    merge_pins,
    papers_by_topic,
    record_pins,
    score_paper,
)

CONTENT = Path(__file__).resolve().parent.parent / "content"

TAXONOMY = """\
topics:
  - slug: diffusion
    name: Diffusion models
    description: Generative models that undo noise.
    phrases: [diffusion, score-based]
  - slug: retrieval
    name: Retrieval
    description: Finding documents.
    phrases: [retrieval, RAG, query]
  - slug: fine-tuning
    name: Fine-tuning
    description: Adapting pretrained models.
    phrases: [fine-tuning, adapter]
    exclude: [from scratch]
  - slug: agents
    name: Agents
    description: Models that act.
    phrases: [agent, tool use]
    patterns: ['\\bReAct\\b']
  - slug: language-models
    name: Language models
    description: Large language models.
    phrases: [language model, large language model]
    weight: 0.5
other:
  name: Everything else
  description: Papers no rule matched.
"""


@pytest.fixture(autouse=True)
def _run_in_tmp_path(tmp_path, monkeypatch):
    """Problems name files relative to the working folder, as a user would see them."""
    monkeypatch.chdir(tmp_path)


def write_taxonomy(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "topics.yaml").write_text(dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def taxonomy(tmp_path: Path) -> Taxonomy:
    return load_taxonomy(write_taxonomy(tmp_path, TAXONOMY))


def paper(paper_id: str, title: str, abstract: str = "Nothing to see.", **kw) -> Record:
    return Record(paper_id, title, abstract, **kw)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ContentError) as error:
        load_taxonomy(write_taxonomy(tmp_path, text))
    return [problem.format() for problem in error.value.problems]


# --- loading and validation ----------------------------------------------------------------


def test_topics_load_in_file_order_with_other_last(taxonomy):
    assert taxonomy.slugs == (
        "diffusion",
        "retrieval",
        "fine-tuning",
        "agents",
        "language-models",
        OTHER_SLUG,
    )
    assert taxonomy.other.name == "Everything else"
    assert taxonomy.other.description == "Papers no rule matched."
    diffusion = taxonomy.get("diffusion")
    assert diffusion is not None and diffusion.line == 2
    assert diffusion.phrases == ("diffusion", "score-based")
    assert taxonomy.get("language-models").weight == 0.5  # type: ignore[union-attr]


def test_without_a_taxonomy_every_paper_is_in_other(tmp_path):
    taxonomy = load_taxonomy(tmp_path)
    assert taxonomy.slugs == (OTHER_SLUG,)
    assert taxonomy.other.name == "Other"
    assignments = classify([paper("a", "Diffusion models")], taxonomy)
    assert assignments["a"].topics == (OTHER_SLUG,)


def test_other_may_be_left_out_and_gets_a_default_name(tmp_path):
    taxonomy = load_taxonomy(write_taxonomy(tmp_path, TAXONOMY.split("other:")[0]))
    assert taxonomy.other.slug == OTHER_SLUG
    assert taxonomy.other.name == "Other"


def _topic(slug: str = "x", extra: str = "", name: str | None = None) -> str:
    return (
        f"  - slug: {slug}\n"
        f"    name: {name or 'Name ' + slug}\n"
        f"    description: About {slug}.\n" + extra
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "topic:\n" + _topic(),
            "topics.yaml:1: error: unknown key `topic` (did you mean `topics`?)",
        ),
        (
            "topics:\n" + _topic(extra="    phrase: [a]\n"),
            "topics.yaml:5: error: unknown key `phrase` in a topic (did you mean `phrases`?)",
        ),
        (
            "topics:\n" + _topic("a") + _topic("a", name="Other name"),
            "topics.yaml:5: error: duplicate slug 'a' (first used on line 2)",
        ),
        (
            "topics:\n" + _topic("a", name="Same") + _topic("b", name="same"),
            "topics.yaml:6: error: duplicate topic name 'same' (first used on line 3)",
        ),
        (
            "topics:\n" + _topic(extra="    patterns:\n      - 'ok'\n      - '(unclosed'\n"),
            "topics.yaml:7: error: pattern '(unclosed': not a valid regular expression",
        ),
        (
            "topics:\n" + _topic(extra="    patterns: ['x*']\n"),
            "topics.yaml:5: error: pattern 'x*': it matches empty text",
        ),
        (
            "topics:\n" + _topic(extra="    patterns: ['(a)\\1']\n"),
            "back-references are not supported",
        ),
        (
            "topics:\n" + _topic(extra="    phrases:\n      - C++\n"),
            "topics.yaml:6: error: phrase 'C++': a phrase is words separated by spaces or hyphens",
        ),
        (
            "topics:\n" + _topic("Diffusion_Models"),
            "topics.yaml:2: error: slug 'Diffusion_Models' may use only a-z, 0-9 and single "
            "hyphens (for example 'diffusion-models')",
        ),
        (
            "topics:\n" + _topic("page"),
            "topics.yaml:2: error: the slug 'page' is reserved for the site's own pages",
        ),
        (
            "topics:\n" + _topic("other"),
            "topics.yaml:2: error: the slug `other` is reserved for papers that match no topic "
            "(set its name and description under the top-level `other:` key)",
        ),
        (
            "topics:\n" + _topic(extra="    weight: 0\n"),
            "topics.yaml:5: error: `weight` must be a number above 0 and at most 10",
        ),
        (
            "topics:\n  - slug: x\n    description: About x.\n",
            "topics.yaml:2: error: a topic needs `name:`",
        ),
        (
            "topics:\n" + _topic(extra="    phrases: diffusion\n"),
            "topics.yaml:5: error: `phrases` must be a list (write `phrases: [...]`)",
        ),
        (
            "topics:\n" + _topic() + "other:\n  name: Misc\n  phrases: [a]\n",
            "topics.yaml:7: error: unknown key `phrases` under `other:`",
        ),
        ("- just a list\n", "topics.yaml:1: error: topics.yaml must be a mapping"),
    ],
)
def test_each_mistake_is_reported_at_its_line(tmp_path, text, expected):
    problems = problems_of(tmp_path, text)
    assert any(expected in problem for problem in problems), problems


def test_all_mistakes_are_reported_at_once(tmp_path):
    text = (
        "topics:\n"
        + _topic("a", extra="    patterns: ['[']\n    phrases: [ok]\n")
        + _topic("feed")
        + _topic("a", name="Again", extra="    exclud: [x]\n")
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) == 4, problems
    assert problems[0].startswith("topics.yaml:5: error: pattern '['")
    assert problems[1].startswith("topics.yaml:7: error: the slug 'feed' is reserved")
    assert problems[2].startswith("topics.yaml:13: error: unknown key `exclud`")
    assert "did you mean `exclude`?" in problems[2]
    assert problems[3] == "topics.yaml:10: error: duplicate slug 'a' (first used on line 2)"


def test_bad_yaml_is_reported_with_its_location(tmp_path):
    problems = problems_of(tmp_path, "topics:\n  - slug: [x\n")
    assert problems[0].startswith("topics.yaml:3:")


# --- matching and scoring ------------------------------------------------------------------


def test_title_hits_weigh_more_than_abstract_hits(taxonomy):
    record = paper("p", "A diffusion sampler", "We study retrieval and retrieval again.")
    scores = score_paper(record.title, record.abstract, taxonomy)
    assert [(s.slug, s.score) for s in scores] == [("diffusion", 3.0), ("retrieval", 2.0)]
    assert classify([record], taxonomy)["p"].topics == ("diffusion", "retrieval")


def test_abstract_repetition_is_capped(taxonomy):
    scores = score_paper("Title", "query " * 10, taxonomy)
    assert scores[0].score == 3.0
    assert scores[0].hits[0].describe() == 'phrase "query" in the abstract ×10 (+3)'


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("FINE-TUNING", "fine-tuning"),
        ("finetuning", "fine-tuning"),
        ("fine tuning", "fine-tuning"),
        ("adapters", "fine-tuning"),
        ("agents", "agents"),
        ("queries", "retrieval"),
        ("Tool-use", "agents"),
        ("score based", "diffusion"),
        ("a ReAct loop", "agents"),
    ],
)
def test_phrases_match_case_spacing_and_plural_variants(taxonomy, text, slug):
    assert [s.slug for s in score_paper(text, "", taxonomy)] == [slug]


@pytest.mark.parametrize(
    "text", ["storage fragile", "agentic", "tool. Use", "language, model", "diffusions-like"]
)
def test_phrases_match_whole_words_only(taxonomy, text):
    found = {s.slug: s for s in score_paper(text, "", taxonomy)}
    assert "retrieval" not in found and "agents" not in found
    assert "language-models" not in found


def test_a_phrase_may_run_together_and_take_a_plural_but_not_split_further():
    found = spellings(("fine", "tuning"))
    assert {("fine", "tuning"), ("finetuning",), ("fine", "tunings"), ("finetunings",)} <= found
    assert ("queries",) in spellings(("query",))
    assert ("days",) in spellings(("day",)) and ("daies",) not in spellings(("day",))
    assert spellings(("gpt", "4")) == {("gpt", "4"), ("gpt4",)}


def test_overlapping_phrases_of_one_topic_count_once(taxonomy):
    (score,) = score_paper("", "A large language model.", taxonomy)
    assert [hit.rule for hit in score.hits] == ['phrase "large language model"']
    assert score.score == 0.5  # the topic's weight


def test_an_exclusion_rules_a_topic_out(taxonomy):
    record = paper("p", "Fine-tuning adapters", "Unlike training from scratch, we retrieval.")
    (fine_tuning,) = [
        s for s in score_paper(record.title, record.abstract, taxonomy) if s.slug == "fine-tuning"
    ]
    assert fine_tuning.excluded_by == 'phrase "from scratch" in the abstract'
    assert classify([record], taxonomy)["p"].topics == (OTHER_SLUG,)


def test_a_paper_gets_at_most_three_topics_each_near_the_best(taxonomy):
    record = paper(
        "p",
        "Diffusion retrieval agents fine-tuning",
        "A language model.",
    )
    assignment = classify([record], taxonomy)["p"]
    assert assignment.topics == ("diffusion", "retrieval", "fine-tuning")
    weak = paper("q", "Diffusion score-based", "diffusion retrieval query")
    # retrieval scores 2, under half of diffusion's 7: left out.
    assert classify([weak], taxonomy)["q"].topics == ("diffusion",)


def test_ties_break_by_title_points_then_file_order(taxonomy):
    # Both score 3 from the title alone: the earlier topic in topics.yaml comes first.
    assert classify([paper("p", "retrieval diffusion")], taxonomy)["p"].topics == (
        "diffusion",
        "retrieval",
    )
    # Equal scores, but diffusion's come from the title.
    record = paper("q", "Diffusion", "retrieval retrieval retrieval")
    assert classify([record], taxonomy)["q"].topics == ("diffusion", "retrieval")
    record = paper("r", "Retrieval", "diffusion diffusion diffusion")
    assert classify([record], taxonomy)["r"].topics == ("retrieval", "diffusion")


def test_a_weak_match_goes_to_other_with_the_reason(taxonomy):
    assignment = classify([paper("p", "Title", "one query")], taxonomy)["p"]
    assert assignment.topics == (OTHER_SLUG,)
    assert assignment.reasons_for(OTHER_SLUG) == (
        "best match 'retrieval' scored 1, below the minimum of 2",
    )
    nothing = classify([paper("q", "Title", "Abstract.")], taxonomy)["q"]
    assert nothing.reasons_for(OTHER_SLUG) == ("no topic's rules matched",)


def test_reasons_name_the_rule_and_where_it_matched(taxonomy):
    assignment = classify([paper("p", "Score-based diffusion", "diffusion")], taxonomy)["p"]
    assert assignment.reasons == (
        (
            "diffusion",
            (
                'phrase "diffusion" in the title (+3)',
                'phrase "score-based" in the title (+3)',
                'phrase "diffusion" in the abstract (+1)',
            ),
        ),
    )
    assert not assignment.pinned


def test_pins_win_and_say_where_they_came_from(taxonomy):
    record = paper("p", "A diffusion model", topics=("agents",))
    listing = DayListing(dt.date(2025, 9, 8), Path("papers/x.yaml"), (record,))
    pins = merge_pins(
        record_pins([listing]),
        {"p": (Pin("retrieval", "note notes/n.md", "notes/n.md", 4),)},
    )
    assignment = classify([record], taxonomy, pins)["p"]
    assert assignment.pinned
    assert assignment.topics == ("agents", "retrieval")
    assert assignment.reasons_for("agents") == ("pinned by the record",)
    assert assignment.reasons_for("retrieval") == ("pinned by note notes/n.md",)


def test_a_pin_to_an_unknown_topic_is_reported_where_it_was_written(taxonomy):
    pins = {"p": (Pin("difusion", "note notes/n.md", "notes/n.md", 7),)}
    with pytest.raises(ContentError) as error:
        classify([paper("p", "Title")], taxonomy, pins)
    (problem,) = error.value.problems
    assert problem.format() == (
        "notes/n.md:7: error: paper 'p' is pinned to unknown topic 'difusion' "
        "(did you mean `diffusion`?)"
    )


def test_a_paper_listed_twice_is_classified_once(taxonomy):
    first = paper("p", "Diffusion")
    assignments = classify([first, paper("p", "Diffusion", "again")], taxonomy)
    assert list(assignments) == ["p"]
    members = papers_by_topic(assignments, taxonomy)
    assert members["diffusion"] == ("p",)
    assert members[OTHER_SLUG] == ()
    assert list(members) == list(taxonomy.slugs)


# --- the default site ----------------------------------------------------------------------


def test_default_site_papers_spread_over_topics():
    """On the embedded papers: at most 10% in Other, no topic with more than 30%."""
    records = {
        record.id: record
        for listing in load_day_listings(CONTENT / "papers")
        for record in listing.records
    }
    assert len(records) >= 200
    taxonomy = load_taxonomy(CONTENT)
    assignments = classify(records.values(), taxonomy)
    members = papers_by_topic(assignments, taxonomy)
    total = len(assignments)
    assert len(members[OTHER_SLUG]) <= 0.10 * total
    too_big = {slug: len(ids) for slug, ids in members.items() if len(ids) > 0.30 * total}
    assert not too_big
    assert all(1 <= len(a.topics) <= 3 for a in assignments.values())
    assert sum(1 for ids in members.values() if ids) >= 15


# --- `litdigest topics` --------------------------------------------------------------------

DAY = """\
date: 2025-09-08
papers:
  - id: fast-samplers
    title: Fast diffusion samplers
    abstract: We make diffusion sampling faster.
  - id: dense-search
    title: Dense retrieval at scale
    abstract: A query encoder.
    topics: [agents]
  - id: nothing-here
    title: Something else entirely
    abstract: No rule matches this.
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    content = write_taxonomy(tmp_path / "content", TAXONOMY)
    (content / "papers").mkdir()
    (content / "papers" / "2025-09-08.yaml").write_text(DAY, encoding="utf-8")
    return content


def test_topics_command_prints_counts_and_the_other_share(site, capsys):
    assert main(["topics", "--content", str(site)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("3 papers, 6 topics")
    rows = {line.split()[0]: line.split()[1:3] for line in out[2:-1]}
    assert rows["diffusion"] == ["1", "33.3%"]
    assert rows["retrieval"] == ["0", "0.0%"]
    assert rows["agents"] == ["1", "33.3%"]
    assert rows["other"] == ["1", "33.3%"]
    assert out[-1] == "Everything else: 1 of 3 papers (33.3%); 1.00 topics per paper; 1 pinned"


def test_explain_shows_the_rules_and_scores(site, capsys):
    assert main(["topics", "--content", str(site), "--explain", "fast-samplers"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        "fast-samplers: Fast diffusion samplers",
        "topics (by score): diffusion",
        "rule scores:",
    ]
    assert "  diffusion  4  chosen" in out
    assert '    phrase "diffusion" in the title (+3)' in out
    assert '    phrase "diffusion" in the abstract (+1)' in out


def test_explain_a_pinned_paper_shows_the_pin_and_the_scores_it_overrides(site, capsys):
    assert main(["topics", "--content", str(site), "--explain", "dense-search"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "topics (pinned): agents"
    assert "  agents: pinned by the record" in out
    assert "rule scores (the pins override them):" in out
    assert "  retrieval  4  chosen" in out


def test_explain_a_paper_in_other(site, capsys):
    assert main(["topics", "--content", str(site), "--explain", "nothing-here"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "topics (by score): other",
        "  other: no topic's rules matched",
        "no topic's rules match this paper",
    ]


def test_explain_an_unknown_id_is_a_usage_error(site, capsys):
    assert main(["topics", "--content", str(site), "--explain", "fast-sampler"]) == 2
    err = capsys.readouterr().err
    assert "no paper has the id 'fast-sampler'; did you mean fast-samplers?" in err


def test_a_bad_taxonomy_and_a_bad_pin_are_content_errors(site, capsys):
    (site / "topics.yaml").write_text("topics:\n  - slug: Bad\n", encoding="utf-8")
    assert main(["topics", "--content", str(site)]) == 1
    err = capsys.readouterr().err
    assert "topics.yaml:2: error: slug 'Bad' may use only" in err
    assert "topics.yaml:2: error: a topic needs `name:`" in err

    write_taxonomy(site, TAXONOMY)
    day = (site / "papers" / "2025-09-08.yaml").read_text().replace("[agents]", "[agent]")
    (site / "papers" / "2025-09-08.yaml").write_text(day)
    assert main(["topics", "--content", str(site)]) == 1
    err = capsys.readouterr().err
    assert (
        "2025-09-08.yaml:6: error: paper 'dense-search' is pinned to unknown topic 'agent'" in err
    )
    assert "did you mean `agents`?" in err


def test_default_site_report_runs(capsys):
    assert main(["topics", "--content", str(CONTENT)]) == 0
    out = capsys.readouterr().out
    assert "other" in out
