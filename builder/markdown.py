"""Markdown of notes turned into safe HTML: the one place where note text becomes markup.

The dialect is CommonMark plus GFM tables and strikethrough, footnotes (``[^1]``), ids on
every heading, and bare ``http(s)://`` URLs made into links. Only ``http``, ``https``,
``mailto``, ``paper`` and scheme-less (relative or ``#fragment``) URLs may become links or
images: ``javascript:``, ``vbscript:``, ``data:``, ``file:`` and anything else stay plain text.

Notes may hold a little raw HTML (``<sup>``, ``<kbd>``, ``<details>``, ``<abbr title>``, …).
The whole rendered body then goes through the nh3 sanitizer, once, with an allowlist of tags,
attributes, classes and URL schemes (`ALLOWED_TAGS`, `ALLOWED_ATTRIBUTES`, `_CLASSES`):
no script, no event handlers, no ``style``, no frames, objects, forms or ``<base>``, and
images only over ``https`` or from the site itself. An ``id`` survives only if this module
made it (headings and footnotes); ids and names written in raw HTML are dropped, so a note
cannot clobber the page's DOM or steal its anchors. Every link gets ``rel="noopener
noreferrer"``.

``[text](paper:ID)`` links to the page of paper ID. Which URL that is, and whether the id
exists, is the caller's business (``paper_url``), so this module knows nothing of the site.

API, all plain data:

- ``render_markdown(source, *, path, first_line, paper_url) -> RenderedMarkdown``
  with ``html`` (a ``markupsafe.Markup``: templates insert it as is), ``problems`` (unknown
  paper ids at their file:line; never raised here, the caller collects them with everything
  else), ``headings`` (level, id, text; for a table of contents) and ``paper_ids`` (the known
  papers linked from the text, in order of first appearance).
  With ``forms``, the text is parsed once and written once per `LinkForm` (a note's page
  and its feeds link the same targets differently): ``html`` is the first, ``also`` the rest.
- ``summary_text(source, limit=200) -> str``: the first paragraph as plain text, cut at a
  word boundary, for when a note has no ``summary`` (``RenderedMarkdown.summary`` too).
"""

from __future__ import annotations

import functools
import posixpath
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
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

