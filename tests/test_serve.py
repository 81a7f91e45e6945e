"""litdigest serve: the reload script in served HTML only, clean URLs and 404s, rebuilds on
change, the command's start and Ctrl-C, and Chromium watching a page reload itself and show
a build error while the last good site stays served."""

from __future__ import annotations

import http.client
import io
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from builder.build import build_site
from builder.serve import (
    RELOAD_SCRIPT,
    BuildOutcome,
    PreviewServer,
    StatusBoard,
    allow_reload_script,
    default_watch_paths,
    find_target,
    inject_reload,
    preview_dir,
    rebuild,
)

FIXTURE = Path(__file__).parent / "fixtures" / "site"
NOTE_URL = "notes/why-retrieval-is-hard/"
WAIT = 20.0  # seconds: generous for a loaded two-core machine; every wait ends on an event
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
THEME_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURE, target)
    return target


class Terminal(io.StringIO):
    """What the server printed, stdout and stderr interleaved as a terminal shows them."""


@pytest.fixture
def terminal() -> Terminal:
    return Terminal()


@pytest.fixture
def preview(content: Path, terminal: Terminal) -> Iterator[PreviewServer]:
    # Only the content folder is watched: the repository's theme is edited by others meanwhile.
    server = PreviewServer(content, port=0, watch_paths=(content,), out=terminal, err=terminal)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def fetch(
    server: PreviewServer, path: str, host: str | None = None
) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    try:
        headers = {"Host": host} if host else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def wait_for_build(server: PreviewServer, since: str) -> BuildOutcome:
    """The outcome of the next build after `since`, failing after WAIT seconds."""
    status = server.board.wait_for_change(since, WAIT)
    assert status.build != since, f"no rebuild within {WAIT} s"
    return status.outcome


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- The reload script and the CSP, as pure functions ---------------------------------------


def test_the_themes_policy_allows_same_origin_scripts_and_fetches_only():
    assert allow_reload_script(THEME_CSP) == (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'none'; connect-src 'self'"
    )


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # Missing directives fall back to default-src: added with its sources plus 'self'.
        ("default-src 'none'", "default-src 'none'; script-src 'self'; connect-src 'self'"),
        (
            "default-src https:; script-src 'self' https://cdn.example",
            "default-src https:; script-src 'self' https://cdn.example; connect-src https: 'self'",
        ),
        # Nothing restricts scripts: nothing to change.
        ("img-src 'self'", "img-src 'self'"),
        # Only the first of duplicate directives is in force; names are case-insensitive.
        ("SCRIPT-SRC 'NONE'; script-src 'none'", "SCRIPT-SRC 'self'; script-src 'none'"),
        (
            "script-src-elem 'none'; script-src 'none'; connect-src data:",
            "script-src-elem 'self'; script-src 'self'; connect-src data: 'self'",
        ),
    ],
)
def test_policies_gain_self_where_scripts_are_restricted(policy, expected):
    assert allow_reload_script(policy) == expected


PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta http-equiv="Content-Security-Policy" content="{THEME_CSP}">
  <meta name="description" content="script-src 'none'">
</head>
<body>
  <p>Hello</p>
