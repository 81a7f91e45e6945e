"""`litdigest serve`: build into a preview folder, serve it on 127.0.0.1, rebuild on change.

The preview is an ordinary build with `base_url` pointed at the local server, written to
`.cache/serve/site` beside the content folder, so the published `site/` is never touched.
The reload script lives only in what the server sends: HTML responses get a script tag and
a Content-Security-Policy that admits it, while the files on disk stay exactly what `build`
writes. A failed rebuild leaves the last good site in place (the build swaps folders
atomically) and is reported in the terminal and in a banner on the open page.
"""

from __future__ import annotations

import html
import json
import mimetypes
import re
import secrets
import sys
import threading
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, quote, unquote, urlsplit

import watchfiles

from builder.build import build_site
from builder.errors import ContentError, Problem, UsageError, display_path
from builder.render import DEFAULT_THEME

HOST = "127.0.0.1"
INTERNAL = "/__litdigest/"
RELOAD_SCRIPT = INTERNAL + "reload.js"
STATUS_ENDPOINT = INTERNAL + "status"

# The directives the reload script needs: loading itself, and fetching the status.
_SCRIPT_DIRECTIVES = ("script-src", "script-src-elem", "connect-src")
_FALLING_BACK_TO_DEFAULT = ("script-src", "connect-src")


# --- Where things are ---------------------------------------------------------------------


def preview_dir(content_dir: Path) -> Path:
    """The preview build's folder: beside content/, in the git-ignored .cache/."""
    return content_dir.absolute().parent / ".cache" / "serve" / "site"


def default_watch_paths(content_dir: Path) -> tuple[Path, ...]:
    """The content folder and the theme folders a build reads: the project's themes/ and
    the default theme (unless it is inside the former)."""
    content_dir = content_dir.absolute()
    candidates = [content_dir, content_dir.parent / "themes", DEFAULT_THEME]
    chosen: list[Path] = []
    for path in (p.resolve() for p in candidates if p.is_dir()):
        if not any(path.is_relative_to(other) for other in chosen):
            chosen = [other for other in chosen if not other.is_relative_to(path)] + [path]
    return tuple(chosen)


# --- One rebuild ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What one build of the preview came to: a summary line, or the problems that stopped it."""

    ok: bool
    summary: str = ""
    problems: tuple[Problem, ...] = ()
    traceback: str = ""  # for the terminal only, when the build itself went wrong

    def terminal_lines(self) -> list[str]:
        """The lines `litdigest build` would print for the same result."""
        if self.ok:
            return [self.summary]
        errors = sum(1 for p in self.problems if p.severity == "error")
        return [
            *(p.format() for p in self.problems),
            *([self.traceback.rstrip()] if self.traceback else []),
            f"litdigest: {errors} error(s); still serving the last good site",
        ]


def rebuild(content_dir: Path, site_dir: Path, base_url: str, drafts: bool) -> BuildOutcome:
    """Build the preview; never raises for what a contributor can get wrong while editing."""
    try:
        summary = build_site(content_dir, out_dir=site_dir, base_url=base_url, drafts=drafts)
    except ContentError as error:
        problems = error.problems or (Problem(display_path(content_dir), "the build failed"),)
        return BuildOutcome(False, problems=problems)
    except (OSError, UnicodeDecodeError) as error:
        # A file vanishing or half-written mid-save: the next save rebuilds anyway.
        name = getattr(error, "filename", None) or content_dir
        problem = Problem(display_path(name), f"could not read: {error}")
        return BuildOutcome(False, problems=(problem,))
    except Exception as error:
        # A theme's runtime error (or a bug of ours) must not end the preview: it is
        # reported like any other problem, with the traceback in the terminal.
        problem = Problem(
            display_path(content_dir),
            f"the build crashed: {type(error).__name__}: {error}",
            hint="the traceback is in the terminal",
        )
        return BuildOutcome(False, problems=(problem,), traceback=traceback.format_exc())
    return BuildOutcome(True, str(summary))


