"""Results of slow, pure build steps, kept between builds in the cache folder.

Parsing a day file, classifying the papers, relating them, rendering a note: each is a pure
function of what it reads, so its result is stored under a hash of exactly that (and of the
builder's own code) and taken from there while those inputs stay the same. An entry carries
a checksum of its bytes; a missing, damaged or unreadable entry is simply made again, and a
cache folder that cannot be written only costs the next build its shortcuts.

Entries are pickles: the cache folder is the builder's own working space beside the
project (like `__pycache__`), never content.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
_DIGEST = 32  # bytes of the blake2b checksum in front of every entry


def digest(*parts: bytes | str) -> str:
    """A key made of `parts`, each length-prefixed so that no two lists of parts collide."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


class Memo:
    """Stored results by kind and key; `folder` None stores nothing (every result is made)."""

    def __init__(self, folder: Path | None, code: str = ""):
        self.folder = folder
        self.code = code  # the builder's code fingerprint: new code, new keys
        self.used: dict[str, set[str]] = {}
        self.hits = 0
        self.misses = 0
        self.made: dict[str, int] = {}  # results made (not read), by kind
        self._file_keys: dict[Path, str] = {}

    def file_key(self, path: Path, limit: int | None = None) -> str | None:
        """A key for one input file: its name and bytes (read once per build). None for
        anything but a regular file of at most `limit` bytes: the step reading it reports
        that, and a FIFO must not be opened (it would wait for a writer)."""
        key = self._file_keys.get(path)
        if key is None:
            try:
                found = os.stat(path)
            except OSError:
                return None
            if not stat.S_ISREG(found.st_mode) or (limit is not None and found.st_size > limit):
                return None
            key = self._file_keys[path] = digest(str(path), path.read_bytes())
        return key

    def get(
        self,
        kind: str,
        key: str,
        make: Callable[[], T],
        valid: Callable[[T], bool] | None = None,
    ) -> T:
        """The stored result for `key`, or `make()`'s, then stored. A stored result that
        `valid` refuses is made again: for results that depend on more than their key, and
        carry what they depended on so that `valid` can check it."""
        key = digest(self.code, key)
        self.used.setdefault(kind, set()).add(key)
        if self.folder is None:
            self.made[kind] = self.made.get(kind, 0) + 1
            return make()
        path = self.folder / kind / f"{key}.pickle"
        found = _read(path)
        if found is not None and (valid is None or valid(found[0])):  # type: ignore[arg-type]
            self.hits += 1
            return found[0]  # type: ignore[return-value]
        self.misses += 1
        self.made[kind] = self.made.get(kind, 0) + 1
        value = make()
        _write(path, (value,))
        return value

    def prune(self) -> None:
        """Remove the entries of every kind used in this build that it did not use."""
        if self.folder is None:
            return
        for kind, keys in self.used.items():
            with contextlib.suppress(OSError):
                for path in (self.folder / kind).iterdir():
                    if path.suffix == ".pickle" and path.stem not in keys:
                        path.unlink(missing_ok=True)


def _read(path: Path) -> tuple[object] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = data[_DIGEST:]
    if (
        len(data) <= _DIGEST
        or hashlib.blake2b(body, digest_size=_DIGEST).digest() != data[:_DIGEST]
    ):
        return None
    try:
        found = pickle.loads(body)
    except Exception:  # a class that changed shape: make it again
        return None
    return found if isinstance(found, tuple) and len(found) == 1 else None


def _write(path: Path, value: object) -> None:
    try:
        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
        with os.fdopen(handle, "wb") as file:
            file.write(hashlib.blake2b(body, digest_size=_DIGEST).digest() + body)
        os.replace(temporary, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temporary)
