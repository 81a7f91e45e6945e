"""Writing the site: every file built aside, then swapped in whole.

A build either replaces the old site completely or leaves it exactly as it was: files are
written into a fresh folder beside the output folder, which is then exchanged with the old
one in a single atomic rename (renameat2 RENAME_EXCHANGE on Linux).

A site carries a small marker file, and a folder that is not empty and has no marker is never
replaced: a mistyped `--out` must not turn someone's folder into a site. Writing happens under
the output folder's lock (`builder.lock`), which also makes it safe to remove the staging
folders a killed build left behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NoReturn

from builder.errors import ContentError, Problem, display_path
from builder.symlinks import display_link

# Marks a folder as a site litdigest wrote, which the next build may replace whole.
MARKER = ".litdigest-site"
MARKER_TEXT = b"This folder is a site built by litdigest; every build replaces it whole.\n"


@dataclass(frozen=True, slots=True)
class OutputFile:
    path: str  # relative to the site root, with "/" separators
    data: bytes
    source: str  # what produced it, for error messages
    # The current site's copy, unchanged: linked into the new site instead of written
    # (builder.cache decides), so an unchanged file keeps its inode and time.
    link_from: Path | None = None


def check_output_paths(files: Iterable[OutputFile]) -> dict[str, OutputFile]:
    """Two files on one path, or a path leaving the site, are errors naming their sources."""
    by_path: dict[str, OutputFile] = {}
    problems = []
    for file in files:
        path = PurePosixPath(file.path)
        if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in file.path:
            problems.append(
                Problem(file.source, f"refusing to write outside the site: {file.path!r}")
            )
            continue
        key = path.as_posix()
        earlier = by_path.get(key)
        if earlier is not None:
            problems.append(
                Problem(
                    file.source,
                    f"would write {key}, which {earlier.source} writes too",
                    hint="rename one of them",
                )
            )
            continue
        by_path[key] = file
    if problems:
        raise ContentError(problems)
    return by_path


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
        raise _write_error(error, out, out) from None


def write_site(
    files: Iterable[OutputFile],
    out_dir: Path,
    before_swap: Callable[[Path], None] | None = None,
) -> int:
    """Write all files into a new folder and swap it in for `out_dir`; returns files written.

    Call it holding `builder.lock.site_lock(out_dir)`: it removes other builds' staging folders.
    """
    by_path = check_output_paths([*files, OutputFile(MARKER, MARKER_TEXT, "litdigest")])
    out_dir = out_dir.absolute()
    check_out_dir(out_dir)
    staging: Path | None = None
    writing = out_dir  # what a failure is reported on: the site file being written, if any
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
        for relative, file in sorted(by_path.items()):
            writing = out_dir / relative
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if file.link_from is not None:
                _link_or_copy(file.link_from, target)
            else:
                target.write_bytes(file.data)
        writing = out_dir
        staging.chmod(0o755)
        if before_swap is not None:  # e.g. the search index; if it fails, nothing is swapped
            before_swap(staging)
        _swap_in(staging, out_dir)
    except BaseException as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise _write_error(error, writing, out_dir) from None
        raise
    return len(by_path) - 1  # the marker is not counted


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link an unchanged file of the current site; copy it where links are impossible."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Remove the staging folders of builds killed before they finished; returns them."""
    removed = []
    for pattern in (f".{out_dir.name}-new-*", f".{out_dir.name}-old-*"):
        for leftover in sorted(out_dir.parent.glob(pattern)):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
                removed.append(leftover)
    return removed


def _write_error(error: OSError, writing: Path, out_dir: Path) -> ContentError:
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
