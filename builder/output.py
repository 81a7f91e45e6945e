"""Writing the site: new and changed files staged beside it, then committed in one step.

A build never leaves a half-written site. Every file it writes goes first into a fresh
staging folder beside the output folder; nothing in the site is touched until every file is
staged. Then one of two commits:

- **swap**, when there is no site yet, no trustworthy record of it, or most of it changed:
  the staging folder is completed with hard links to the unchanged files and exchanged with
  the old site in a single atomic rename (renameat2 RENAME_EXCHANGE on Linux);
- **journal**, when a few files changed in a large site (one note edited): a journal naming
  the staged files and the files to delete is written atomically beside the site, then the
  files are renamed into place one by one. Each file is always whole; a build killed after
  the journal was written is finished by the next build before it starts (`recover`), one
  killed before leaves the old site as it was. This costs a moment per changed file, where
  a swap costs a link per file of the site.

A site carries a small marker file, and a folder that is not empty and has no marker is never
replaced: a mistyped `--out` must not turn someone's folder into a site. Writing happens under
the output folder's lock (`builder.lock`), which also makes it safe to remove the staging
folders a killed build left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import NoReturn

from builder.errors import ContentError, Problem, display_path
from builder.symlinks import display_link

# Marks a folder as a site litdigest wrote, which the next build may replace whole.
MARKER = ".litdigest-site"
MARKER_TEXT = b"This folder is a site built by litdigest; every build replaces it whole.\n"
# A journal commit renames files one by one; past this share of the site a swap is cheaper
# (and atomic).
JOURNAL_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class OutputFile:
    path: str  # relative to the site root, with "/" separators
    data: bytes
    source: str  # what produced it, for error messages


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file of a written site as the build cache remembers it."""

    sha: str
    size: int
    mtime_ns: int
    render_key: str = ""  # pages only: what the page was rendered from


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def intact(site: Path | str, name: str, record: FileRecord) -> bool:
    """Whether the site's file is still the one `record` describes (its size and time)."""
    try:
        stat = os.stat(f"{site}/{name}")
    except OSError:
        return False
    return _as_recorded(stat, record)


def _as_recorded(stat: os.stat_result, record: FileRecord) -> bool:
    return stat.st_size == record.size and stat.st_mtime_ns == record.mtime_ns


