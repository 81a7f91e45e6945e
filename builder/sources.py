"""What `litdigest import` reads: a text dump, Hugging Face daily-papers JSON or arXiv Atom.

The format is recognised by content — JSON starts with `[` or `{`, XML with `<`, anything
else is a page copied as text — unless `--format` names it. Every source becomes a `Dump`:
days of papers, so the importer has one shape to merge.
"""

from __future__ import annotations

from pathlib import Path

from builder.arxiv_atom import parse_arxiv_atom
from builder.dumps import Dump, read_dump
from builder.errors import ContentError, Problem, display_path
from builder.hf_json import parse_hf_daily
from builder.yamlio import read_text

TEXT, HF_JSON, ARXIV_ATOM = "text", "hf-json", "arxiv-atom"
FORMATS = (TEXT, HF_JSON, ARXIV_ATOM)
AUTO = "auto"


def detect_format(data: bytes) -> str:
    """The format a file's first meaningful character points to."""
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1]
    if start in (b"[", b"{"):
        return HF_JSON
    if start == b"<":
        return ARXIV_ATOM
    return TEXT


def read_source(path: Path, fmt: str = AUTO) -> Dump:
    """Read one import file in the given format (or the one its content shows)."""
    if fmt not in (AUTO, *FORMATS):  # pragma: no cover - the CLI offers only these
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == TEXT or not path.is_file():
        return read_dump(path)  # a missing file or a folder is reported there
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(
            [Problem(display_path(path), f"cannot read: {exc.strerror or exc}")]
        ) from None
    fmt = detect_format(data) if fmt == AUTO else fmt
    if fmt == HF_JSON:
        return parse_hf_daily(read_text(path), path)
    if fmt == ARXIV_ATOM:
        return parse_arxiv_atom(data, path)
    return read_dump(path)
