"""The default site in a real browser: accessibility, keyboard use, phones, screenshots.

The default site (content/ of the repository) is built once, served over HTTP on 127.0.0.1
under its own base path, and opened in Debian's Chromium driven by Playwright (never a
downloaded browser). One sample of every kind of page is checked:

- axe-core (bundled with axe-playwright-python, so offline) finds no violation, in the light
  and in the dark colour scheme;
- nothing is logged to the console as an error and no request fails or leaves the host;
- by keyboard alone the skip link is the first Tab stop and takes focus to <main>, every
  link and control is reached by Tab, and each shows a focus ring it does not have unfocused;
- at a phone's width (375 px) nothing scrolls sideways.

Screenshots of the home page, a day and a paper, light and dark, are saved into
$LITDIGEST_ARTIFACTS (default .cache/artifacts/) for a person to look at; the README's
pictures in docs/screenshots/ are picked from them.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    sync_playwright,
)

from builder.build import build_site
from builder.config import load_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CONTENT = REPO / "content"
ARTIFACTS = Path(os.environ.get("LITDIGEST_ARTIFACTS") or REPO / ".cache" / "artifacts")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1100, "height": 760}
PHONE = {"width": 375, "height": 740}
# One sample of every kind of page; "search" joins as soon as the site has a search page.
KINDS = [
    "home",
    "day",
    "topic",
    "paper",
    "note",
    "archive",
    "search",
    "topics",
    "notes",
    "feeds",
    "notfound",
]
SCREENSHOTS = ["home", "day", "paper"]

# What a keyboard user can reach: links, form controls, summaries, positive tabindex.
FOCUSABLE = (
    "a[href], area[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), "
    "select:not([disabled]), textarea:not([disabled]), details > summary:first-of-type, "
    "[tabindex]:not([tabindex='-1'])"
)
# Before any Tab: each focusable element's ring as it looks unfocused; then every element
# that receives focus is marked and its ring compared with that.
WATCH_FOCUS = """
(selector) => {
  const ring = (element) => {
    const style = getComputedStyle(element);
    return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow]
      .join(" ");
  };
  const visible = (style) => (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none";
  const before = new Map();
  for (const element of document.querySelectorAll(selector)) before.set(element, ring(element));
  window.__reached = [];
  window.__noRing = [];
  document.addEventListener("focusin", (event) => {
    const element = event.target;
    window.__reached.push(element);
    const focused = getComputedStyle(element);
    if (ring(element) === before.get(element) || !visible(focused)) {
      window.__noRing.push(element.outerHTML.slice(0, 160));
    }
  });
  return before.size;
}
"""
# Focusable elements a reader can see (not display:none, not inside a closed <details>).
UNREACHED = """
(selector) => [...document.querySelectorAll(selector)]
  .filter((element) => element.checkVisibility({visibilityProperty: true}))
  .filter((element) => !window.__reached.includes(element))
  .map((element) => element.outerHTML.slice(0, 160))
"""


@pytest.fixture(scope="session")
def served_site(tmp_path_factory) -> tuple[Path, str]:
    """The default site built once into <root>/<base path>, as the host would serve it."""
    config = load_config(CONTENT)
    root = tmp_path_factory.mktemp("browser")
    site = root / config.base_path.strip("/")
    build_site(CONTENT, out_dir=site)
    return root, config.base_path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin(served_site) -> Iterator[str]:
    """The site's base URL on a free port of 127.0.0.1, stopped after the module."""
    root, base_path = served_site
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def samples(served_site) -> dict[str, str | None]:
    """Each kind's sample page, as a path under the base URL; None where the site has none."""
    root, base_path = served_site
    site = root / base_path.strip("/")

    def first_link(page: str, prefix: str) -> str:
        """The first link on `page` to a page right under `prefix`, from the site root."""
        html = (site / page).read_text(encoding="utf-8")
        for href in re.findall(r'<a href="([^"#:]+/)"', html):
            target = urljoin("/" + page, href).lstrip("/")
            if re.fullmatch(rf"{prefix}[^/]+/", target):
                return target
        raise AssertionError(f"{page} links no {prefix} page")

    days = sorted(path.name for path in (site / "days").iterdir())
    note = first_link("notes/index.html", "notes/")
    return {
        "home": "",
        "day": f"days/{days[-1]}/",
        "topic": first_link("topics/index.html", "topics/"),
        # The first paper a note discusses: it has notes and, likely, links.
        "paper": first_link(f"{note}index.html", "papers/"),
        "note": note,
        "archive": "archive/",
        "search": page_of_kind(site, "search"),
        "topics": "topics/",
        "notes": "notes/",
        "feeds": "feeds/",
        "notfound": "404.html",
    }


