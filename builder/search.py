"""Full-text search: Pagefind indexes the built site in its staging folder, before the swap.

Only pages marked `data-pagefind-body` (papers and notes) are indexed; the bundle goes to
`pagefind/` in the site and the search page loads Pagefind's UI from there. The binary comes
from the `pagefind[bin]` package, so nothing is downloaded at build time.

Pagefind's output is not quite reproducible: a filter file lists its values in hash-map
order, which changes from run to run, and the file names hash the contents. `_canonicalise`
sorts those lists and renames what refers to them, so two builds are byte-identical.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from builder.errors import ContentError, Problem
from builder.paths import SEARCH_BUNDLE

SIGNATURE = b"pagefind_dcd"  # what every decompressed Pagefind data file starts with
TIMEOUT = 600  # seconds; 100k pages index in well under a minute


def index_site(site_dir: Path) -> None:
    """Index the site in `site_dir` into its search bundle; ContentError if Pagefind fails."""
    bundle = SEARCH_BUNDLE.rstrip("/")
    command = [
        str(pagefind_binary()),
        "--site",
        str(site_dir),
        "--output-subdir",
        bundle,
        "--silent",
    ]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            preexec_fn=_die_with_parent(),
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ContentError([_problem(str(error))]) from None
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip() or _exit_status(result.returncode)
        raise ContentError([_problem(output)])
    _canonicalise(site_dir / bundle)


def pagefind_binary() -> Path:
    """The Pagefind executable of the `pagefind[bin]` package (or $PAGEFIND_BINARY_PATH)."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise ContentError(
            [
                Problem(
                    "search index",
                    "the Pagefind binary is not installed",
                    hint="pip install 'pagefind[bin]', or build with --no-search",
                )
            ]
        )
    return binary


def _die_with_parent() -> Callable[[], None] | None:
    """On Linux, a child setup that kills Pagefind if the build dies first: a killed build
    must not leave it writing into a staging folder the next build removes."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up now: the child only calls it
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG

    def setup() -> None:
        prctl(set_parent_death_signal, signal.SIGKILL)

    return setup


def _exit_status(code: int) -> str:
    if code < 0:
        return f"stopped by signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def _problem(message: str) -> Problem:
    return Problem(
        "search index",
        f"Pagefind could not index the site: {message}",
        hint="the site was not replaced; build with --no-search to skip the index",
    )


# -- reproducible output ------------------------------------------------------------------


def _canonicalise(bundle: Path) -> None:
    """Sort what Pagefind wrote in hash-map order and rename the files named by content."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, info in entry["languages"].items():
        old_meta = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta = _read(old_meta)
        filters = []
        for name, file_hash in meta[3]:
            old_filter = bundle / "filter" / f"{file_hash}.pf_filter"
            filter_name, values = _read(old_filter)
            new_hash = _write_named(
                [filter_name, sorted(values)], bundle / "filter", language, 7, ".pf_filter"
            )
            if new_hash != file_hash:
                old_filter.unlink()
            filters.append([name, new_hash])
        meta[3] = sorted(filters)
        meta[5] = sorted(meta[5])  # the names of the metadata fields
        meta_hash = _write_named(meta, bundle, language, 10, ".pf_meta", prefix="pagefind.")
        if meta_hash != info["hash"]:
            old_meta.unlink()
        info["hash"] = meta_hash
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))


def _read(path: Path) -> Any:
    import cbor2

    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise ContentError([_problem(f"{path.name} is not a Pagefind data file")])
    return cbor2.loads(data[len(SIGNATURE) :])


def _write_named(
    value: Any, folder: Path, language: str, digits: int, suffix: str, prefix: str = ""
) -> str:
    """Write `value` as a Pagefind data file named by its contents; returns the name's hash."""
    import cbor2

    body = cbor2.dumps(value)
    name = f"{language}_{hashlib.sha256(body).hexdigest()[:digits]}"
    (folder / f"{prefix}{name}{suffix}").write_bytes(gzip.compress(SIGNATURE + body, mtime=0))
    return name
