"""Titles and abstracts from any source, normalised the same way: whitespace and LaTeX debris.

Every import source (text dump, Hugging Face JSON, arXiv Atom) passes its titles and abstracts
through `clean_text`, so one paper reads the same whichever source brought it. Only markup that
never means anything to a reader is undone — text-formatting commands, escaped specials, `~`,
accents, ``quotes'' — and math (`$O(n^2)$`) and unknown macros are left as they are. URLs are
never touched: `~` and `_` are common in them.
"""

from __future__ import annotations

import re
import unicodedata

# Commands whose argument is the text to keep: \emph{X} is X.
_FORMAT_COMMANDS = (
    "emph|textit|textbf|texttt|textsc|textsf|textrm|textsl|textup|textmd|textnormal"
    "|underline|mbox|text"
)
_FORMAT = re.compile(rf"\\(?:{_FORMAT_COMMANDS})\s*\{{([^{{}}]*)\}}")
# Old-style switches inside a group: {\em X} is X.
_SWITCH = re.compile(r"\{\\(?:em|it|bf|tt|sc|sf|rm|sl|small|footnotesize)\s+([^{}]*)\}")
_ESCAPED = re.compile(r"\\([%&_#$])")
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303"}
_ACCENT = re.compile(
    r"\{\\(['`^\"~])\s*\{?([A-Za-z])\}?\}"  # {\'e} and {\'{e}}
    r"|\\(['`^\"~])\{([A-Za-z])\}"  # \'{e}
    r"|\\(['`^\"~])([A-Za-z])"  # \'e
)
_QUOTES = re.compile(r"``([^`']*?)''")
_TILDE = re.compile(r"(?<=\S)~(?=\S)")
_CONTROL_SPACE = re.compile(r"\\ ")
_TILDE_BEFORE_URL = re.compile(r"~(?=\\url|\\href|https?://)", re.IGNORECASE)
# What is left verbatim: \href{url}{text}, \url{url} and bare URLs.
_VERBATIM = re.compile(
    r"\\href\s*\{(?P<href>[^{}\s]+)\}\s*\{(?P<label>[^{}]*)\}"
    r"|\\url\s*\{(?P<url>[^{}\s]+)\}"
    r"|(?P<bare>https?://[^\s{}<>\"]+)",
    re.IGNORECASE,
)


def clean_text(text: str) -> str:
    """Text as one line: NFC, whitespace collapsed, LaTeX text markup undone, URLs kept."""
    text = _TILDE_BEFORE_URL.sub(" ", _plain_characters(text))
    out: list[str] = []
    position = 0
    for match in _VERBATIM.finditer(text):
        out.append(_undo_markup(text[position : match.start()]))
        if match.group("href"):
            url, label = match.group("href"), _undo_markup(match.group("label")).strip()
            out.append(url if label in ("", url) else f"{label} ({url})")
        else:
            out.append(match.group("url") or match.group("bare"))
        position = match.end()
    out.append(_undo_markup(text[position:]))
    return " ".join("".join(out).split())


def _plain_characters(text: str) -> str:
    """NFC; control and odd space characters are spaces; zero-width and soft hyphens go."""
    chars = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if char.isspace() or category in ("Cc", "Zl", "Zp"):
            chars.append(" ")
        elif category != "Cf":
            chars.append(char)
    return "".join(chars)


def _undo_markup(text: str) -> str:
    text = _ACCENT.sub(_accented, text)
    previous = None
    while previous != text:  # nested markup comes undone from the inside out
        previous = text
        text = _FORMAT.sub(r"\1", text)
        text = _SWITCH.sub(r"\1", text)
    text = _QUOTES.sub("\u201c\\1\u201d", text)
    text = _ESCAPED.sub(r"\1", text)
    text = _CONTROL_SPACE.sub(" ", text)
    text = _TILDE.sub(" ", text)
    return unicodedata.normalize("NFC", text)


def _accented(match: re.Match[str]) -> str:
    groups = [group for group in match.groups() if group is not None]
    accent, letter = groups
    return unicodedata.normalize("NFC", letter + _ACCENTS[accent])