@dataclass(frozen=True, slots=True)
class BuildStatus:
    """A build's outcome under an id that is new for every rebuild and every server run."""

    build: str
    outcome: BuildOutcome

    def to_json(self) -> bytes:
        outcome = self.outcome
        problems = [
            {
                "text": p.format(),
                "path": p.path,
                "line": p.line,
                "column": p.column,
                "message": p.message,
                "hint": p.hint,
                "severity": p.severity,
            }
            for p in outcome.problems
        ]
        body = {"build": self.build, "ok": outcome.ok, "summary": outcome.summary}
        return json.dumps({**body, "problems": problems}).encode("utf-8")


class StatusBoard:
    """The latest build status, and a bounded wait until it changes."""

    def __init__(self, session: str):
        self._session = session
        self._count = 0
        self._status: BuildStatus | None = None
        self._closed = False
        self._changed = threading.Condition()

    def publish(self, outcome: BuildOutcome) -> BuildStatus:
        with self._changed:
            self._count += 1
            self._status = BuildStatus(f"{self._session}-{self._count}", outcome)
            self._changed.notify_all()
            return self._status

    def current(self) -> BuildStatus:
        with self._changed:
            if self._status is None:
                raise RuntimeError("no build published yet")
            return self._status

    def wait_for_change(self, since: str | None, timeout: float) -> BuildStatus:
        """The status once its build differs from `since`, or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._closed or (self._status is not None and self._status.build != since),
                timeout,
            )
            return self.current()

    def close(self) -> None:
        """Wake every waiter: the server is stopping."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


# --- The reload script in served HTML -------------------------------------------------------

_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'=<>/]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def inject_reload(page: str, build: str) -> str:
    """A served page: its CSP admitting the reload script, and the script tag before </body>."""
    page = _META.sub(_allow_in_meta, page)
    tag = f'<script src="{RELOAD_SCRIPT}" data-build="{html.escape(build)}"></script>\n'
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + tag
    at = ends[-1].start()
    return page[:at] + tag + page[at:]


def allow_reload_script(policy: str) -> str:
    """A Content-Security-Policy that also lets same-origin scripts load and fetch.

    Only the directives that govern the script change: `'self'` joins their sources (and
    `'none'` leaves); where one is missing but `default-src` restricts it, it is added with
    default-src's sources plus `'self'`. The first of duplicate directives is the one in force.
    """
    directives = [d.split() for d in policy.split(";") if d.strip()]
    default = next((d[1:] for d in directives if d[0].lower() == "default-src"), None)
    seen: set[str] = set()
    result = []
    for name, *sources in directives:
        key = name.lower()
        if key in _SCRIPT_DIRECTIVES and key not in seen:
            sources = _with_self(sources)
        seen.add(key)
        result.append(" ".join([name, *sources]))
    if default is not None:
        for key in _FALLING_BACK_TO_DEFAULT:
            if key not in seen:
                result.append(" ".join([key, *_with_self(default)]))
    return "; ".join(result)


def _with_self(sources: Sequence[str]) -> list[str]:
    kept = [s for s in sources if s.lower() != "'none'"]
    return kept if "'self'" in (s.lower() for s in kept) else [*kept, "'self'"]


def _allow_in_meta(match: re.Match[str]) -> str:
    tag = match.group(0)
    attributes = {m.group(1).lower(): m for m in _ATTRIBUTE.finditer(tag)}
    equiv, content = attributes.get("http-equiv"), attributes.get("content")
    if equiv is None or content is None:
        return tag
    if _attribute_value(equiv).lower() != "content-security-policy":
        return tag
    policy = allow_reload_script(_attribute_value(content))
    quoted = '"' + policy.replace("&", "&amp;").replace('"', "&quot;") + '"'
    return tag[: content.start(2)] + quoted + tag[content.end(2) :]


def _attribute_value(match: re.Match[str]) -> str:
    raw = match.group(2)
    return html.unescape(raw[1:-1] if raw[0] in "\"'" else raw)


# --- Requests to files ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """What a request path maps to: a file (200), a redirect to add the slash (301), or 404."""

    status: int
    file: Path | None = None
    location: str | None = None