def all_intact(site: Path, files: Mapping[str, FileRecord]) -> bool:
    """Every file of `files` is `intact`, each looked up from the site's open folder: at
    100,000 papers that is 400,000 files, and resolving each one's whole path took a third
    of a no-change build."""
    try:
        folder = os.open(site, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        for name, record in files.items():
            try:
                found = os.stat(name, dir_fd=folder, follow_symlinks=True)
            except OSError:
                return False
            if not _as_recorded(found, record):
                return False
        return True
    finally:
        os.close(folder)


def check_path(path: str, source: str) -> str:
    """A site path as the site names it; a path leaving the site is an error naming its
    source."""
    if _plain_path(path):  # what the build makes: checked without building a PurePath
        return path
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path:
        raise ContentError([Problem(source, f"refusing to write outside the site: {path!r}")])
    return pure.as_posix()


def _plain_path(path: str) -> bool:
    """A relative path already in normal form: no empty, `.` or `..` part, no backslash."""
    if not path or path[0] == "/" or path[-1] == "/" or "\\" in path or "//" in path:
        return False
    if "." not in path:
        return True
    wrapped = f"/{path}/"  # a part "." or ".." is then "/./" or "/../" (there is no "//")
    return "/./" not in wrapped and "/../" not in wrapped


def check_output_paths(files: Iterable[OutputFile]) -> dict[str, OutputFile]:
    """Two files on one path, or a path leaving the site, are errors naming their sources."""
    by_path: dict[str, OutputFile] = {}
    problems: list[Problem] = []
    for file in files:
        try:
            key = check_path(file.path, file.source)
        except ContentError as error:
            problems += error.problems
            continue
        earlier = by_path.get(key)
        if earlier is not None:
            problems.append(_clash(key, file.source, earlier.source))
            continue
        by_path[key] = file
    if problems:
        raise ContentError(problems)
    return by_path


def _clash(path: str, source: str, earlier: str) -> Problem:
    return Problem(
        source, f"would write {path}, which {earlier} writes too", hint="rename one of them"
    )


def stage_file(
    staging: Path, site: Path, path: str, data: bytes, before: FileRecord | None, key: str = ""
) -> tuple[FileRecord, bool]:
    """Stage one file of the new site unless the current site holds it already, byte for
    byte; returns its record and whether it was staged. Runs in render workers too."""
    digest = sha(data)
    if before is not None and before.sha == digest and intact(site, path, before):
        return replace(before, render_key=key), False
    target = staging / path
    try:
        target.write_bytes(data)
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    stat = os.stat(target)
    return FileRecord(digest, stat.st_size, stat.st_mtime_ns, key), True


class SiteWriter:
    """Collects the files of a new site in a staging folder and commits them as a whole.

    Use it holding `builder.lock.site_lock(out_dir)`, after `recover(out_dir)`; `previous`
    is what the build cache knows of the current site (None: nothing trustworthy). Every
    file of the new site passes through `add`, `keep` or `record`; files of the old site
    that none of them named are deleted at `commit`.
    """

    def __init__(self, out_dir: Path, previous: Mapping[str, FileRecord] | None):
        self.out_dir = out_dir.absolute()
        check_out_dir(self.out_dir)
        self.previous: Mapping[str, FileRecord] = previous or {}
        self.trusted = previous is not None
        self.files: dict[str, FileRecord] = {}
        self.staged: set[str] = set()
        self._sources: dict[str, str] = {}
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(self.out_dir)
            self.staging = Path(
                tempfile.mkdtemp(prefix=f".{self.out_dir.name}-new-", dir=self.out_dir.parent)
            )
        except OSError as error:
            raise write_error(error, self.out_dir, self.out_dir) from None

    def claim(self, path: str, source: str) -> str:
        """Reserve `path` for `source`: a second file on one path is an error naming both."""
        key = check_path(path, source)
        earlier = self._sources.get(key)
        if earlier is not None:
            raise ContentError([_clash(key, source, earlier)])
        self._sources[key] = source
        return key

    def add(self, file: OutputFile, key: str = "") -> None:
        """One file of the new site, staged unless the current site has the same bytes."""
        path = self.claim(file.path, file.source)
        try:
            record, staged = stage_file(
                self.staging, self.out_dir, path, file.data, self.previous.get(path), key
            )
        except OSError as error:
            raise write_error(error, self.out_dir / path, self.out_dir) from None
        self.record(path, record, staged)

    def add_copy(self, path: str, source_file: str, digest: str, source: str) -> None:
        """A file whose bytes, of SHA-256 `digest`, are in a file that never changes once
        written (the search index's cache): kept when the current site has those bytes, else
        hard-linked into the new site without being read, or copied where it cannot be."""
        path = self.claim(path, source)
        before = self.previous.get(path)
        if before is not None and before.sha == digest and intact(self.out_dir, path, before):
            kept = replace(before, render_key="") if before.render_key else before
            self.record(path, kept, False)
            return
        target = self.staging / path
        try:
            _link_or_copy_into(source_file, target)
            stat = os.stat(target)
        except OSError as error:
            raise write_error(error, self.out_dir / path, self.out_dir) from None
        self.record(path, FileRecord(digest, stat.st_size, stat.st_mtime_ns), True)

    def reusable(self, path: str, key: str) -> bool:
        """Whether the current site's file at `path` was made from `key` and is intact."""
        before = self.previous.get(path)
        return (
            before is not None
            and before.render_key == key
            and bool(key)
            and intact(self.out_dir, path, before)
        )

    def record(self, path: str, record: FileRecord, staged: bool) -> None:
        """A claimed file's outcome: staged, or the current site's copy kept."""
        self.files[path] = record
        if staged:
            self.staged.add(path)

    def keep(self, path: str, key: str) -> None:
        """The current site's file at a claimed `path` is the new one too."""
        self.record(path, replace(self.previous[path], render_key=key), False)

    def commit(self, manifest: tuple[Path, bytes] | None = None) -> str:
        """Put the new site in place; returns how: "swap" or "journal".

        `manifest` is the build cache's record of the new site and where it goes: it is
        written once the site is in place (by `recover` if this build is killed), and the
        old record is removed first, so a record never describes a site it does not match.
        """
        if MARKER not in self.files:
            self.add(OutputFile(MARKER, MARKER_TEXT, "litdigest"))
        if manifest is not None:
            with contextlib.suppress(OSError):  # an unusable cache folder holds no record
                _remove_quietly(manifest[0])
        deleted = sorted(set(self.previous) - set(self.files)) if self.trusted else []
        changes = len(self.staged) + len(deleted)
        journal = self.trusted and self.out_dir.is_dir()
        how = "journal" if journal and changes <= JOURNAL_SHARE * len(self.files) else "swap"
        try:
            if how == "journal":
                # The journal names the new record, written beside the old one's place: at
                # 100,000 papers the record is tens of megabytes, too much to copy into it.
                pending = _write_pending(manifest)
                plan = _Journal(self.staging.name, sorted(self.staged), deleted, pending)
                _write_atomically(journal_path(self.out_dir), plan.text())
                plan.replay(self.out_dir)
            else:
                self._swap()
                if manifest is not None:
                    _write_manifest(_write_pending(manifest))
        except BaseException as error:
            self.discard()
            if isinstance(error, OSError):
                raise write_error(error, self.out_dir, self.out_dir) from None
            raise
        return how

    def _swap(self) -> None:
        staging = self.staging
        for path in sorted(self.files.keys() - self.staged):  # unchanged: linked from the old site
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(self.out_dir / path, target)
        staging.chmod(0o755)
        _swap_in(staging, self.out_dir)

    def discard(self) -> None:
        """Remove the staging folder: the site stays as it was."""
        if not journal_path(self.out_dir).exists():  # a journal needs its staged files
            shutil.rmtree(self.staging, ignore_errors=True)


def write_site(files: Iterable[OutputFile], out_dir: Path) -> int:
    """Write a whole site from its files and swap it in for `out_dir`; returns files written.

    Call it holding `builder.lock.site_lock(out_dir)`.
    """
    by_path = check_output_paths(files)
    recover(out_dir)
    writer = SiteWriter(out_dir, None)
    try:
        for file in by_path.values():
            writer.add(file)
        writer.commit()
    except BaseException:
        writer.discard()
        raise
    return len(by_path)


# -- the journal ----------------------------------------------------------------------------


def journal_path(out_dir: Path) -> Path:
    out_dir = out_dir.absolute()
    return out_dir.parent / f".{out_dir.name}-journal.json"


@dataclass(frozen=True, slots=True)
class _Journal:
    """What a journal commit does, written down before it starts so it can be finished."""

    staging: str  # the staging folder's name, beside the site
    moves: list[str]  # staged files to rename into the site
    deletes: list[str]  # files of the old site that the new one has not
    manifest: tuple[Path, Path] | None  # the cache's record of the site: where, and where it waits

    def text(self) -> str:
        body = {
            "staging": self.staging,
            "moves": self.moves,
            "deletes": self.deletes,
            "manifest": [str(path) for path in self.manifest] if self.manifest else None,
        }
        check = sha(json.dumps(body, sort_keys=True).encode())
        return json.dumps({"check": check, "body": body})

    @staticmethod
    def read(path: Path) -> _Journal | None:
        """The journal at `path`, or None when it is damaged."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            body = data["body"]
            if data["check"] != sha(json.dumps(body, sort_keys=True).encode()):
                return None
            manifest = body["manifest"]
            return _Journal(
                str(body["staging"]),
                [str(p) for p in body["moves"]],
                [str(p) for p in body["deletes"]],
                (Path(manifest[0]), Path(manifest[1])) if manifest else None,
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def replay(self, out_dir: Path) -> None:
        """Do, or finish, the commit: any step may have been done already."""
        staging = out_dir.parent / self.staging
        for path in self.deletes:  # first, so that a file may give way to a folder
            _remove_quietly(out_dir / path)
        for path in self.deletes:
            _remove_empty_folders((out_dir / path).parent, out_dir)
        for path in self.moves:
            source, target = staging / path, out_dir / path
            if not source.exists():  # moved before the build was killed
                continue
            try:
                os.replace(source, target)
            except (FileNotFoundError, NotADirectoryError):
                _make_folder(target.parent, out_dir)
                os.replace(source, target)
            except IsADirectoryError:
                shutil.rmtree(target)
                os.replace(source, target)
        _write_manifest(self.manifest)
        os.unlink(journal_path(out_dir))
        shutil.rmtree(staging, ignore_errors=True)


def recover(out_dir: Path) -> str | None:
    """Finish a journal commit that a killed build left, or drop a damaged journal (the
    cache's record of the site was removed before it was written, so the next build replaces
    the site whole). Returns what was done; call it holding the output folder's lock."""
    path = journal_path(out_dir)
    if not path.exists():
        return None
    journal = _Journal.read(path)
    if journal is None:
        os.unlink(path)
        return "dropped"
    journal.replay(out_dir.absolute())
    return "finished"


def _make_folder(folder: Path, out_dir: Path) -> None:
    """Make `folder` in the site, removing any file of the old site standing in its way."""
    relative = folder.relative_to(out_dir)
    for part in [*reversed(relative.parents), relative]:
        where = out_dir / part
        if where.is_symlink() or where.is_file():
            where.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _remove_empty_folders(folder: Path, out_dir: Path) -> None:
    while folder != out_dir and folder.is_relative_to(out_dir):
        try:
            folder.rmdir()
        except OSError:  # not empty, or gone
            return
        folder = folder.parent


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(path, ignore_errors=True)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _write_pending(manifest: tuple[Path, bytes] | None) -> tuple[Path, Path] | None:
    """The cache's record of the new site, written beside its place to be renamed there once
    the site is in place; None if it cannot be written. Not synced: the record carries its own
    checksum, so a damaged one is ignored (builder.cache), which costs a full build."""
    if manifest is None:
        return None
    path, data = manifest
    pending = path.with_name(path.name + ".next")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pending.write_bytes(data)
    except OSError:
        return None
    return path, pending


def _write_manifest(manifest: tuple[Path, Path] | None) -> None:
    """Put the pending record in its place, if there is one. The build cache only saves
    time: a cache folder that cannot be written costs the next build its shortcuts, never
    this build its site."""
    if manifest is None:
        return
    with contextlib.suppress(OSError):
        os.replace(manifest[1], manifest[0])


# -- the output folder and the swap -----------------------------------------------------------


def check_out_dir(out_dir: Path, content_dir: Path | None = None) -> None:
    """Refuse an output folder a build must not replace: the file system's root, the content
    folder, a folder holding it or inside it, a symlink, a file, or a folder that is not
    empty and was not written by litdigest."""
    out = out_dir.absolute()
    where = display_link(out)

    def refuse(message: str, hint: str = "choose another --out, such as site/") -> NoReturn:
        raise ContentError([Problem(where, message, hint=hint)])

    if out.parent == out:
        refuse("the output folder cannot be the root of the file system")
    if out.is_symlink():
        real = os.path.realpath(out)
        refuse(
            "the output folder is a symlink: a build would replace the link, not its folder",
            hint=f"give the folder itself, --out {real}",
        )
    real_out = Path(os.path.realpath(out))
    if content_dir is not None:
        content = Path(os.path.realpath(content_dir))
        shown = display_path(content)
        if content == real_out:
            refuse("the output folder is the content folder")
        if content.is_relative_to(real_out):
            refuse(
                f"the output folder holds the content folder {shown}: a build would replace both"
            )
        if real_out.is_relative_to(content):
            refuse(f"the output folder is inside the content folder {shown}")
    try:
        if out.exists() and not out.is_dir():
            refuse("the output folder is a file")
        above = next((parent for parent in out.parents if parent.exists()), out.parent)
        if not above.is_dir():
            refuse(f"{display_path(above)} is a file, so no output folder can be made inside it")
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
            refuse(
                f"{where} is not empty and was not built by litdigest (it has no {MARKER}); "
                "refusing to replace it",
                hint="choose another --out, or remove the folder if it is an old build",
            )
    except OSError as error:
        raise write_error(error, out, out) from None


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link an unchanged file of the current site; copy it where links are impossible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _link_or_copy_into(source: str, target: Path) -> None:
    """Hard-link `source` to `target`, making its folder if needed; copy it where links are
    impossible (another file system). The site then shares the file with its source, which
    is safe as no build writes into a file: a changed file is always a new one renamed."""
    try:
        os.link(source, target)
    except FileNotFoundError:  # a new folder, or the source is gone (as the copy will say)
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(Path(source), target)
    except OSError:
        try:
            shutil.copyfile(source, target)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Remove the staging folders (and a half-written journal) of builds killed before they
    finished; returns them. Call it after `recover`, which needs a whole journal's staging."""
    removed = []
    unfinished = journal_path(out_dir).with_name(journal_path(out_dir).name + ".tmp")
    if unfinished.is_file() and not unfinished.is_symlink():
        unfinished.unlink()
        removed.append(unfinished)
    for pattern in (f".{out_dir.name}-new-*", f".{out_dir.name}-old-*"):
        for leftover in sorted(out_dir.parent.glob(pattern)):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
                removed.append(leftover)
    return removed


def write_error(error: OSError, writing: Path, out_dir: Path) -> ContentError:
    """A failed write as one problem on the file being written, as the site names it (not
    its staging copy); the previous site is untouched by then."""
    where = writing if writing != out_dir or error.filename is None else error.filename
    return ContentError(
        [
            Problem(
                display_path(os.fsdecode(where)),
                f"cannot write the site: {error.strerror or error}",
                hint=f"{display_path(out_dir)} is unchanged",
            )
        ]
    )


def _swap_in(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old site
        return
    # No atomic exchange on this system: two renames, the old site kept until the last step.
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-old-", dir=out_dir.parent))
    os.rmdir(old)
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths with renameat2; False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return result == 0
