"""Golden test: the fixture site's every page and feed, compared with a stored tree.

After an intended change to output, regenerate and review the diff:

    LITDIGEST_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
    git diff tests/golden/
"""

import difflib
import os
import shutil
from pathlib import Path

import pytest

from builder.build import build_site

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "site"
GOLDEN = HERE / "golden" / "fixture-site"
UPDATE = os.environ.get("LITDIGEST_UPDATE_GOLDEN") == "1"
# Static assets are the theme's own files, copied as they are: not worth a golden copy; nor
# is Pagefind's search bundle (its reproducibility is tested in test_search.py).
SKIPPED_PREFIXES = ("static/", "pagefind/")


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.relative_to(folder).as_posix().startswith(SKIPPED_PREFIXES)
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("golden") / "site"
    build_site(FIXTURE, out_dir=out)
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN, ignore=shutil.ignore_patterns("static", "pagefind"))
    return tree(out)


def test_the_same_files_are_built(built):
    assert sorted(built) == sorted(tree(GOLDEN)), "run with LITDIGEST_UPDATE_GOLDEN=1 to update"


def test_every_file_matches_its_golden_copy(built):
    expected = tree(GOLDEN)
    for path in sorted(set(built) & set(expected)):
        if built[path] != expected[path]:
            diff = difflib.unified_diff(
                expected[path].decode().splitlines(),
                built[path].decode().splitlines(),
                f"golden/{path}",
                f"built/{path}",
                lineterm="",
                n=2,
            )
            pytest.fail("\n".join(list(diff)[:60]) + "\n(LITDIGEST_UPDATE_GOLDEN=1 to update)")
