"""XSS vectors built into a whole site and loaded in Chromium: no dialog, no script, ever.

Every vector of tests/fixtures/xss/vectors.txt becomes a note of a copy of the fixture site
(plus one note with hostile front matter). The built site is served over HTTP on 127.0.0.1
and every note page is opened in Debian's Chromium, driven by Playwright, twice:

- as built, with the theme's Content-Security-Policy: no script may run and the only CSP
  report allowed is an https image refused by ``img-src``;
- with the CSP cut out of the HTML, so the sanitizer alone must hold: every element of the
  note is hovered, focused and clicked, so ``onmouseover``, ``onfocus``, ``autofocus`` and
  ``javascript:`` links would fire if any survived.

Either way no dialog may open, ``window.__xss`` must stay undefined, the page must not
navigate away or hold a frame, and no request may leave 127.0.0.1 except for an https image
(refused by the CSP, or aborted by the test: nothing goes to the network). The browser is
never downloaded: Debian's /usr/bin/chromium, or the browser tests skip.
Separately, every built page must carry a strict CSP in a ``<meta http-equiv>``.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from builder.build import build_site
from builder.paths import note_path
from tests.test_markdown import XSS_VECTORS

pytestmark = pytest.mark.slow

FIXTURE_SITE = Path(__file__).parent / "fixtures" / "site"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOTE_DATE = "2025-03-12"
FRONT_MATTER_NOTE = "xss-front-matter"
# A note whose title, authors and summary are payloads: they reach pages through Jinja.
FRONT_MATTER = """---
title: "<img src=x onerror=alert(1)> title"
date: 2025-03-12
authors: ["<svg onload=alert(1)>", "</title><script>alert(1)</script>"]
summary: "<script>window.__xss = 1</script> summary"
---
Body.
"""
# Bounds that keep a page with many elements from running away with the time.
MAX_ELEMENTS = 60
ACTION_TIMEOUT_MS = 150
CSP_META = re.compile(r"<meta[^>]*http-equiv=\"?Content-Security-Policy[^>]*>", re.I)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")

# Runs before the page (Playwright injects it; CSP does not apply): records CSP reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.effectiveDirective + " " + event.blockedURI);
}, true);
"""
# Clicks on links to other pages are cancelled, so the test stays on the note; a
# `javascript:` link, if one survived, is not cancelled and would run.
STAY_ON_PAGE = """
() => document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a[href]");
  if (link && ["http:", "https:", "mailto:", "file:"].includes(link.protocol)
      && !(link.pathname === location.pathname && link.hash)) {
    event.preventDefault();
  }
}, true)
"""
# Pointer, focus and click events on every element of the note, as a reader would cause.
TOUCH_EVERYTHING = """
(limit) => {
  const elements = [...document.querySelectorAll(".prose, .prose *")].slice(0, limit);
  for (const element of elements) {
    for (const type of ["pointerover", "pointerenter", "mouseover", "mouseenter", "mousemove",
                        "pointerdown", "mousedown", "pointerup", "mouseup"]) {
      element.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true}));
    }
    if (element.focus) element.focus();
    if (element.click) element.click();
    element.dispatchEvent(new FocusEvent("focusin", {bubbles: true}));
  }
}
"""
# What the browser itself parsed: handlers, script-capable URLs, active elements.
FIND_DANGER = """
() => {
  const bad = /^(javascript|vbscript|data):/i;
  const urlAttributes = ["href", "src", "action", "formaction", "data", "poster",
                         "background", "xlink:href", "srcdoc", "srcset"];
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\u0000-\\u0020]/g, "");
      if (name.startsWith("on")) found.push(`${name} on <${element.localName}>`);
      if (urlAttributes.includes(name) && bad.test(value)) {
        found.push(`${name}=${attribute.value} on <${element.localName}>`);
      }
    }
  }
  // The theme's own markup may hold an <svg> logo and JSON-LD in <head>; a note may not.
  const active = "script:not(head > script[type='application/ld+json']), "
    + "iframe, frame, object, embed, applet, base, body style, "
    // …and the header's search form (the theme's, when the site has search); a note may not.
    + "form:not(.site-header .site-search), "
    + "body link, body meta, meta[http-equiv=refresh i], .prose svg, .prose math, "
    + ".prose input, .prose button, .prose textarea, .prose select, .prose video, .prose audio";
  for (const element of document.querySelectorAll(active)) {
    found.push(`<${element.localName}> element`);
  }
  return found;
}
"""


