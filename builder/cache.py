"""The build cache: what the last build of an output folder wrote, so the next one can skip
work.

The manifest (JSON under `.cache/build/`, one per output folder) records a fingerprint of
every input and, per output file, its hash, size, modification time and, for pages, the key of
what it was rendered from. A page whose render key is unchanged, and whose file in the
current site still has the recorded size and time, is kept instead of rendered; any other
file whose bytes are unchanged is kept instead of rewritten (builder.output). A missing,
unreadable, damaged or foreign manifest is ignored: the cost is a full build, never a wrong
site. Slow steps' results are kept apart, in the memo (builder.memo).
"""

from __future__ import annotations

import copyreg
import functools
import hashlib
import io
import os
import pickle
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

import builder
from builder.output import FileRecord, all_intact
from builder.render import Theme
from builder.views import CardSlot, PaperCard

CACHE_VERSION = 3
_BUILDER_DIR = Path(builder.__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Manifest:
    inputs: str  # fingerprint of every input of the build that wrote the site
    files: Mapping[str, FileRecord]


def cache_path(project_dir: Path, out_dir: Path) -> Path:
    """Where the manifest of one output folder lives."""
    name = hashlib.sha256(os.fsencode(out_dir.absolute())).hexdigest()[:16]
    return project_dir / ".cache" / "build" / f"{name}.json"


def memo_path(project_dir: Path) -> Path:
    """Where slow steps' results are kept between builds (builder.memo)."""
    return project_dir / ".cache" / "memo"


def search_cache_path(project_dir: Path, out_dir: Path) -> Path:
    """Where the search index's shards of one output folder are kept between builds
    (builder.search): builds into two folders must not prune each other's shards."""
    return project_dir / ".cache" / "search" / cache_path(project_dir, out_dir).stem


def fingerprint(paths: Iterable[Path], options: object) -> str:
    """A fingerprint of the inputs: every file's path and bytes, the builder's own code, and
    the build options. Any edit, addition or removal changes it. Bytes, not times: two saves
    within one clock tick must not look alike, and hashing is cheap beside building."""
    digest = hashlib.blake2b(repr(options).encode(), digest_size=32)
    for folder in sorted({*paths, _BUILDER_DIR}):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else [folder]:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path}\0".encode())
                digest.update(hashlib.blake2b(path.read_bytes(), digest_size=32).digest())
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """The builder's own source: a change to it changes every render key and memo key.
    Read once per process: the code running does not change while it runs."""
    digest = hashlib.sha256()
    for path in sorted(_BUILDER_DIR.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def render_salt(theme: Theme, config: object, options: object) -> str:
    """What every page's rendering depends on besides its own view: the builder's code, the
    theme's files and the site configuration."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for folder in theme.folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(path.as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(repr((config, options)).encode())
    return digest.hexdigest()


class RenderKeys:
    """What each page is rendered from: the salt, its template and its (meta, view), pickled.

    Equal views pickle alike; where two pickles of equal data differ, the only cost is a
    render that could have been skipped. Paper cards appear on many pages (lists, related
    papers), so each card is pickled once and stands in other pages' pickles as its digest:
    a paper page's key costs its own fields, not five more abstracts.
    """

    def __init__(self, salt: str, card_inputs: Callable[[str], bytes] | None = None):
        """`card_inputs`, if given, is a digest of everything the card of a paper id is made
        from (builder.pages), which then stands for the card without pickling it."""
        self.salt = salt.encode()
        self._card_inputs = card_inputs
        self._cards: dict[int, tuple[PaperCard | CardSlot, bytes]] = {}  # by id, kept alive
        self._table = copyreg.dispatch_table | {
            PaperCard: self._card_digest,
            CardSlot: self._card_digest,
        }

    def key(self, template: str, meta: object, view: object) -> str:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.dispatch_table = self._table
        pickler.dump((meta, view))
        digest = hashlib.sha256(self.salt)
        digest.update(template.encode())
        digest.update(buffer.getbuffer())
        return digest.hexdigest()

    def key_of_inputs(self, template: str, inputs: bytes) -> str:
        """A page's key from a digest of what its view is made from (not the view itself)."""
        digest = hashlib.sha256(self.salt)
        digest.update(template.encode())
        digest.update(b"\0inputs\0")
        digest.update(inputs)
        return digest.hexdigest()

    def _card_digest(self, card: PaperCard | CardSlot) -> tuple[type[bytes], tuple[bytes]]:
        """A card, or the slot standing for it (builder.views.CardSlot), as its digest: the
        same bytes either way, so a page's key does not depend on whether its cards were made."""
        known = self._cards.get(id(card))
        if known is None or known[0] is not card:
            if isinstance(card, CardSlot):
                assert self._card_inputs is not None, "slots are keyed by their card's inputs"
                digest = self._card_inputs(card.paper_id)
            elif self._card_inputs is not None:
                digest = self._card_inputs(card.id)
            else:
                digest = hashlib.sha256(pickle.dumps(card, protocol=5)).digest()
            known = self._cards[id(card)] = (card, digest)
        return bytes, (known[1],)


def load_manifest(path: Path) -> Manifest | None:
    """The manifest, or None when it is missing or cannot be trusted."""
    try:
        check, _, text = path.read_bytes().partition(b"\n")
        if check != _checksum(text):
            return None
        body = orjson.loads(text)
        if body["version"] != CACHE_VERSION:
            return None
        # Checked by its checksum, so each entry is the four fields written: a damaged one
        # has failed that check, and a foreign one with other fields fails here.
        files = {name: FileRecord(*entry) for name, entry in body["files"].items()}
        return Manifest(str(body["inputs"]), files)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


def manifest_text(manifest: Manifest) -> bytes:
    """The manifest as saved: a line with the checksum of the JSON below it, so damage is
    detected before the JSON is even read. JSON through orjson, files in the order the
    build named them: at 100,000 papers the manifest names 400,000 files, and sorting and
    the standard library took seconds over it. (The manifest is the cache's, not output.)"""
    body = {
        "version": CACHE_VERSION,
        "inputs": manifest.inputs,
        "files": {
            name: (record.sha, record.size, record.mtime_ns, record.render_key)
            for name, record in manifest.files.items()
        },
    }
    text = orjson.dumps(body)
    return _checksum(text) + b"\n" + text


def _checksum(text: bytes) -> bytes:
    return hashlib.sha256(text).hexdigest().encode()


def up_to_date(previous: Manifest | None, inputs: str, site: Path) -> bool:
    """Nothing changed since the build that wrote `site`, and the site is still as written."""
    return (
        previous is not None
        and previous.inputs == inputs
        and bool(previous.files)
        and all_intact(site, previous.files)
    )
