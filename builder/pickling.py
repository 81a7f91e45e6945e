"""Fast pickling for the frozen, slotted dataclasses the build stores and hashes."""

from __future__ import annotations

import operator
from typing import Any, TypeVar

T = TypeVar("T")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle instances as the call `cls(*fields)`. Dataclasses pickle a frozen slotted class
    through a Python function that looks up its fields on every call, which takes twice as
    long; the build pickles every page's inputs for its render key, and the memo its records."""
    names: tuple[str, ...] = vars(cls)["__slots__"]
    values = operator.attrgetter(*names)

    def reduce(self: T) -> tuple[type[T], tuple[Any, ...]]:
        found = values(self)
        return type(self), found if len(names) > 1 else (found,)

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls
