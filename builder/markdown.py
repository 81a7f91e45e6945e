"""Markdown of notes turned into safe HTML: the one place where note text becomes markup.

The dialect is CommonMark plus GFM tables and strikethrough, footnotes (``[^1]``), ids on
every heading, and bare ``http(s)://`` URLs made into links. Raw HTML is escaped, never passed
through, and only ``http``, ``https``, ``mailto``, ``paper`` and scheme-less (relative or
``#fragment``) URLs may become links or images: ``javascript:``, ``vbscript:``, ``data:``,
``file:`` and anything else stay plain text.

``[text](paper:ID)`` links to the page of paper ID. Which URL that is, and whether the id
exists, is the caller's business (``paper_url``), so this module knows nothing of the site.

API, all plain data:

- ``render_markdown(source, *, path, first_line, paper_url) -> RenderedMarkdown``
  with ``html`` (a ``markupsafe.Markup``: templates insert it as is), ``problems`` (unknown
  paper ids at their file:line; never raised here, the caller collects them with everything
  else), ``headings`` (level, id, text; for a table of contents) and ``paper_ids`` (the known
  papers linked from the text, in order of first appearance).
- ``summary_text(source, limit=200) -> str``: the first paragraph as plain text, cut at a
  word boundary, for when a note has no ``summary``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from slugify import slugify

from builder.errors import Problem, display_path

PAPER_SCHEME = "paper:"
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "paper"})
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f]+")
# The footnote plugin names its anchors fn1, fnref1, …; a heading must not take those ids.
_FOOTNOTE_ID = re.compile(r"^fn(ref)?\d+(-\d+)?$")


@dataclass(frozen=True, slots=True)
class Heading:
    """One heading of a rendered text, with the id its anchor got."""

    level: int
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class RenderedMarkdown:
    """What rendering one Markdown text produced."""

    html: Markup
    problems: tuple[Problem, ...] = ()
    headings: tuple[Heading, ...] = ()
    paper_ids: tuple[str, ...] = ()


def is_safe_url(url: str) -> bool:
    """Whether a (normalised, entity-decoded) URL may become a link or image."""
    # Judge the scheme as a lenient browser might read it: percent-decoded, with the tabs,
    # newlines and control characters that URL parsers drop removed.
    bare = _INVISIBLE.sub("", unquote(url)).lower()
    match = _SCHEME.match(bare)
    return match is None or match.group(1) in SAFE_SCHEMES


def heading_slug(text: str) -> str:
    """A heading's anchor id: ASCII, lowercase, hyphenated, never empty or a footnote's."""
    slug = slugify(text, max_length=60, word_boundary=True) or "section"
    return slug + "-section" if _FOOTNOTE_ID.match(slug) else slug


class _NoteMarkdown(MarkdownIt):
    """markdown-it with an allowlist of URL schemes instead of its denylist.

    The stock validator still lets ``data:image/png`` through; notes have no need for it.
    """

    def validateLink(self, url: str) -> bool:
        return is_safe_url(url)


@functools.cache
def markdown_parser() -> MarkdownIt:
    """The one configured parser, built on first use and reused for every note.

    Building it compiles dozens of regular expressions; with thousands of notes that
    matters. It is never changed after it is built, so sharing it is safe.
    """
    md = _NoteMarkdown("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Only URLs with a scheme: fuzzy matching makes `train.py` a link to a Paraguayan site.
    assert md.linkify is not None, "linkify-it-py is a dependency"
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    # Inline footnotes (^[...]) lose their line numbers when moved to the end; notes use [^1].
    md.use(footnote_plugin, inline=False)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_slug)
    return md


def render_markdown(
    source: str,
    *,
    path: Path | str,
    first_line: int = 1,
    paper_url: Callable[[str], str | None],
) -> RenderedMarkdown:
    """Render `source`; `first_line` is the file line where it starts, for problems."""
    md = markdown_parser()
    env: dict = {}
    tokens = md.parse(source, env)
    shown = display_path(path)
    problems: list[Problem] = []
    linked: dict[str, None] = {}
    for token in tokens:
        if token.type == "inline" and token.children:
            start = first_line + (token.map[0] if token.map else 0)
            token.children = _resolve_paper_links(
                token.children, start, shown, paper_url, problems, linked
            )
    html = md.renderer.render(tokens, md.options, env)
    return RenderedMarkdown(Markup(html), tuple(problems), _headings(tokens), tuple(linked))


def _resolve_paper_links(
    children: list[Token],
    line: int,
    path: str,
    paper_url: Callable[[str], str | None],
    problems: list[Problem],
    linked: dict[str, None],
) -> list[Token]:
    """Point `paper:` links at paper pages; unknown ids become problems and plain text.

    The line is counted through the soft and hard breaks of the paragraph, so a link is
    reported where it is written (a code span broken over lines can shift it by one).
    """
    kept: list[Token] = []
    drop_close = False
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "link_close" and drop_close:
            drop_close = False
            continue
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            if href[: len(PAPER_SCHEME)].lower() == PAPER_SCHEME:
                paper_id = href[len(PAPER_SCHEME) :]
                url = paper_url(paper_id) if paper_id else None
                if url is None:
                    problems.append(_unknown_paper(path, line, paper_id))
                    drop_close = True
                    continue
                child.attrSet("href", url)
                linked.setdefault(paper_id, None)
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            if src[: len(PAPER_SCHEME)].lower() == PAPER_SCHEME:
                problems.append(
                    Problem(
                        path,
                        f"`{src}` is a paper link, not an image",
                        line,
                        hint="drop the `!` in front of the link",
                    )
                )
                child.attrSet("src", "")
        kept.append(child)
    return kept


def _unknown_paper(path: str, line: int, paper_id: str) -> Problem:
    if not paper_id:
        return Problem(
            path, "`paper:` link without a paper id", line, hint="write [text](paper:ID)"
        )
    return Problem(
        path,
        f"link to unknown paper `{paper_id}`",
        line,
        hint="use the `id:` of a paper in content/papers/",
    )


def _headings(tokens: Sequence[Token]) -> tuple[Heading, ...]:
    found: list[Heading] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.attrGet("id"):
            found.append(
                Heading(int(token.tag[1]), str(token.attrGet("id")), _text(tokens[index + 1]))
            )
    return tuple(found)


def _text(inline: Token) -> str:
    """The plain text of an inline token: what a reader sees, without markup."""
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def summary_text(source: str, limit: int = 200) -> str:
    """The first paragraph as plain text, at most `limit` characters, cut between words."""
    tokens = markdown_parser().parse(source, {})
    paragraphs = [
        tokens[index + 1] for index, token in enumerate(tokens) if token.type == "paragraph_open"
    ]
    # A top-level paragraph first; a text that is all lists or quotes still gets something.
    top = [inline for inline in paragraphs if inline.level == 1]
    for inline in top or paragraphs:
        text = _text(inline)
        if text:
            return cut_at_word(text, limit)
    return ""


def cut_at_word(text: str, limit: int) -> str:
    """`text` shortened to at most `limit` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"
