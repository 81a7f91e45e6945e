"""Feedback while a long command works: which stage it is in, how far, how fast, and how
long each stage took.

Commands report to a `Progress`; the plain one only records stage times (for `--timings`),
so library callers, tests and runs without a terminal pay nothing for the display.
`TerminalProgress` adds a live line on a terminal (stderr) once a command has run for a
moment; `progress_for` picks one of the two for a stream.

    with progress_for(sys.stderr) as progress:
        with progress.stage("render", total=len(pages)) as stage:
            ...
            stage.advance(len(batch))
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self, TextIO

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

DELAY = 1.5  # seconds before the display appears: quick commands stay quiet
REFRESH_PER_SECOND = 4  # the line is redrawn from a thread; 2 cores are shared with others
# TERM values that cannot move the cursor back over a line (rich's own list).
DUMB_TERMS = frozenset({"dumb", "unknown"})
# CI=false (or 0, no, empty) is how some set-ups say "not CI".
NOT_SET = frozenset({"", "0", "false", "no"})


class Stage:
    """One running stage; `advance` as its items are done."""

    __slots__ = ("done", "name", "started", "total")

    def __init__(self, name: str, total: int | None, started: float):
        self.name = name
        self.total = total
        self.started = started
        self.done = 0

    def advance(self, count: int = 1) -> None:
        # Only a counter: a display reads it when it redraws, so a hot loop pays nothing.
        self.done += count


class Progress:
    """Records how long each stage took; shows nothing. A context manager, like its
    subclasses, so a command can use either the same way."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.timings: list[tuple[str, float]] = []
        self._running: list[Stage] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop any display; the timings stay."""

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
        current = Stage(name, total, self.clock())
        self._running.append(current)
        try:
            yield current
        finally:
            self._running.remove(current)
            self.timings.append((name, self.clock() - current.started))

    def running(self) -> tuple[Stage, ...]:
        """The stages under way, outermost first."""
        return tuple(self._running)


class TerminalProgress(Progress):
    """Progress with a live, transient display on `console` (a terminal): after `delay`
    seconds, one line per running stage with its count, rate and time, redrawn from a thread.

    Nothing is written before the delay, stdout is never touched, and `close` (leaving the
    `with`, on success, error or Ctrl-C alike) erases the line and shows the cursor again.
    """

    def __init__(
        self,
        console: Console,
        delay: float = DELAY,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(clock)
        self.console = console
        self.delay = delay
        self._lock = threading.Lock()  # orders the timer's start against close
        self._timer: threading.Timer | None = None
        self._live: Live | None = None
        self._closed = False

    def __enter__(self) -> Self:
        self._timer = threading.Timer(self.delay, self._show)
        self._timer.daemon = True  # never keeps an interrupted command alive
        self._timer.start()
        return self

    @property
    def showing(self) -> bool:
        """Whether the display has appeared (and not been closed)."""
        return self._live is not None and not self._closed

    def _show(self) -> None:
        with self._lock:
            if self._closed:
                return
            from rich.live import Live  # here: commands done within the delay never load it

            live = Live(
                console=self.console,
                get_renderable=self._renderable,
                refresh_per_second=REFRESH_PER_SECOND,
                transient=True,
                # Nothing of ours is printed while it runs, and stdout is the command's
                # output: rich must not replace sys.stdout or sys.stderr.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            live.start(refresh=True)
            self._live = live

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
            if self._live is not None:
                self._live.stop()

    def _renderable(self) -> RenderableType:
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 2))
        now = self.clock()
        for stage in self.running():
            name, count, rate, elapsed = stage_status(
                stage.name, stage.done, stage.total, now - stage.started
            )
            bar = ProgressBar(total=stage.total, completed=stage.done, width=24)
            cells = (Text(name, style="bold"), bar if stage.total else Text())
            grid.add_row(*cells, Text(count), Text(rate), Text(elapsed))
        return grid


def stage_status(
    name: str, done: int, total: int | None, elapsed: float
) -> tuple[str, str, str, str]:
    """A running stage's cells: name, count (of total), rate and elapsed time."""
    elapsed = max(elapsed, 0.0)
    count = f"{done:,}" if done or total is not None else ""
    if total is not None:
        count += f"/{total:,}"
    rate = ""
    if done and elapsed >= 0.05:  # a rate from a few milliseconds is noise
        per_second = done / elapsed
        rate = f"{per_second:,.0f}/s" if per_second >= 10 else f"{per_second:.1f}/s"
    minutes, seconds = divmod(int(elapsed), 60)
    return name, count, rate, f"{minutes}:{seconds:02d}"


def timing_lines(timings: Iterable[tuple[str, float]]) -> list[str]:
    """`--timings` output: `name: 1.23 s` per stage, in the order stages first ran, a stage
    that ran more than once summed (benchmarks/run.py reads these lines)."""
    totals: dict[str, float] = {}
    for name, seconds in timings:
        totals[name] = totals.get(name, 0.0) + seconds
    return [f"{name}: {seconds:.2f} s" for name, seconds in totals.items()]


def progress_for(stream: TextIO, environ: Mapping[str, str] | None = None) -> Progress:
    """A `TerminalProgress` writing to `stream` when it is an interactive terminal, else
    the plain, silent `Progress`."""
    env = os.environ if environ is None else environ
    if not interactive(stream, env):
        return Progress()
    from rich.console import Console

    # rich honours NO_COLOR (and FORCE_COLOR) itself: the line stays, its colours go.
    return TerminalProgress(Console(file=stream, highlight=False))


def interactive(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether a live display on `stream` reaches a person: a terminal that can redraw a
    line, outside CI (whose log would keep every redraw, even on a pseudo-terminal)."""
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False
    if not terminal or environ.get("TERM", "").lower() in DUMB_TERMS:
        return False
    return environ.get("CI", "").strip().lower() in NOT_SET
