"""One build at a time per output folder: an exclusive lock on the folder that holds it.

`litdigest build` and every `litdigest serve` rebuild hold the lock from reading the content
to swapping the new site in, so the site always comes from the content as it was when its
build started, never from two builds mixed, and a later build never loses to an earlier one
that finished after it. A second build waits for the first (up to `WAIT_SECONDS`), then
refuses, naming the process that holds the lock.

The lock is a `flock` on the output folder's parent directory itself, not on a lock file:
nothing is left beside the site, and the kernel drops the lock when its holder exits,
however it exits, so a killed build never leaves a stale lock. (Builds into sibling folders
of one parent take turns too, which costs only waiting.)
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from builder.errors import ContentError, Problem, display_path

WAIT_SECONDS = 120.0
_POLL_SECONDS = 0.05


@contextmanager
def site_lock(out_dir: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the output folder's lock; wait at most `wait` seconds for another build."""
    parent = out_dir.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise ContentError(
            [
                Problem(
                    display_path(error.filename or parent),
                    f"cannot use as the output folder's parent: {error.strerror or error}",
                    hint="the output folder must be inside a folder that can be written",
                )
            ]
        ) from None
    try:
        _acquire(fd, out_dir, WAIT_SECONDS if wait is None else wait)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def _acquire(fd: int, out_dir: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                shown = display_path(out_dir)
                raise ContentError(
                    [
                        Problem(
                            shown,
                            f"another build is writing {shown}/ (pid {lock_holder(fd)}); "
                            f"gave up after waiting {wait:g} s",
                            hint="wait for it to finish, or stop it, then build again",
                        )
                    ]
                ) from None
            time.sleep(_POLL_SECONDS)


def lock_holder(fd: int) -> str:
    """The pid holding a flock on `fd`'s file, read from /proc/locks; "unknown" elsewhere."""
    info = os.fstat(fd)
    key = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 4242 fd:00:1234 0 EOF"; waiters are "-> …"
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == key:
                    return fields[4]
    except OSError:
        pass
    return "unknown"