def _note(name: str, body: str) -> str:
    return f'---\ntitle: "XSS vector {name}"\ndate: {NOTE_DATE}\n---\n{body}'


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """The fixture site with one note per vector, built; the folder of the built site."""
    root = tmp_path_factory.mktemp("xss")
    content = root / "content"
    shutil.copytree(FIXTURE_SITE, content)
    for name, body in XSS_VECTORS.items():
        (content / "notes" / f"xss-{name}.md").write_text(_note(name, body), encoding="utf-8")
    (content / "notes" / f"{FRONT_MATTER_NOTE}.md").write_text(FRONT_MATTER, encoding="utf-8")
    out = root / "site"
    build_site(content, out_dir=out)
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin(built_site) -> Iterator[str]:
    """The built site served on a free port of 127.0.0.1, stopped after the module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=built_site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Visit:
    """What happened while one page was open."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    left_the_host: list[str] = field(default_factory=list)


@dataclass
class Tab:
    """One browser tab, reused from page to page (a new tab costs a renderer process)."""

    page: Page
    origin: str
    with_csp: bool
    visit: Visit = field(default_factory=Visit)

    def route(self, route: Route) -> None:
        request = route.request
        if not request.url.startswith(self.origin + "/"):
            self.visit.left_the_host.append(f"{request.resource_type} {request.url}")
            route.abort()
        elif not self.with_csp and request.resource_type == "document":
            response = route.fetch()
            route.fulfill(response=response, body=CSP_META.sub("", response.text()))
        else:
            route.continue_()

    def on_dialog(self, dialog: Dialog) -> None:
        self.visit.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.visit.console_errors.append(message.text)

    def open(self, path: str) -> Visit:
        """Load `path` afresh, touch everything in the note if the CSP is off; what happened."""
        self.visit = Visit()
        self.page.goto(f"{self.origin}/{path}", wait_until="load")
        if not self.with_csp:
            _interact(self.page)
        self.page.wait_for_timeout(20)
        return self.visit


@pytest.fixture(scope="module")
def tabs(browser, origin) -> Iterator[dict[bool, Tab]]:
    """A tab with the site as built, and one with the CSP cut out of every page."""
    made: dict[bool, Tab] = {}
    for with_csp in (True, False):
        context = browser.new_context()
        context.add_init_script(RECORD_VIOLATIONS)
        tab = Tab(context.new_page(), origin, with_csp)
        context.route("**/*", tab.route)
        tab.page.on("dialog", tab.on_dialog)
        tab.page.on("console", tab.on_console)
        tab.page.on("pageerror", lambda error, tab=tab: tab.visit.page_errors.append(str(error)))
        tab.page.on("request", lambda request, tab=tab: tab.visit.requests.append(request.url))
        made[with_csp] = tab
    yield made
    for tab in made.values():
        tab.page.context.close()


def _interact(page: Page) -> None:
    """Hover, focus and click every element of the note, up to a bound.

    Every element gets the events in the page (one round trip); links and summaries, what a
    reader really clicks, also get Playwright's real mouse and focus.
    """
    page.evaluate(STAY_ON_PAGE)
    page.evaluate(TOUCH_EVERYTHING, MAX_ELEMENTS)
    for element in page.query_selector_all(".prose a, .prose summary")[:MAX_ELEMENTS]:
        # Hidden or detached elements are skipped: nothing a reader could touch either.
        with contextlib.suppress(PlaywrightError):
            element.focus()
            if element.bounding_box() is not None:
                element.hover(force=True, timeout=ACTION_TIMEOUT_MS)
                element.click(force=True, timeout=ACTION_TIMEOUT_MS, no_wait_after=True)