def page_of_kind(site: Path, kind: str) -> str | None:
    """The first page whose <body> names `kind` (wherever the page lives), or None."""
    marker = f'<body class="kind-{kind}'
    for path in sorted(site.rglob("*.html")):
        if marker in path.read_text(encoding="utf-8"):
            relative = path.relative_to(site).as_posix()
            return relative.removesuffix("index.html")
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (make check-tools installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Visit:
    """What went wrong while one page was open."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


@dataclass
class Tab:
    """One tab of one browser context, reused from page to page."""

    page: Page
    origin: str
    visit: Visit = field(default_factory=Visit)

    def route(self, route: Route) -> None:
        host = self.origin.split("/", 3)[:3]
        if route.request.url.split("/", 3)[:3] != host:
            self.visit.failed_requests.append(f"left the host: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.visit.console_errors.append(message.text)

    def open(self, path: str) -> Visit:
        self.visit = Visit()
        response = self.page.goto(self.origin + path, wait_until="load")
        if response is None or response.status != 200:
            status = response.status if response else "no response"
            self.visit.failed_requests.append(f"{path}: {status}")
        return self.visit


def _tab(context: BrowserContext, origin: str) -> Tab:
    tab = Tab(context.new_page(), origin)
    context.route("**/*", tab.route)
    tab.page.on("console", tab.on_console)
    tab.page.on("pageerror", lambda error: tab.visit.console_errors.append(f"page: {error}"))
    tab.page.on(
        "requestfailed",
        lambda request: tab.visit.failed_requests.append(
            f"{request.url}: {request.failure or 'failed'}"
        ),
    )
    tab.page.on(
        "response",
        lambda response: (
            response.status >= 400
            and tab.visit.failed_requests.append(f"{response.url}: {response.status}")
        ),
    )
    return tab


@pytest.fixture(scope="module")
def tabs(browser, origin) -> Iterator[dict[str, Tab]]:
    """Desktop tabs in the light and the dark colour scheme, and a phone-width tab."""
    settings = {
        "light": {"viewport": DESKTOP, "color_scheme": "light"},
        "dark": {"viewport": DESKTOP, "color_scheme": "dark"},
        "phone": {"viewport": PHONE, "color_scheme": "light"},
    }
    made = {
        name: _tab(browser.new_context(**options), origin) for name, options in settings.items()
    }
    yield made
    for tab in made.values():
        tab.page.context.close()


def sample(samples: dict[str, str | None], kind: str) -> str:
    path = samples[kind]
    if path is None:
        # Not a silent skip: the report lists it until the page exists, then it is checked.
        pytest.xfail(f"the site has no {kind} page yet")
    return path


def _violations(results: dict) -> list[str]:
    found = []
    for violation in results["violations"]:
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", KINDS)
def test_no_accessibility_violations_nor_errors(tabs, samples, kind, scheme):
    tab = tabs[scheme]
    visit = tab.open(sample(samples, kind))
    results = Axe().run(tab.page).response
    assert _violations(results) == []
    assert visit.console_errors == []
    assert visit.failed_requests == []


@pytest.mark.parametrize("kind", KINDS)
def test_keyboard_alone_reaches_everything_with_a_visible_focus(tabs, samples, kind):
    tab = tabs["light"]
    page = tab.page
    path = sample(samples, kind)
    tab.open(path)
    page.keyboard.press("Tab")
    first = page.evaluate("[document.activeElement.className, document.activeElement.hash]")
    assert first == ["skip-link", "#main"], "the skip link is the first Tab stop"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'main'", timeout=2000)

    tab.open(path)
    count = page.evaluate(WATCH_FOCUS, FOCUSABLE)
    for _ in range(count + 1):
        page.keyboard.press("Tab")
    assert page.evaluate(UNREACHED, FOCUSABLE) == [], "never reached by Tab"
    assert page.evaluate("window.__noRing") == [], "no visible focus ring"
    assert tab.visit.console_errors == []


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_scrolls_sideways_on_a_phone(tabs, samples, kind):
    tab = tabs["phone"]
    tab.open(sample(samples, kind))
    width = tab.page.evaluate(
        "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width[0] <= width[1], f"scroll width {width[0]} > {width[1]}"
    wide = tab.page.evaluate(
        """(limit) => [...document.querySelectorAll("body *")]
          .filter((element) => element.getBoundingClientRect().right > limit + 0.5)
          .slice(0, 5).map((element) => element.outerHTML.slice(0, 120))""",
        width[1],
    )
    assert wide == [], "elements wider than the phone"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots_for_people(tabs, samples, scheme):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab = tabs[scheme]
    for kind in SCREENSHOTS:
        tab.open(sample(samples, kind))
        target = ARTIFACTS / f"{kind}-{scheme}.png"
        tab.page.screenshot(path=target)
        assert target.stat().st_size > 10_000, f"{target} looks empty"
    phone = tabs["phone"]
    phone.open(sample(samples, "day"))
    phone.page.screenshot(path=ARTIFACTS / "day-phone.png")