def find_target(site_dir: Path, url_path: str) -> Target:
    """Clean URLs: `/papers/x/` is `papers/x/index.html`, `/papers/x` redirects to it."""
    parts = [p for p in url_path.split("/") if p]
    not_found = Target(HTTPStatus.NOT_FOUND, site_dir / "404.html")
    if any(p in (".", "..") or "\\" in p or "\0" in p for p in parts):
        return not_found
    candidate = site_dir.joinpath(*parts)
    if candidate.is_dir():
        if not url_path.endswith("/"):
            return Target(HTTPStatus.MOVED_PERMANENTLY, location=quote("/" + "/".join(parts) + "/"))
        candidate = candidate / "index.html"
    if candidate.is_file() and candidate.resolve().is_relative_to(site_dir.resolve()):
        return Target(HTTPStatus.OK, candidate)
    return not_found


def _asset(name: str) -> bytes:
    return resources.files("builder").joinpath("serve_assets", name).read_bytes()


class _Handler(BaseHTTPRequestHandler):
    """Serves the preview folder, the reload script and the build status."""

    server_version = "litdigest-serve"

    def __init__(self, *args: Any, preview: PreviewServer, **kwargs: Any):
        self.preview = preview
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for build results, not one line per request."""

    def _respond(self, send_body: bool) -> None:
        if not self.preview.is_own_host(self.headers.get("Host", "")):
            # Another name resolving to 127.0.0.1 (DNS rebinding) gets nothing.
            self._send(HTTPStatus.MISDIRECTED_REQUEST, b"wrong host\n", "text/plain", send_body)
            return
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path.startswith(INTERNAL):
            self._internal(path, parse_qs(url.query), send_body)
            return
        # The build id is read before the file, so a page is never newer than its id says.
        build = self.preview.board.current().build
        target = find_target(self.preview.site_dir, path)
        if target.location is not None:
            self.send_response(target.status)
            self.send_header("Location", target.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            data = target.file.read_bytes() if target.file is not None else _asset("no-site.html")
            name = target.file.name if target.file is not None else "no-site.html"
        except OSError:  # no site yet: the first build failed
            data, name = _asset("no-site.html"), "no-site.html"
            target = Target(HTTPStatus.NOT_FOUND)
        if name.endswith(".html"):
            page = inject_reload(data.decode("utf-8", errors="replace"), build)
            self._send(target.status, page.encode("utf-8"), "text/html", send_body)
            return
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send(target.status, data, kind, send_body)

    def _internal(self, path: str, query: dict[str, list[str]], send_body: bool) -> None:
        if path == RELOAD_SCRIPT:
            self._send(HTTPStatus.OK, _asset("reload.js"), "text/javascript", send_body)
        elif path == STATUS_ENDPOINT:
            since = query.get("since", [None])[0]
            board = self.preview.board
            status = (
                board.current()
                if since is None
                else board.wait_for_change(since, self.preview.poll_seconds)
            )
            self._send(HTTPStatus.OK, status.to_json(), "application/json", send_body)
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", send_body)

    def _send(self, status: int, data: bytes, kind: str, send_body: bool) -> None:
        if kind.startswith("text/") or kind in ("application/json", "application/xml"):
            kind += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a reload must show the new build
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(data)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser closing a connection early (reload, tab closed) is not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


# --- The server -----------------------------------------------------------------------------


class PreviewServer:
    """Builds the preview, serves it, and rebuilds when watched files change.

    `start()` returns once the first build is done (good or not), the server listens and
    the watcher is watching; `stop()` ends all three and is safe to call at any point.
    """

    def __init__(
        self,
        content_dir: Path,
        *,
        port: int = 8000,
        drafts: bool = False,
        site_dir: Path | None = None,
        watch_paths: Iterable[Path] | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        step_ms: int = 200,
        poll_seconds: float = 20.0,
    ):
        self.content_dir = Path(content_dir)
        self.port = port
        self.drafts = drafts
        self.site_dir = site_dir if site_dir is not None else preview_dir(self.content_dir)
        self.watch_paths = (
            tuple(watch_paths) if watch_paths is not None else default_watch_paths(self.content_dir)
        )
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else sys.stderr
        self.step_ms = step_ms  # a quiet gap this long ends a burst of saves
        self.poll_seconds = poll_seconds  # longest a status request is held open
        self.board = StatusBoard(secrets.token_hex(4))
        self._stopping = threading.Event()
        self._watching = threading.Event()
        self._ended = threading.Event()  # set when serving or watching ends on its own
        self._httpd: _HTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def is_own_host(self, host: str) -> bool:
        return host in (f"{HOST}:{self.port}", f"localhost:{self.port}")

    def start(self) -> None:
        try:
            self._httpd = _HTTPServer((HOST, self.port), partial(_Handler, preview=self))
        except OSError as error:
            raise UsageError(
                f"cannot listen on {HOST}:{self.port}: {error.strerror} (try --port 0)"
            ) from None
        self.port = self._httpd.server_address[1]
        try:
            self._build()
            self._spawn("litdigest-serve-http", self._serve)
            self._spawn("litdigest-serve-watch", self._watch)
            if not self._watching.wait(timeout=30):
                raise RuntimeError("the file watcher did not start within 30 s")
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None and any(t.name == "litdigest-serve-http" for t in self._threads):
            self._httpd.shutdown()  # no new requests from here on
        self.board.close()  # and the status requests still held open are answered now
        if self._httpd is not None:
            self._httpd.server_close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=10)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until serving or watching ends on its own (True), e.g. a watcher failure."""
        return self._ended.wait(timeout)

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self, name: str, run: Any) -> None:
        thread = threading.Thread(target=run, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _print(self, lines: Iterable[str], stream: TextIO) -> None:
        for line in lines:
            print(line, file=stream, flush=True)

    def _build(self) -> BuildStatus:
        outcome = rebuild(self.content_dir, self.site_dir, self.url, self.drafts)
        self._print(outcome.terminal_lines(), self.out if outcome.ok else self.err)
        return self.board.publish(outcome)

    def _serve(self) -> None:
        assert self._httpd is not None
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._ended.set()

    def _watch(self) -> None:
        ignored = self.site_dir.parent  # the preview and its staging folders
        changes_of_interest = watchfiles.DefaultFilter(ignore_paths=[str(ignored)])
        try:
            # yield_on_timeout: the first (empty) yield tells us the watches are in place.
            for changes in watchfiles.watch(
                *self.watch_paths,
                watch_filter=changes_of_interest,
                step=self.step_ms,
                stop_event=self._stopping,
                rust_timeout=300,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self._watching.set()
                if changes and not self._stopping.is_set():
                    self._print([_describe(changes)], self.out)
                    self._build()
            if not self._stopping.is_set():
                self._print(["litdigest: watching for changes ended unexpectedly"], self.err)
        except Exception:
            self._print(
                ["litdigest: watching for changes failed:", traceback.format_exc()], self.err
            )
        finally:
            self._watching.set()
            self._ended.set()


def _describe(changes: set[tuple[watchfiles.Change, str]]) -> str:
    paths = sorted({display_path(path) for _, path in changes})
    more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
    return f"{paths[0]}{more} changed; rebuilding"


def serve(
    content_dir: Path,
    port: int = 8000,
    drafts: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The `serve` command: preview until Ctrl-C; exit status 0, or 1 if serving or watching
    ended on its own."""
    out = out if out is not None else sys.stdout
    server = PreviewServer(content_dir, port=port, drafts=drafts, out=out, err=err)
    try:
        server.start()
        watched = ", ".join(display_path(p) for p in server.watch_paths)
        print(f"Serving {server.url} (watching {watched}); press Ctrl-C to stop", file=out)
        out.flush()
        failed = server.wait()
    except KeyboardInterrupt:
        failed = False
    finally:
        server.stop()
    print("Stopped.", file=out, flush=True)
    return 1 if failed else 0