</body>
</html>
"""


def test_served_html_gets_the_script_before_body_end_and_a_policy_that_admits_it():
    served = inject_reload(PAGE, "abc-3")
    expected = PAGE.replace(THEME_CSP, allow_reload_script(THEME_CSP)).replace(
        "</body>", f'<script src="{RELOAD_SCRIPT}" data-build="abc-3"></script>\n</body>'
    )
    assert served == expected
    assert RELOAD_SCRIPT == "/__litdigest/reload.js"


@pytest.mark.parametrize(
    "meta",
    [
        """<META CONTENT="script-src 'none'" HTTP-EQUIV="content-security-policy">""",
        """<meta http-equiv='Content-Security-Policy' content='script-src &#39;none&#39;'>""",
        """<meta http-equiv=Content-Security-Policy content="script-src 'none'" />""",
    ],
)
def test_policy_metas_are_found_however_they_are_written(meta):
    served = inject_reload(f"<head>{meta}</head><body></body>", "b")
    assert "'none'" not in served and "&#39;none" not in served
    assert "script-src 'self'" in served


def test_pages_without_body_or_policy_still_get_the_script_and_the_build_is_escaped():
    served = inject_reload("<p>fragment</p>", 'x"><script>')
    assert served.startswith("<p>fragment</p><script ")
    assert 'data-build="x&quot;&gt;&lt;script&gt;"' in served
    # The last </body>: an earlier one may sit in a code sample.
    two = inject_reload("<pre>&lt;/body&gt;</pre></BODY >x</body>", "b")
    assert two.endswith(f'<script src="{RELOAD_SCRIPT}" data-build="b"></script>\n</body>')


def test_a_normal_build_has_no_trace_of_the_reload_script(content, tmp_path):
    out = tmp_path / "out"
    build_site(content, out_dir=out, base_url="http://127.0.0.1:8000/")
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"__litdigest" not in data and b"reload.js" not in data, path


# --- Requests, rebuilds and status ----------------------------------------------------------


def test_clean_urls_map_to_index_files_and_nothing_leaves_the_site(tmp_path):
    site = tmp_path / "site"
    (site / "papers" / "x").mkdir(parents=True)
    (site / "papers" / "x" / "index.html").write_text("x")
    (site / "feed.xml").write_text("<rss/>")
    (tmp_path / "secret.txt").write_text("no")
    assert find_target(site, "/papers/x/").file == site / "papers" / "x" / "index.html"
    assert find_target(site, "/").status == 404  # no index.html at the root here
    assert find_target(site, "/feed.xml").file == site / "feed.xml"
    redirect = find_target(site, "/papers/x")
    assert (redirect.status, redirect.location) == (301, "/papers/x/")
    assert find_target(site, "//papers//x").location == "/papers/x/"  # never "//host/"
    for path in ["/../secret.txt", "/papers/../../secret.txt", "/nope/", "/papers/y"]:
        target = find_target(site, path)
        assert (target.status, target.file) == (404, site / "404.html"), path


def test_rebuild_reports_success_or_every_problem(content, tmp_path):
    good = rebuild(content, tmp_path / "out", "http://127.0.0.1:1/", drafts=False)
    assert good.ok and good.summary.startswith("Built ")
    assert good.terminal_lines() == [good.summary]
    edit(content / "notes" / "why-retrieval-is-hard.md", "date: 2025-03-12", "date: 2025-13-12")
    bad = rebuild(content, tmp_path / "out", "http://127.0.0.1:1/", drafts=False)
    assert not bad.ok and len(bad.problems) == 1
    lines = bad.terminal_lines()
    assert re.search(r"why-retrieval-is-hard\.md:3:\d+: error: ", lines[0])
    assert lines[-1] == "litdigest: 1 error(s); still serving the last good site"
    assert (tmp_path / "out" / "index.html").is_file()  # the good build is still there


def test_a_crashing_build_is_reported_not_raised(content, tmp_path, monkeypatch):
    def crash(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("builder.serve.build_site", crash)
    outcome = rebuild(content, tmp_path / "out", "http://127.0.0.1:1/", drafts=False)
    assert not outcome.ok
    assert "crashed: ZeroDivisionError: division by zero" in outcome.problems[0].message
    assert "Traceback (most recent call last)" in "\n".join(outcome.terminal_lines())


def test_status_waits_are_bounded_and_end_on_a_new_build_or_on_close():
    board = StatusBoard("s")
    first = board.publish(BuildOutcome(True, "Built"))
    assert board.wait_for_change(None, 5).build == first.build  # unknown: answered at once
    started = time.monotonic()
    assert board.wait_for_change(first.build, 0.2) == first  # nothing new: the timeout ends it
    assert time.monotonic() - started < 5
    threading.Timer(0.1, board.publish, [BuildOutcome(False)]).start()
    assert board.wait_for_change(first.build, WAIT).build == "s-2"
    threading.Timer(0.1, board.close).start()
    started = time.monotonic()
    board.wait_for_change("s-2", WAIT)
    assert time.monotonic() - started < WAIT / 2


def test_preview_is_built_beside_content_and_themes_are_watched(content, tmp_path):
    assert preview_dir(content) == tmp_path / ".cache" / "serve" / "site"
    (tmp_path / "themes" / "mine").mkdir(parents=True)
    watched = default_watch_paths(content)
    assert content.resolve() in watched and (tmp_path / "themes").resolve() in watched
    assert any(p.name == "default" and p.parent.name == "themes" for p in watched)


def test_served_pages_clean_urls_and_404s(preview):
    status, headers, body = fetch(preview, "/" + NOTE_URL)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert f'<script src="{RELOAD_SCRIPT}" data-build="' in body
    assert "script-src 'self'" in body and "script-src 'none'" not in body
    # The files themselves are what `build` writes, with the local base URL.
    on_disk = (preview.site_dir / NOTE_URL / "index.html").read_text(encoding="utf-8")
    assert "__litdigest" not in on_disk and f"{preview.url}{NOTE_URL}" in on_disk

    status, headers, _ = fetch(preview, "/" + NOTE_URL.rstrip("/"))
    assert (status, headers["location"]) == (301, "/" + NOTE_URL)

    status, headers, body = fetch(preview, "/papers/no-such-paper/")
    assert status == 404 and "Page not found" in body and RELOAD_SCRIPT in body

    status, headers, body = fetch(preview, "/feed.xml")
    assert status == 200 and "xml" in headers["content-type"] and "__litdigest" not in body
    status, headers, body = fetch(preview, RELOAD_SCRIPT)
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    status, _, _ = fetch(preview, "/", host=f"attacker.example:{preview.port}")
    assert status == 421


def test_a_first_build_that_fails_serves_a_placeholder_until_fixed(content, terminal):
    note = content / "notes" / "why-retrieval-is-hard.md"
    edit(note, "date: 2025-03-12", "date: 2025-13-12")
    server = PreviewServer(content, port=0, watch_paths=(content,), out=terminal, err=terminal)
    with server:
        assert "why-retrieval-is-hard.md:3:" in terminal.getvalue()
        status, _, body = fetch(server, "/")
        assert status == 404 and "No site built yet" in body and RELOAD_SCRIPT in body
        status, _, body = fetch(server, "/__litdigest/status")
        assert status == 200 and '"ok": false' in body and "why-retrieval-is-hard.md:3" in body
        broken = server.board.current().build
        edit(note, "date: 2025-13-12", "date: 2025-03-12")
        assert wait_for_build(server, broken).ok
        status, _, body = fetch(server, "/" + NOTE_URL)
        assert status == 200 and "counting" in body


def test_a_burst_of_saves_is_one_rebuild_and_preview_files_are_not_watched(preview, content):
    note = content / "notes" / "why-retrieval-is-hard.md"
    original = note.read_text(encoding="utf-8")
    start = preview.board.current().build
    for n in range(5):
        note.write_text(f"{original}\nSaved {n} times.\n", encoding="utf-8")
    first = wait_for_build(preview, start)
    assert first.ok
    after_burst = preview.board.current().build
    edit(note, "argument", "argument, again")  # a marker: its rebuild comes after any other
    wait_for_build(preview, after_burst)
    builds = int(preview.board.current().build.rsplit("-", 1)[1])
    assert builds == 3, "the initial build, one for the burst, one for the marker"


def test_a_site_theme_change_rebuilds(tmp_path, content, terminal):
    theme = tmp_path / "themes" / "mine"
    (theme / "static").mkdir(parents=True)
    (theme / "static" / "extra.css").write_text("p { color: red }\n")
    with (content / "site.yaml").open("a", encoding="utf-8") as config:
        config.write("theme: themes/mine\n")
    server = PreviewServer(content, port=0, out=terminal, err=terminal)
    with server:
        assert (tmp_path / "themes").resolve() in server.watch_paths
        built = server.site_dir / "static" / "extra.css"
        (theme / "static" / "extra.css").write_text("p { color: green }\n")
        deadline = time.monotonic() + WAIT
        seen = server.board.current().build
        while "green" not in built.read_text() and time.monotonic() < deadline:
            seen = server.board.wait_for_change(seen, deadline - time.monotonic()).build
        assert "green" in built.read_text()
    assert "extra.css changed; rebuilding" in terminal.getvalue()


def read_lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def test_serve_command_prints_the_url_and_stops_cleanly_on_ctrl_c(content, tmp_path):
    command = [sys.executable, "-m", "builder", "serve", "--port", "0", "--content", "content"]
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        reader = threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True)
        reader.start()
        try:
            port = wait_for_port(lines)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
            connection.request("GET", "/")
            assert connection.getresponse().status == 200
            connection.close()
            process.send_signal(signal.SIGINT)
            process.wait(timeout=WAIT)
        finally:
            if process.poll() is None:
                process.kill()
        stderr = process.stderr.read()
        reader.join(timeout=WAIT)
    assert process.returncode == 0
    assert "Traceback" not in stderr and "interrupted" not in stderr, stderr
    assert list(lines.queue)[-1].strip() == "Stopped."
    assert (tmp_path / ".cache" / "serve" / "site" / "index.html").is_file()
    assert not (tmp_path / "site").exists()  # the published site is not touched


def wait_for_port(lines: queue.Queue[str]) -> int:
    """The port from the "Serving http://127.0.0.1:PORT/" line, within WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        found = re.search(r"Serving http://127\.0\.0\.1:(\d+)/", line)
        if found:
            port = int(found.group(1))
            assert port != 0
            return port
    raise AssertionError(f"no URL printed within {WAIT} s")


