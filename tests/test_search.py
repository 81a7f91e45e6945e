"""Search: Pagefind's index is built into the staged site, reproducibly, and finds papers.

The fixture site is built with and without the index; the default site is built once, served
under its base path on 127.0.0.1, and searched in Debian's Chromium (never a downloaded
browser), as a reader would: words typed into the search page, and the header's form.
"""

from __future__ import annotations

import gzip
import json
import random
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cbor2
import pytest

from builder import search
from builder.build import build_site
from builder.cli import main
from builder.config import load_config
from builder.errors import ContentError

FIXTURE = Path(__file__).parent / "fixtures" / "site"
CONTENT = Path(__file__).resolve().parents[1] / "content"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def read_data(path: Path):
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(search.SIGNATURE)
    return data[len(search.SIGNATURE) :]


def fragments(site: Path) -> list[dict]:
    return [json.loads(read_data(path)) for path in sorted((site / "pagefind/fragment").iterdir())]


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search") / "site"
    build_site(FIXTURE, out_dir=out)
    return out


def test_the_index_is_built_into_the_site(fixture_site):
    entry = json.loads((fixture_site / "pagefind/pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 6  # five papers and one (non-draft) note
    for name in ("pagefind.js", "pagefind-ui.js", "pagefind-ui.css"):
        assert (fixture_site / "pagefind" / name).is_file(), name
    page = (fixture_site / "search/index.html").read_text(encoding="utf-8")
    assert 'src="../pagefind/pagefind-ui.js"' in page
    assert 'src="../static/search.js"' in page


def test_only_paper_and_note_content_is_indexed(fixture_site):
    found = fragments(fixture_site)
    assert sorted(f["url"].split("/")[1] for f in found) == ["notes"] + ["papers"] * 5
    for fragment in found:
        for chrome in ("Skip to content", "Archive", "Notes on this paper", "Related papers"):
            assert chrome not in fragment["content"], (fragment["url"], chrome)
    paper = next(f for f in found if f["url"] == "/papers/fast-diffusion-sampling/")
    assert paper["meta"] == {"title": "Fast Diffusion Sampling", "day": "March 11, 2025"}
    assert paper["filters"] == {"topic": ["Diffusion models"]}
    assert paper["content"].startswith("Fast Diffusion Sampling. We make diffusion samplers")


def test_every_page_has_the_search_box_and_only_the_search_page_runs_script(fixture_site):
    for path in ("index.html", "papers/fast-diffusion-sampling/index.html", "404.html"):
        page = (fixture_site / path).read_text(encoding="utf-8")
        assert 'class="site-search" role="search"' in page, path
        assert "script-src 'none'" in page and "form-action 'self'" in page, path
    page = (fixture_site / "search/index.html").read_text(encoding="utf-8")
    assert "script-src 'self' 'wasm-unsafe-eval';" in page
    assert 'class="site-search"' not in page  # the page has its own box


def test_no_search_builds_no_index_no_page_and_no_box(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["build", "--content", str(FIXTURE), "--out", str(out), "--no-search"]) == 0
    assert not (out / "pagefind").exists()
    assert not (out / "search").exists()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "site-search" not in home
    assert "form-action 'none'" in home


def test_two_builds_are_byte_identical_index_included(fixture_site, tmp_path):
    again = tmp_path / "again"
    build_site(FIXTURE, out_dir=again)
    first, second = files(fixture_site), files(again)
    assert sorted(first) == sorted(second)
    assert [path for path in first if first[path] != second[path]] == []


def test_filter_values_in_any_order_give_the_same_files(fixture_site, tmp_path):
    """Pagefind lists a filter's values in hash-map order, different on every run: shuffled
    and renamed as another run would write them, the canonical files come out the same."""
    bundle = tmp_path / "pagefind"
    shutil.copytree(fixture_site / "pagefind", bundle)
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text())
    meta_path = bundle / f"pagefind.{entry['languages']['en']['hash']}.pf_meta"
    meta = cbor2.loads(read_data(meta_path))
    (name, old_hash), *_ = meta[3]
    old_filter = bundle / "filter" / f"{old_hash}.pf_filter"
    filter_name, values = cbor2.loads(read_data(old_filter))
    assert len(values) > 1
    rng = random.Random(3)
    while values == sorted(values):
        rng.shuffle(values)
    old_filter.unlink()
    write = partial(search._write_named, language="en")
    meta[3] = [
        [name, write([filter_name, values], bundle / "filter", digits=7, suffix=".pf_filter")]
    ]
    meta[5] = meta[5][::-1]
    meta_path.unlink()
    entry["languages"]["en"]["hash"] = write(
        meta, bundle, digits=9, suffix=".pf_meta", prefix="pagefind."
    )
    entry_path.write_text(json.dumps(entry))
    assert files(bundle) != files(fixture_site / "pagefind")

    search._canonicalise(bundle)
    assert files(bundle) == files(fixture_site / "pagefind")


def test_a_failing_index_fails_the_build_and_keeps_the_old_site(
    fixture_site, tmp_path, monkeypatch
):
    out = tmp_path / "site"
    shutil.copytree(fixture_site, out)
    before = files(out)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")
    with pytest.raises(ContentError) as caught:
        build_site(FIXTURE, out_dir=out)
    assert "Pagefind could not index the site" in caught.value.problems[0].message
    assert files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no staging folder left


# -- in the browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    """The default site under its base path on 127.0.0.1: the base URL."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make check-tools)")
    base_path = load_config(CONTENT).base_path
    root = tmp_path_factory.mktemp("search-browser")
    build_site(CONTENT, out_dir=root / base_path.strip("/"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser_page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.add_init_script(
            "window.__violations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI), true);"
        )
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request",
            lambda r: (
                errors.append(f"left the host: {r.url}") if not r.url.startswith(served) else None
            ),
        )
        yield page, errors
        browser.close()


RESULT_LINKS = ".pagefind-ui__result-link"


@pytest.mark.slow
def test_typing_a_papers_words_finds_it_first(served, browser_page):
    page, errors = browser_page
    page.goto(served + "search/")
    page.fill(".pagefind-ui__search-input", "theoretical limitations embedding retrieval")
    page.wait_for_selector(RESULT_LINKS, timeout=15_000)
    first = page.locator(RESULT_LINKS).first
    assert first.inner_text() == "On the Theoretical Limitations of Embedding-Based Retrieval"
    href = first.get_attribute("href")
    assert href == load_config(CONTENT).base_path + (
        "papers/on-the-theoretical-limitations-of-embedding-based-retrieval/"
    )
    result = page.locator(".pagefind-ui__result").first.inner_text()
    assert "September 8, 2025" in result and "Retrieval and search" in result  # day, topics
    page.goto(served + href.removeprefix(load_config(CONTENT).base_path))
    assert page.locator("h1").inner_text().startswith("On the Theoretical Limitations")
    assert page.evaluate("window.__violations") == []
    assert errors == []


@pytest.mark.slow
def test_the_header_form_opens_the_search_page_with_results(served, browser_page):
    page, errors = browser_page
    page.goto(served + "topics/")
    page.fill("#site-search-input", "monitors guiding code models")
    page.press("#site-search-input", "Enter")
    page.wait_for_selector(RESULT_LINKS, timeout=15_000)
    assert page.url.startswith(served + "search/?q=")
    assert (
        page.locator(RESULT_LINKS)
        .first.inner_text()
        .startswith("Guiding Language Models of Code with Global Context")
    )
    assert page.evaluate("window.__violations") == []
    assert errors == []


@pytest.mark.slow
def test_results_can_be_narrowed_to_a_topic(served, browser_page):
    page, errors = browser_page
    page.goto(served + "search/?q=retrieval")
    page.wait_for_selector(RESULT_LINKS, timeout=15_000)
    before = page.locator(RESULT_LINKS).count()
    page.locator(".pagefind-ui__filter-name", has_text="Topic").click()
    page.locator("label", has_text="Retrieval and search").first.click()
    page.wait_for_timeout(500)
    results = page.locator(".pagefind-ui__result")
    assert 0 < results.count() <= before
    for index in range(results.count()):
        assert "Retrieval and search" in results.nth(index).inner_text()
    assert errors == []
