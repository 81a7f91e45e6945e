"""`litdigest check`: every content problem, found without writing a site.

It runs exactly the checks a build runs before writing (build.prepare_site), drafts
included, so a pull request that passes check builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from builder.build import prepare_site
from builder.errors import ContentError, Problem


def check_content(content_dir: Path) -> tuple[Problem, ...]:
    """All problems of the content folder, errors and warnings, in a stable order."""
    try:
        prepare_site(content_dir, base_url=None, drafts=True)
    except ContentError as error:
        return _ordered(error.problems)
    return ()


def _ordered(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    unique = dict.fromkeys(problems)
    return tuple(sorted(unique, key=lambda p: (p.path, p.line or 0, p.column or 0, p.message)))


def format_problem(problem: Problem, style: str) -> str:
    """One line per problem: `path:line:col: error: message`, or a GitHub annotation."""
    if style == "github":
        properties = [f"file={_escape_property(problem.path)}"]
        if problem.line is not None:
            properties.append(f"line={problem.line}")
            if problem.column is not None:
                properties.append(f"col={problem.column}")
        message = problem.message + (f" ({problem.hint})" if problem.hint else "")
        level = "error" if problem.severity == "error" else "warning"
        return f"::{level} {','.join(properties)}::{_escape_data(message)}"
    return problem.format()


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
