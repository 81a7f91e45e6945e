"""Problems found in content, collected rather than raised one by one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one input, located as precisely as the input allows."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    def location(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        text = f"{self.location()}: {self.severity}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ContentError(Exception):
    """Raised once with every problem a stage found, so the user sees them all at once."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self) -> tuple[type[ContentError], tuple[tuple[Problem, ...]]]:
        """Pickled whole, so a render worker's problems reach the build intact."""
        return (ContentError, (self.problems,))


class UsageError(Exception):
    """The command line itself is wrong (exit status 2)."""


def display_path(path: Path | str, base: Path | None = None) -> str:
    """A path as the user would type it: relative to `base` (or the cwd) when inside it."""
    path = Path(path)
    for root in (base, Path.cwd()):
        if root is None:
            continue
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


class ProblemList:
    """Accumulates problems during a stage; `raise_if_any` ends the stage when needed."""

    def __init__(self) -> None:
        self._items: list[Problem] = []

    def add(
        self,
        path: Path | str,
        message: str,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        severity: str = "error",
    ) -> None:
        self._items.append(Problem(display_path(path), message, line, column, hint, severity))

    def extend(self, problems: Iterable[Problem]) -> None:
        self._items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self._items if p.severity == "error"]

    @property
    def all(self) -> list[Problem]:
        return list(self._items)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ContentError(self._items)