# --- In the browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail(f"browser tests need Debian's Chromium at {CHROMIUM}: run `make check-tools`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    opened.set_default_timeout(WAIT * 1000)
    console: list[ConsoleMessage] = []
    opened.on("console", lambda message: console.append(message))
    try:
        yield opened
    finally:
        context.close()
    blocked = [m.text for m in console if "Content Security Policy" in m.text]
    assert not blocked, blocked


def mark(page: Page) -> None:
    """Tag the loaded document, so a later check can tell whether it was reloaded."""
    page.evaluate("() => { window.litdigestTestMark = true; }")


def was_reloaded(page: Page) -> bool:
    return page.evaluate("() => window.litdigestTestMark === undefined")


def test_an_edited_note_reloads_the_open_page_by_itself(preview, content, page):
    page.goto(preview.url + NOTE_URL)
    main = page.locator("main")
    expect(main).to_contain_text("shows a counting argument.")
    mark(page)
    note = content / "notes" / "why-retrieval-is-hard.md"
    edit(note, "argument.", "argument. Edited while the page was open.")
    expect(main).to_contain_text("Edited while the page was open.", timeout=WAIT * 1000)
    assert was_reloaded(page)
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_content_error_is_shown_in_terminal_and_page_and_cleared_when_fixed(
    preview, content, page, terminal
):
    page.goto(preview.url + NOTE_URL)
    main, banner = page.locator("main"), page.get_by_role("alert")
    expect(main).to_contain_text("shows a counting argument.")
    mark(page)
    note = content / "notes" / "why-retrieval-is-hard.md"
    good = preview.board.current().build
    edit(note, "papers: [dense-retrieval-limits]", 'papers: ["<em>nope</em>"]')

    assert not wait_for_build(preview, good).ok
    printed = terminal.getvalue()
    assert re.search(r"notes/why-retrieval-is-hard\.md:5: error: `<em>nope</em>`", printed)
    assert "still serving the last good site" in printed
    expect(banner).to_be_visible(timeout=WAIT * 1000)
    expect(banner).to_contain_text("why-retrieval-is-hard.md:5: error: `<em>nope</em>`")
    expect(banner.locator("em")).to_have_count(0)  # error text stays text
    # The last good site is still there, on the open page and for new requests.
    expect(main).to_contain_text("shows a counting argument.")
    assert not was_reloaded(page)
    status, _, body = fetch(preview, "/" + NOTE_URL)
    assert status == 200 and "<strong>counting</strong>" in body

    edit(note, 'papers: ["<em>nope</em>"]', "papers: [dense-retrieval-limits]")
    edit(note, "argument.", "argument. Fixed.")
    expect(main).to_contain_text("argument. Fixed.", timeout=WAIT * 1000)
    expect(banner).to_have_count(0)
    assert was_reloaded(page)


def test_a_page_opened_while_the_build_is_broken_shows_the_banner_and_404s_work(
    preview, content, page
):
    good = preview.board.current().build
    edit(content / "notes" / "why-retrieval-is-hard.md", "date: 2025-03-12", "date: 2025-13-12")
    assert not wait_for_build(preview, good).ok
    response = page.goto(preview.url + "papers/no-such-paper/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.get_by_role("alert")).to_contain_text("why-retrieval-is-hard.md:3")
    # The 404 page's links start at the root, so they work from any depth.
    page.get_by_role("link", name="Home page").click()
    expect(page).to_have_url(preview.url)
    expect(page.get_by_role("alert")).to_be_visible()