def _expected_console_error(text: str) -> bool:
    """404s of sanitized images (`<img src="x">`), refused external loads, img-src reports."""
    return text.startswith("Failed to load resource") or (
        "Content Security Policy" in text and '"img-src' in text
    )


PAGES = [
    *(pytest.param(note_path(f"xss-{name}"), id=name) for name in sorted(XSS_VECTORS)),
    pytest.param(note_path(FRONT_MATTER_NOTE), id="front-matter"),
    pytest.param("notes/", id="notes-index"),
    pytest.param("", id="home"),
]


@pytest.mark.parametrize("with_csp", [True, False], ids=["as-built", "without-csp"])
@pytest.mark.parametrize("path", PAGES)
def test_no_script_runs(tabs, path, with_csp):
    tab = tabs[with_csp]
    record = tab.open(path)
    page = tab.page
    assert record.dialogs == [], "a dialog opened"
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate(FIND_DANGER) == []
    assert page.url.split("#")[0] == f"{tab.origin}/{path}", "the page navigated away"
    assert len(page.frames) == 1, "a frame survived"
    violations = page.evaluate("window.__violations")
    assert [v for v in violations if not v.startswith("img-src https:")] == []
    assert record.page_errors == []
    assert [e for e in record.console_errors if not _expected_console_error(e)] == []
    assert [u for u in record.requests if u.lower().startswith(BAD_SCHEMES)] == []
    assert [u for u in record.left_the_host if not u.startswith("image https:")] == []


def test_every_vector_has_a_page(built_site):
    for name in XSS_VECTORS:
        assert (built_site / note_path(f"xss-{name}") / "index.html").is_file(), name


# --- Content-Security-Policy of every built page -------------------------------------------


class _HeadReader(HTMLParser):
    """The CSP metas of a page, and the tags met before the first of them."""

    def __init__(self) -> None:
        super().__init__()
        self.policies: list[str] = []
        self.before_policy: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "head":
            self.in_head = True
        if tag == "meta" and (values.get("http-equiv") or "").lower() == (
            "content-security-policy"
        ):
            assert self.in_head, "the CSP meta must be in <head>"
            self.policies.append(values.get("content") or "")
        elif not self.policies and tag not in ("html", "head", "meta"):
            self.before_policy.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed.setdefault(words[0].lower(), [word.lower() for word in words[1:]])
    return parsed


@pytest.mark.parametrize(
    ("policy", "ok"),
    [
        ("default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'", True),
        ("default-src 'none'; base-uri 'self'", True),
        ("script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'", False),
        ("script-src 'self'; base-uri 'none'", False),
        ("script-src 'self'; object-src 'none'", False),
        ("default-src *; object-src 'none'; base-uri 'none'", False),
    ],
)
def test_the_policy_check(policy, ok):
    assert (policy_problems(policy) == []) is ok


def policy_problems(policy: str) -> list[str]:
    """What makes a CSP too weak for this site: inline script, plugins, or a movable base."""
    found = directives(policy)
    default = found.get("default-src")
    script = found.get("script-src", default)
    objects = found.get("object-src", default)
    problems = []
    if script is None:
        problems.append("no script-src (or default-src)")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(script):
        problems.append(f"script-src allows too much: {' '.join(script)}")
    if objects != ["'none'"]:
        problems.append("object-src is not 'none'")
    if found.get("base-uri") not in (["'none'"], ["'self'"]):
        problems.append("base-uri is not 'none' or 'self'")
    return problems


def test_every_page_has_a_strict_csp(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > len(XSS_VECTORS)
    for page in pages:
        reader = _HeadReader()
        reader.feed(page.read_text(encoding="utf-8"))
        shown = page.relative_to(built_site).as_posix()
        assert len(reader.policies) == 1, f"{shown}: one CSP <meta http-equiv> in <head>"
        # A meta policy governs only what comes after it.
        assert reader.before_policy == [], f"{shown}: {reader.before_policy} before the CSP"
        assert policy_problems(reader.policies[0]) == [], shown
