"""Markdown of notes: features, safety, paper: links with file:line, summaries.

The fixture files in tests/fixtures/markdown/ hold Markdown input and expected HTML in
markdown-it-py's format (title line, `.`, input, `.`, expected HTML, `.`). After a deliberate
change of output, regenerate them with

    LITDIGEST_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_markdown.py

and read the diff before committing it.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from markdown_it.utils import read_fixture_file
from markupsafe import Markup

from builder import markdown as markdown_module
from builder.markdown import (
    Heading,
    LinkForm,
    cut_at_word,
    heading_slug,
    is_safe_url,
    markdown_parser,
    render_markdown,
    summary_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
XSS_CORPUS = Path(__file__).parent / "fixtures" / "xss" / "vectors.txt"
FIXTURE_FILES = sorted(FIXTURES.glob("*.md"))
UPDATE = os.environ.get("LITDIGEST_UPDATE_GOLDEN") == "1"
KNOWN = {"known-paper", "other-paper"}
REL = 'rel="noopener noreferrer"'


def paper_url(paper_id: str) -> str | None:
    return f"/papers/{paper_id}/" if paper_id in KNOWN else None


def render(source: str, first_line: int = 1):
    return render_markdown(
        source, path="content/notes/n.md", first_line=first_line, paper_url=paper_url
    )


def _cases():
    for path in FIXTURE_FILES:
        for line, title, source, expected in read_fixture_file(path):
            yield pytest.param(path, source, expected, id=f"{path.stem}:{line}:{title}")


@pytest.mark.parametrize(("path", "source", "expected"), list(_cases()))
def test_fixture(path, source, expected):
    html = str(render(source).html)
    if UPDATE and html != expected:
        _regenerate(path)
        pytest.skip("expected output regenerated")
    assert html == expected


def _regenerate(path: Path) -> None:
    """Rewrite every expected output of a fixture file from the current renderer."""
    cases = read_fixture_file(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    parts = lines[: cases[0][0] - 1] if cases else lines
    for _line, title, source, _expected in cases:
        parts.append(f"{title}\n.\n{source}.\n{render(source).html}.\n\n")
    path.write_text("".join(parts).rstrip("\n") + "\n", encoding="utf-8")


def load_xss_vectors(path: Path = XSS_CORPUS) -> dict[str, str]:
    """The corpus of XSS vectors: name -> Markdown body (format in the file's preamble)."""
    vectors: dict[str, str] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("=== "):
            name = line[4:].strip()
            assert name not in vectors, f"duplicate vector {name}"
            vectors[name] = ""
        elif name is not None:
            vectors[name] += line.replace("{NUL}", "\x00")
    return {name: body.rstrip("\n") + "\n" for name, body in vectors.items()}


XSS_VECTORS = load_xss_vectors()
# Elements that run script, load documents or change how the page or its URLs are read.
FORBIDDEN_TAGS = frozenset(
    {
        *("script", "style", "iframe", "frame", "frameset", "object", "embed", "applet"),
        *("form", "input", "button", "textarea", "select", "base", "meta", "link"),
        *("svg", "math", "template", "noscript", "video", "audio", "source", "body"),
    }
)
FORBIDDEN_ATTRIBUTES = frozenset(
    {"style", "name", "srcdoc", "srcset", "formaction", "action", "target", "background"}
)
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "poster", "background", "cite", "xlink:href"}
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\x9f]+")


def url_scheme_is_bad(url: str) -> bool:
    """Whether a URL could run script, read as leniently as any browser might read it."""
    bare = _IGNORED_IN_URLS.sub("", unquote(url)).lower()
    return bare.startswith(BAD_SCHEMES)


