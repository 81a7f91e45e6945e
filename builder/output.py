"""Writing the site: every file built aside, then swapped in whole.

A build either replaces the old site completely or leaves it exactly as it was: files are
written into a fresh folder beside the output folder, which is then exchanged with the old
one in a single atomic rename (renameat2 RENAME_EXCHANGE on Linux).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from builder.errors import ContentError, Problem


@dataclass(frozen=True, slots=True)
class OutputFile:
    path: str  # relative to the site root, with "/" separators
    data: bytes
    source: str  # what produced it, for error messages


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


def write_site(files: Iterable[OutputFile], out_dir: Path) -> int:
    """Write all files into a new folder and swap it in for `out_dir`; returns files written."""
    by_path = check_output_paths(files)
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    try:
        for relative, file in sorted(by_path.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(file.data)
        staging.chmod(0o755)
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(by_path)


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