# What the sanitizer lets through: what Markdown makes, and the few inline and block elements
# writers ask for. Anything else loses its tag and keeps its text.
ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
        *("em", "strong", "b", "i", "s", "del", "ins", "mark", "small", "sub", "sup", "q"),
        *("kbd", "samp", "var", "abbr", "a", "img", "figure", "figcaption"),
        *("ul", "ol", "li", "dl", "dt", "dd", "details", "summary", "section"),
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"),
    }
)
# These go with everything inside them: their text is code, or was never meant to be read.
DROPPED_WITH_CONTENT = frozenset(
    {
        *("script", "style", "template", "noscript", "iframe", "frame", "frameset"),
        *("object", "embed", "applet", "noembed", "noframes", "svg", "math"),
        *("textarea", "select", "title", "xmp", "plaintext"),
    }
)
# No `style` (the page's CSP refuses inline style anyway), no `on*`, no `name`, no `target`.
# `id` and `class` are listed here, then narrowed by `_keep_attribute`.
_HEADING_ATTRIBUTES = frozenset({"id"})
_CELL_ATTRIBUTES = frozenset({"colspan", "rowspan", "class"})
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"title", "lang"}),
    "a": frozenset({"href", "id", "class"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "details": frozenset({"open"}),
    "ol": frozenset({"start", "reversed", "class"}),
    "li": frozenset({"id", "class"}),
    "code": frozenset({"class"}),
    "sup": frozenset({"class"}),
    "hr": frozenset({"class"}),
    "section": frozenset({"class"}),
    "th": _CELL_ATTRIBUTES,
    "td": _CELL_ATTRIBUTES,
    **{f"h{level}": _HEADING_ATTRIBUTES for level in range(1, 7)},
}
# The classes Markdown gives elements (footnotes, code languages, table alignment); others go.
_CLASSES: dict[str, re.Pattern[str]] = {
    "a": re.compile(r"footnote-backref"),
    "code": re.compile(r"language-[\w.+#-]+"),
    "hr": re.compile(r"footnotes-sep"),
    "li": re.compile(r"footnote-item"),
    "ol": re.compile(r"footnotes-list"),
    "section": re.compile(r"footnotes"),
    "sup": re.compile(r"footnote-ref"),
    "th": re.compile(r"align-(left|center|right)"),
    "td": re.compile(r"align-(left|center|right)"),
}
# nh3 drops links with other schemes; `_keep_attribute` also applies `is_safe_url`, which
# reads percent-encoded and control-character-split schemes as Markdown links are read.
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"
_TABLE_ALIGN = re.compile(r"^text-align:(left|center|right)$")
# GFM's "disallowed raw HTML": tags whose content the browser reads as raw text, so one left
# open would swallow (or, sanitized away, delete) the rest of the note. They are shown as text.
_RAW_TEXT_TAG = re.compile(
    r"<(?=/?(?:title|textarea|style|xmp|iframe|noembed|noframes|script|plaintext|noscript)"
    r"(?:[\s/>]|$))",
    re.IGNORECASE,
)


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
    also: tuple[Markup, ...] = ()  # the text written with each further `LinkForm`
    summary: str = ""  # the first paragraph as plain text (`summary_text`)


@dataclass(frozen=True, slots=True)
class LinkForm:
    """One way of writing a text's links to paper and site pages: `url(target)` for each
    target the resolvers gave, and `fragment_base` in front of `#…` links."""

    url: Callable[[str], str]
    fragment_base: str = ""


def _as_given(target: str) -> str:
    return target


def is_safe_url(url: str) -> bool:
    """Whether a (normalised, entity-decoded) URL may become a link or image."""
    # Judge the scheme as a lenient browser might read it: percent-decoded, with the tabs,
    # newlines and control characters that URL parsers drop removed.
    bare = _INVISIBLE.sub("", unquote(url)).lower()
    match = _SCHEME.match(bare)
    return match is None or match.group(1) in SAFE_SCHEMES


def is_safe_image_url(url: str) -> bool:
    """Whether an image may be loaded from `url`: over https, or from the site itself."""
    bare = _INVISIBLE.sub("", unquote(url)).lower()
    match = _SCHEME.match(bare)
    return match is None or match.group(1) == "https"


# The theme's own ids are `main` and names ending in `-title`; a note heading never takes one.
_THEME_ID = re.compile(r"^(main|.*-title)$")


def heading_slug(text: str) -> str:
    """A heading's anchor id: ASCII, lowercase, hyphenated, never empty, a footnote's or the
    theme's."""
    slug = slugify(text, max_length=60, word_boundary=True) or "section"
    clashes = _FOOTNOTE_ID.match(slug) or _THEME_ID.match(slug)
    return slug + "-section" if clashes else slug


def _demote_headings(state: StateCore) -> None:
    """A note's top-most heading becomes h2, the rest keep their steps below it: the note's
    title is its page's one h1, and `#` or `##` for sections both read right."""
    headings = [t for t in state.tokens if t.type in ("heading_open", "heading_close")]
    if not headings:
        return
    shift = 2 - min(int(token.tag[1]) for token in headings)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


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
    # Raw HTML is parsed here and made safe by `sanitize_html` after rendering.
    md = _NoteMarkdown("commonmark", {"html": True, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    # Only URLs with a scheme: fuzzy matching makes `train.py` a link to a Paraguayan site.
    assert md.linkify is not None, "linkify-it-py is a dependency"
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    # Inline footnotes (^[...]) lose their line numbers when moved to the end; notes use [^1].
    md.use(footnote_plugin, inline=False)
    md.use(anchors_plugin, min_level=1, max_level=6, slug_func=heading_slug)
    # Before the anchors, so a heading's shown `<script>` text is also in its slug.
    md.core.ruler.before("anchor", "tagfilter", _filter_raw_text_tags)
    md.core.ruler.before("anchor", "heading_ids", _unique_heading_ids)
    md.core.ruler.push("demote_headings", _demote_headings)
    return md


def _unique_heading_ids(state: StateCore) -> None:
    """Give headings the ids the anchors plugin would (`x`, `x-1`, `x-2`, …) in linear time.

    The plugin searches from `x-1` again for every heading, so a note of 30,000 headings
    named alike took minutes; here each name's search resumes where it stopped. The plugin
    keeps ids that are already set.
    """
    taken: set[str] = set()
    next_number: dict[str, int] = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        children = state.tokens[index + 1].children or ()
        title = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        slug = base = heading_slug(title)
        if slug in taken:
            number = next_number.get(base, 1)
            while f"{base}-{number}" in taken:
                number += 1
            slug, next_number[base] = f"{base}-{number}", number + 1
        taken.add(slug)
        token.attrSet("id", slug)


def _filter_raw_text_tags(state: StateCore) -> None:
    """Show raw-text tags (`<script>`, `<iframe>`, …) written as raw HTML as text."""
    for token in state.tokens:
        if token.type == "html_block":
            token.content = _RAW_TEXT_TAG.sub("&lt;", token.content)
        for child in token.children or ():
            if child.type == "html_inline" and _RAW_TEXT_TAG.match(child.content):
                child.type = "text"


def render_markdown(
    source: str,
    *,
    path: Path | str,
    first_line: int = 1,
    paper_url: Callable[[str], str | None],
    site_url: Callable[[str], str | None] | None = None,
    page_path: str = "",
    base_url: str | None = None,
    fragment_base: str = "",
    forms: Sequence[LinkForm] = (),
) -> RenderedMarkdown:
    """Render `source`; `first_line` is the file line where it starts, for problems.

    With `site_url`, links into the site (`/topics/x/`, `../other-note/`, or absolute under
    `base_url`) are checked too: `site_url(site_path)` gives the URL to write, or None when
    the site has no such page, which is a problem. `page_path` is where the text is shown.
    `fragment_base` goes in front of `#…` links, for text read away from its page (feeds).

    With `forms`, `paper_url` and `site_url` give targets rather than URLs, and the text is
    written once per form (`fragment_base` is then each form's): parsed and checked once.
    """
    md = markdown_parser()
    # Ids this render makes carry `mark` until they are sanitized; ids without it came from
    # raw HTML and are dropped. The footnote plugin puts `-docId-` into its ids and links.
    doc_id = secrets.token_hex(8)
    mark = f"-{doc_id}-"
    env: dict = {"docId": doc_id}
    tokens = md.parse(source, env)
    summary = _summary(tokens)
    shown = display_path(path)
    problems: list[Problem] = []
    linked: dict[str, None] = {}
    # Resolved links are written as placeholders that each form's sanitizing pass turns into
    # its URL; raw HTML cannot forge one, as it cannot know `doc_id`.
    targets: dict[str, tuple[str, str]] = {}
    for token in tokens:
        if token.type == "inline" and token.children:
            start = first_line + (token.map[0] if token.map else 0)
            links = _Links(
                shown, paper_url, site_url, page_path, base_url, problems, linked, doc_id, targets
            )
            token.children = _resolve_links(token.children, start, links)
    headings = _headings(tokens)
    _mark_ids_and_align_cells(tokens, mark)
    raw = md.renderer.render(tokens, md.options, env)
    written = [
        Markup(sanitize_html(raw, mark, form.fragment_base, form.url, targets))
        for form in forms or (LinkForm(_as_given, fragment_base),)
    ]
    return RenderedMarkdown(
        written[0], tuple(problems), headings, tuple(linked), tuple(written[1:]), summary
    )


def sanitize_html(
    html: str,
    mark: str,
    fragment_base: str = "",
    url: Callable[[str], str] = _as_given,
    targets: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """`html` with only allowlisted tags, attributes and URLs; ids kept only if marked.
    A link placeholder in `targets` becomes `url(target)` and its fragment."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=functools.partial(
            _keep_attribute, mark, fragment_base, url, targets or {}
        ),
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _keep_attribute(
    mark: str,
    fragment_base: str,
    url: Callable[[str], str],
    targets: Mapping[str, tuple[str, str]],
    element: str,
    name: str,
    value: str,
) -> str | None:
    """An allowed attribute's value as it may appear in the page, or None to drop it."""
    if name in ("href", "src") and value in targets:
        target, fragment = targets[value]
        value = url(target) + fragment
    if name == "id":
        return value.replace(mark, "") if mark in value else None
    if name == "href":
        if value.startswith("#"):  # a footnote or heading of this text
            value = fragment_base + value.replace(mark, "")
        return value if is_safe_url(value) else None
    if name == "src":
        return value if is_safe_image_url(value) else None
    if name == "class":
        pattern = _CLASSES.get(element)
        kept = [word for word in value.split() if pattern and pattern.fullmatch(word)]
        return " ".join(kept) or None
    return value


def _mark_ids_and_align_cells(tokens: Sequence[Token], mark: str) -> None:
    """Mark heading ids as this render's own; table alignment as a class, not a style."""
    for token in tokens:
        if token.type == "heading_open" and token.attrGet("id"):
            token.attrSet("id", mark + str(token.attrGet("id")))
        elif token.type in ("th_open", "td_open") and token.attrGet("style"):
            align = _TABLE_ALIGN.match(str(token.attrGet("style")))
            del token.attrs["style"]
            if align:
                token.attrSet("class", f"align-{align.group(1)}")


@dataclass(frozen=True, slots=True)
class _Links:
    """What resolving the links of one text needs, and where it reports."""

    path: str
    paper_url: Callable[[str], str | None]
    site_url: Callable[[str], str | None] | None
    page_path: str
    base_url: str | None
    problems: list[Problem]
    linked: dict[str, None]
    doc_id: str
    targets: dict[str, tuple[str, str]]  # placeholder -> (target, #fragment)

    def placeholder(self, target: str, fragment: str = "") -> str:
        """What a resolved link is written as until each form gives it its URL."""
        found = f"/{self.doc_id}/{len(self.targets)}"
        self.targets[found] = (target, fragment)
        return found


def _resolve_links(children: list[Token], line: int, links: _Links) -> list[Token]:
    """Point `paper:` and site links at their pages; a link to nothing becomes a problem
    and plain text.

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
            url = _link_target(href, line, links)
            if url is None:
                drop_close = True
                continue
            child.attrSet("href", url)
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            if src[: len(PAPER_SCHEME)].lower() == PAPER_SCHEME:
                links.problems.append(
                    Problem(
                        links.path,
                        f"`{src}` is a paper link, not an image",
                        line,
                        hint="drop the `!` in front of the link",
                    )
                )
                child.attrSet("src", "")
            else:
                child.attrSet("src", _site_link(src, line, links) or "")
        kept.append(child)
    return kept


def _link_target(href: str, line: int, links: _Links) -> str | None:
    """Where a link should point, or None (problem reported) when it points nowhere."""
    if href[: len(PAPER_SCHEME)].lower() != PAPER_SCHEME:
        return _site_link(href, line, links)
    paper_id = href[len(PAPER_SCHEME) :]
    url = links.paper_url(paper_id) if paper_id else None
    if url is None:
        links.problems.append(_unknown_paper(links.path, line, paper_id))
        return None
    links.linked.setdefault(paper_id, None)
    return links.placeholder(url)


def _site_link(href: str, line: int, links: _Links) -> str | None:
    """A link into the site made relative to where it is shown; other links unchanged."""
    if links.site_url is None:
        return href
    target = site_path_of(href, links.page_path, links.base_url)
    if target is None:
        return href
    path, fragment = target
    if path.startswith("../") or path == "..":
        message = f"link `{href}` leaves the site"
    else:
        url = links.site_url(path)
        if url is None and path and not path.endswith("/") and "." not in path.rsplit("/")[-1]:
            url = links.site_url(path + "/")  # `/topics/x` works like `/topics/x/`
        if url is not None:
            return links.placeholder(url, fragment)
        message = f"link `{href}` points to no page of the site"
    links.problems.append(
        Problem(
            links.path,
            message,
            line,
            hint="site links start at the site root, "
            "e.g. /topics/diffusion/; link papers with paper:ID",
        )
    )
    return None


def site_path_of(href: str, page_path: str, base_url: str | None) -> tuple[str, str] | None:
    """(site path, #fragment) of a link into the site, or None for other links.

    `/x/` is the site's root whatever sub-path the site is published under; a relative
    link is resolved against `page_path`; an absolute one counts when under `base_url`.
    """
    if not href or href.startswith("#"):
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if not base_url or not href.startswith(base_url):
            return None
        parts = urlsplit(href[len(base_url) :])
        path = parts.path
    elif parts.path.startswith("/"):
        path = parts.path.lstrip("/")
    else:
        folder = page_path if page_path.endswith("/") else posixpath.dirname(page_path)
        path = posixpath.normpath(posixpath.join(folder, parts.path))
        if parts.path.endswith("/") and not path.endswith("/"):
            path += "/"
    path = unquote(path)
    if path in (".", "./", "/"):
        path = ""
    return path, (f"#{parts.fragment}" if parts.fragment else "")


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
    return _summary(markdown_parser().parse(source, {}), limit)


def _summary(tokens: Sequence[Token], limit: int = 200) -> str:
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