class _DangerFinder(HTMLParser):
    """Everything in an HTML fragment that could run script; attributes come entity-decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name in FORBIDDEN_ATTRIBUTES:
                self.found.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and url_scheme_is_bad(value or ""):
                self.found.append(f"{name}={value!r} on <{tag}>")
            if name == "id":
                self.ids.append(value or "")

    handle_startendtag = handle_starttag


def dangers(html: str) -> tuple[list[str], list[str]]:
    """What in `html` could run script, and the ids it defines."""
    finder = _DangerFinder()
    finder.feed(html)
    finder.close()
    if "<script" in html.lower():
        finder.found.append("<script in the text")
    return finder.found, finder.ids


def test_the_corpus_is_large_and_well_formed():
    assert len(XSS_VECTORS) >= 60
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in XSS_VECTORS)
    assert all(body.strip() for body in XSS_VECTORS.values())


@pytest.mark.parametrize("name", sorted(XSS_VECTORS))
def test_no_xss_vector_yields_dangerous_markup(name):
    result = render(XSS_VECTORS[name])
    found, ids = dangers(str(result.html))
    assert found == []
    # Only ids this module made: headings' and footnotes', never one written in raw HTML.
    made = {heading.id for heading in result.headings}
    assert [i for i in ids if i not in made and not re.fullmatch(r"fn(ref)?\d+(:\d+)?", i)] == []


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<p onclick='x'>a</p>", "onclick= on <p>"),
        ('<a href=" &#10;JaVa&#x09;script:x">a</a>', "href=' \\nJaVa\\tscript:x' on <a>"),
        ('<img src="%64ata:image/png,x">', "src='%64ata:image/png,x' on <img>"),
        ("<IFRAME src=x></IFRAME>", "<iframe> element"),
        ("<a name=x>", "name= on <a>"),
    ],
)
def test_the_danger_finder_finds_what_it_should(html, problem):
    assert problem in dangers(html)[0]


def test_the_markdown_xss_fixture_yields_no_dangerous_markup():
    """A second line of defence: whatever the expected outputs say, none of this gets out."""
    (xss,) = [path for path in FIXTURE_FILES if path.stem == "xss"]
    for _line, title, source, _expected in read_fixture_file(xss):
        assert dangers(str(render(source).html))[0] == [], title


def test_raw_html_ids_are_dropped_but_markdown_ids_kept():
    result = render("# Intro\n\n<h2 id='intro'>x</h2> <a id='fnref1'>y</a>\n\nA[^1]\n\n[^1]: B\n")
    ids = dangers(str(result.html))[1]
    assert ids == ["intro", "fnref1", "fn1"]


def test_the_id_mark_never_reaches_the_output():
    result = render("# A\n\nB[^1] [c](#a)\n\n[^1]: D\n")
    assert re.findall(r'(?:id|href)="([^"]*)"', str(result.html)) == [
        "a",
        "#fn1",
        "fnref1",
        "#a",
        "fn1",
        "#fnref1",
    ]


def test_raw_text_tags_are_shown_not_swallowed():
    html = str(render("A <textarea>\n\n**still here**\n\n<style>x</style>\n").html)
    assert "&lt;textarea&gt;" in html and "<strong>still here</strong>" in html
    assert "&lt;style&gt;x&lt;/style&gt;" in html


def test_one_sanitizer_call_per_text(monkeypatch):
    """Speed: the whole body is sanitized at once, however much raw HTML it holds."""
    calls = []
    clean = markdown_module.nh3.clean
    monkeypatch.setattr(
        markdown_module.nh3, "clean", lambda html, **kw: calls.append(html) or clean(html, **kw)
    )
    render("<sup>1</sup>\n\n# H\n\n<details><summary>s</summary>\n\n*x*\n\n</details>\n" * 50)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://arxiv.org/abs/1", True),
        ("http://example.org", True),
        ("mailto:a@example.org", True),
        ("paper:some-id", True),
        ("../relative", True),
        ("#fragment", True),
        ("/absolute/path", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("  javascript:alert(1)", False),
        ("java%09script:alert(1)", False),
        ("%6Aavascript:alert(1)", False),
        ("vbscript:x", False),
        ("data:image/png;base64,AAAA", False),
        ("file:///etc/passwd", False),
        ("ftp://example.org", False),
    ],
)
def test_only_allowlisted_schemes_are_safe(url, safe):
    assert is_safe_url(url) is safe


def test_html_is_markup_so_templates_do_not_escape_it_twice():
    html = render("*hi*").html
    assert isinstance(html, Markup)
    assert html == "<p><em>hi</em></p>\n"


def test_paper_links_point_at_paper_pages_and_are_listed_once():
    result = render("[a](paper:known-paper), [b](paper:other-paper) and [c](paper:known-paper)")
    assert f'<a href="/papers/known-paper/" {REL}>a</a>' in result.html
    assert f'<a href="/papers/other-paper/" {REL}>b</a>' in result.html
    assert result.paper_ids == ("known-paper", "other-paper")
    assert result.problems == ()


def test_the_paper_scheme_is_case_insensitive():
    assert '<a href="/papers/known-paper/"' in render("[a](Paper:known-paper)").html


def test_unknown_paper_link_is_a_problem_at_its_file_line():
    source = "Intro.\n\nFirst line\nsecond [x](paper:nope) line\n"
    result = render(source, first_line=8)
    (problem,) = result.problems
    assert problem.format() == (
        "content/notes/n.md:11: error: link to unknown paper `nope`"
        " (use the `id:` of a paper in content/papers/)"
    )
    assert "paper:nope" not in result.html and "<a" not in result.html
    assert "second x line" in result.html
    assert result.paper_ids == ()


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("| a | b |\n|---|---|\n| 1 | 2 |\n| [x](paper:bad) | 3 |\n", 4),
        ("> quote\n> more\n> [x](paper:bad)\n", 3),
        ("- one\n- two\n  continued [x](paper:bad)\n", 3),
        ("Text.[^1]\n\n[^1]: See\n    [x](paper:bad).\n", 4),
        ("# Heading [x](paper:bad)\n", 1),
        ("Hard break\\\n[x](paper:bad)\n", 2),
        ("<paper:bad>\n", 1),
    ],
    ids=["table", "quote", "list", "footnote", "heading", "hard-break", "autolink"],
)
def test_unknown_paper_lines_in_every_kind_of_block(source, line):
    (problem,) = render("Intro.\n\n" + source, first_line=10).problems
    assert problem.line == 10 + 2 + line - 1
    assert "unknown paper `bad`" in problem.message


def test_several_bad_links_are_all_reported():
    result = render("[a](paper:x)\n[b](paper:y)\n\n[c](paper:)\n", first_line=5)
    assert [(p.line, p.message) for p in result.problems] == [
        (5, "link to unknown paper `x`"),
        (6, "link to unknown paper `y`"),
        (8, "`paper:` link without a paper id"),
    ]


def test_a_paper_link_as_an_image_is_a_problem():
    result = render("![fig](paper:known-paper)\n", first_line=3)
    (problem,) = result.problems
    assert (problem.line, problem.message) == (
        3,
        "`paper:known-paper` is a paper link, not an image",
    )
    assert "paper:" not in result.html


def test_headings_are_reported_with_their_ids_top_level_at_h2():
    """The note's title is its page's h1, so a note's top-most heading is an h2."""
    result = render("# Intro\n\nText\n\n## Results *so far*\n\n## Results so far\n")
    assert result.headings == (
        Heading(2, "intro", "Intro"),
        Heading(3, "results-so-far", "Results so far"),
        Heading(3, "results-so-far-1", "Results so far"),
    )
    assert "<h1" not in result.html and "<h7" not in render("# One\n\n###### Six\n").html
    assert render("## Two\n\n### Three\n").headings == (
        Heading(2, "two", "Two"),
        Heading(3, "three", "Three"),
    )


