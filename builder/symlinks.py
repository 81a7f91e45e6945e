"""Symlinks that lead out of the content or theme folder: refused before anything is read.

A pull request can add a symlink as easily as a file. One named `notes/x.md` pointing at
`../../etc/passwd`, or a theme template pointing at a secret, would otherwise be read and
published. Links that stay inside their folder are fine (they are ordinary aliases).
"""

from __future__ import annotations

import os
from pathlib import Path

from builder.errors import Problem, display_path


def links_leaving(folder: Path, what: str) -> list[Problem]:
    """A problem for every symlink under `folder` whose target lies outside it."""
    if not folder.is_dir():
        return []
    root = Path(os.path.realpath(folder))
    problems = []
    for parent, folders, files in os.walk(folder):  # symlinked folders are listed, not entered
        for name in sorted([*folders, *files]):
            path = Path(parent, name)
            if not path.is_symlink():
                continue
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(root):
                problems.append(
                    Problem(
                        display_link(path),
                        f"is a symlink to {os.readlink(path)}, outside the {what} folder; "
                        "refusing to read it",
                        hint=f"copy the file into the {what} folder instead of linking to it",
                    )
                )
    return problems


def display_link(link: Path) -> str:
    """A path as the user would type it, naming a symlink itself, not where it leads
    (display_path resolves it)."""
    if not link.is_symlink():
        return display_path(link)
    folder = display_path(Path(os.path.realpath(link.absolute().parent)))
    return link.name if folder == "." else f"{folder}/{link.name}"
