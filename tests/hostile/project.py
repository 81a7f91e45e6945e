"""A throwaway project for hostile-input and fault tests, and proof that nothing changed.

`make_project` copies the small fixture site's content into a temporary project and builds
its site once, so each test can feed one bad input and then show that `content/` and the
previous `site/` are exactly as they were. `litdigest` runs the real command in a child
process with a memory limit and a timeout: the proof of "no hang, bounded memory".
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from builder.build import build_site

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "site"
# Address space for one litdigest process: a build of the fixture site needs about a third
# of this (most of it shared libraries), so an input that made memory grow with its size
# would hit the limit and fail the test instead of the machine.
MEMORY_LIMIT = 1024 * 1024 * 1024
TIMEOUT = 90.0  # generous for a loaded two-core machine: unloaded, the worst takes 8 s


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def site(self) -> Path:
        return self.root / "site"

    def state(self) -> dict[str, object]:
        """Everything a build or import could change: content, site and what is beside them."""
        return {
            "root": sorted(p.name for p in self.root.iterdir()),
            "content": tree(self.content),
            "site": tree(self.site),
        }


def make_project(tmp_path: Path, build: bool = True) -> Project:
    project = Project(tmp_path / "project")
    project.root.mkdir()
    shutil.copytree(FIXTURE, project.content)
    if build:
        build_site(project.content, out_dir=project.site)
    return project


def tree(folder: Path) -> dict[str, object]:
    """Every file's bytes and every symlink's target under `folder`, links not followed."""
    found: dict[str, object] = {}
    if not folder.exists():
        return found
    for parent, folders, files in os.walk(folder):
        for name in sorted([*folders, *files]):
            path = Path(parent, name)
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[key] = ("symlink", os.readlink(path))
            elif path.is_file():
                found[key] = path.read_bytes()
    return found


def _limits(memory: int | None, file_size: int | None) -> None:
    """In the child, before exec: cap memory and file size; a write past the file size limit
    then fails with EFBIG instead of killing the process (SIGXFSZ ignored)."""
    if memory is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if file_size is not None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))


def litdigest(
    *args: str | Path,
    cwd: Path,
    memory: int | None = MEMORY_LIMIT,
    file_size: int | None = None,
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m builder ARGS` in `cwd` with limits; a hang fails the test by timeout."""
    return subprocess.run(
        [sys.executable, "-m", "builder", *map(str, args)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=lambda: _limits(memory, file_size),
        check=False,
    )