@pytest.mark.parametrize(
    ("text", "slug"),
    [("What they did", "what-they-did"), ("Über Résumé", "uber-resume"), ("🙂", "section")],
)
def test_heading_slugs(text, slug):
    assert heading_slug(text) == slug


def test_heading_ids_never_take_footnote_ids():
    html = render("## fn1\n\nText[^1]\n\n[^1]: Note.\n").html
    assert '<h2 id="fn1-section">' in html and '<li id="fn1" ' in html


@pytest.mark.parametrize("text", ["Main", "Papers title", "Abstract Title"])
def test_heading_ids_never_take_the_themes_ids(text):
    assert heading_slug(text).endswith("-section")


def test_linkify_needs_a_scheme():
    html = render("Code at https://github.com/x/y, see model.py and example.com").html
    assert f'<a href="https://github.com/x/y" {REL}>https://github.com/x/y</a>,' in html
    assert "model.py and example.com" in html


def test_the_parser_is_built_once():
    assert markdown_parser() is markdown_parser()


def test_rendering_does_not_change_the_shared_parser():
    render("[x](paper:bad) # h\n\n[^1]: y\n")
    assert render("Text[^1]\n\n[^1]: Note.\n").html.count('id="fn1"') == 1


def test_summary_is_the_first_paragraph_as_plain_text():
    source = (
        "# A heading\n\nThe *first* paragraph with [a link](paper:known-paper), `code`\n"
        "and a second line.[^1]\n\nSecond paragraph.\n\n[^1]: Footnote.\n"
    )
    assert summary_text(source) == ("The first paragraph with a link, code and a second line.")


def test_summary_falls_back_to_a_nested_paragraph():
    assert summary_text("- item one\n- item two\n") == "item one"
    assert summary_text("# Only a heading\n") == ""


def test_summary_is_cut_at_a_word_boundary():
    text = "word " * 100
    summary = summary_text(text, limit=23)
    assert summary == "word word word word…"
    assert len(summary) <= 23


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly ten", 11, "exactly ten"),
        ("one two three", 9, "one two…"),
        ("one two, three", 9, "one two…"),
        ("unbreakablelongword", 8, "unbreak…"),
    ],
)
def test_cut_at_word(text, limit, expected):
    assert cut_at_word(text, limit) == expected
    assert len(cut_at_word(text, limit)) <= limit


def test_fragment_links_carry_the_page_url_when_read_away_from_the_page():
    """In a feed, `#fn1` would point into the feed reader; it must name the note's page."""
    source = "Text[^1] and [up](#intro).\n\n[^1]: A note.\n"
    kwargs = {"path": "n.md", "paper_url": lambda _: None}
    on_page = render_markdown(source, **kwargs).html
    in_feed = render_markdown(source, fragment_base="https://x.org/notes/n/", **kwargs).html
    assert 'href="#fn1"' in on_page and 'href="#intro"' in on_page
    assert 'href="https://x.org/notes/n/#fn1"' in in_feed
    assert 'href="https://x.org/notes/n/#intro"' in in_feed
    assert 'href="#' not in in_feed


def test_forms_write_one_parse_as_separate_renders_would():
    """A note's page and its feeds link the same targets differently; rendering once with
    two forms must give exactly what two renders with those URLs give."""
    source = (
        "See [a](paper:known-paper), [b](/topics/x/#top), ![i](/img.png) and [c](#up)[^1].\n\n"
        "[^1]: A [footnote](paper:other-paper).\n\n[gone](paper:nope)\n"
    )
    pages = {"topics/x/", "img.png"}

    def page(to: str) -> str:
        return "../../" + to

    def absolute(to: str) -> str:
        return "https://x.org/" + to

    common = {"path": "n.md", "page_path": "notes/n/", "base_url": "https://x.org/"}
    separate = [
        render_markdown(
            source,
            paper_url=lambda pid, url=url: url(f"papers/{pid}/") if pid in KNOWN else None,
            site_url=lambda path, url=url: url(path) if path in pages else None,
            fragment_base=base,
            **common,
        )
        for url, base in ((page, ""), (absolute, "https://x.org/notes/n/"))
    ]
    once = render_markdown(
        source,
        paper_url=lambda pid: f"papers/{pid}/" if pid in KNOWN else None,
        site_url=lambda path: path if path in pages else None,
        forms=(LinkForm(page), LinkForm(absolute, "https://x.org/notes/n/")),
        **common,
    )
    assert (once.html, *once.also) == (separate[0].html, separate[1].html)
    assert 'href="../../papers/known-paper/"' in once.html
    assert 'href="https://x.org/topics/x/#top"' in once.also[0]
    assert once.problems == separate[0].problems and len(once.problems) == 1
    assert once.paper_ids == ("known-paper", "other-paper")


def test_a_render_gives_the_summary_of_its_text():
    source = "# Title\n\nThe first [paragraph](paper:known-paper), *with* `code`.\n\nMore.\n"
    assert render(source).summary == summary_text(source) == ("The first paragraph, with code.")
