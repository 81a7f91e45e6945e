"""Progress and timings: stage times, the terminal display, and what a build prints with and
without a terminal, with --timings and with --no-related."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console

from builder.cli import main
from builder.importer import run_import
from builder.progress import (
    Progress,
    Stage,
    TerminalProgress,
    interactive,
    progress_for,
    stage_status,
    timing_lines,
)

ROOT = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "site"
BUILD_STAGES = ("load", "related", "pages", "render", "feeds", "search", "write")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def benchmark_harness():
    """benchmarks/run.py as a module: its STAGE_LINE regex and TIMINGS_FLAG."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    sys.path.insert(0, str(ROOT / "benchmarks"))  # run.py imports its sibling `report`
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
        del sys.modules[spec.name]
    return module


def terminal(width: int = 100) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=width, color_system=None), buffer


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- stage times --------------------------------------------------------------------------


def test_each_stage_records_its_time():
    clock = FakeClock()
    progress = Progress(clock)
    with progress.stage("load"):
        clock.now += 0.5
    with progress.stage("render", total=3) as stage:
        stage.advance()
        stage.advance(2)
        assert (stage.done, stage.total) == (3, 3)
        clock.now += 2.0
    assert progress.timings == [("load", 0.5), ("render", 2.0)]
    assert progress.running() == ()


def test_a_failing_stage_still_records_its_time():
    clock = FakeClock()
    progress = Progress(clock)
    with pytest.raises(KeyboardInterrupt), progress.stage("related"):
        clock.now += 1.25
        raise KeyboardInterrupt
    assert progress.timings == [("related", 1.25)]
    assert progress.running() == ()


def test_timing_lines_parse_as_the_benchmark_reads_them():
    harness = benchmark_harness()
    timings = [(name, 0.125 * index) for index, name in enumerate(BUILD_STAGES)]
    timings.append(("render", 1.0))  # a stage run twice is reported once, summed
    lines = timing_lines(timings)
    parsed = {m["name"]: float(m["seconds"]) for m in map(harness.STAGE_LINE.match, lines) if m}
    assert list(parsed) == list(BUILD_STAGES)
    assert parsed["render"] == pytest.approx(1.0 + 0.125 * 3, abs=0.005)
    assert lines[0] == "load: 0.00 s"


def test_stage_status_cells():
    assert stage_status("render", 40, 100, 2.0) == ("render", "40/100", "20/s", "0:02")
    assert stage_status("render", 3, 100, 2.0)[2] == "1.5/s"
    assert stage_status("write", 12_345, None, 75.0) == ("write", "12,345", "165/s", "1:15")
    assert stage_status("related", 0, None, 3.0) == ("related", "", "", "0:03")
    assert stage_status("pages", 0, 10, 0.0) == ("pages", "0/10", "", "0:00")


# --- the terminal display -----------------------------------------------------------------


def test_the_display_shows_stage_count_rate_and_time():
    console, buffer = terminal()
    clock = FakeClock()

    def shown(pattern: str) -> bool:
        return re.search(pattern, buffer.getvalue()) is not None

    with TerminalProgress(console, delay=0.0, clock=clock) as progress:
        with progress.stage("render", total=100) as stage:
            stage.advance(40)
            clock.now += 2.0
            wait_for(lambda: shown(r"render .*40/100\s+20/s\s+0:02"))
        with progress.stage("related"):  # no count: name and time only
            clock.now += 65.0
            wait_for(lambda: shown(r"related\s+1:05"))
    assert buffer.getvalue().endswith("\x1b[2K")  # the line erased: the display is transient
    assert "\x1b[?25h" in buffer.getvalue()  # and the cursor shown again
    assert not progress.showing


def test_nothing_is_shown_before_the_delay():
    console, buffer = terminal()
    with TerminalProgress(console, delay=60.0) as progress, progress.stage("load") as stage:
        stage.advance()
    assert buffer.getvalue() == ""
    assert [name for name, _ in progress.timings] == ["load"]


def test_an_interrupt_stops_the_display_cleanly():
    console, buffer = terminal()
    threads_before = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt):  # noqa: SIM117 - the order of exits is the point
        with TerminalProgress(console, delay=0.0) as progress:
            with progress.stage("render", total=10) as stage:
                stage.advance(3)
                wait_for(lambda: progress.showing and "3/10" in buffer.getvalue())
                raise KeyboardInterrupt
    assert not progress.showing
    assert "\x1b[?25h" in buffer.getvalue()
    assert [name for name, _ in progress.timings] == ["render"]
    size = len(buffer.getvalue())
    time.sleep(0.6)  # longer than a redraw: nothing is drawn any more
    assert len(buffer.getvalue()) == size
    wait_for(lambda: set(threading.enumerate()) <= threads_before)


def test_the_terminal_display_never_writes_to_stdout(capsys):
    stderr = sys.stderr
    console = Console(file=stderr, force_terminal=True, width=80)
    with TerminalProgress(console, delay=0.0) as progress, progress.stage("load", 5) as stage:
        stage.advance(5)
        wait_for(lambda: "5/5" in stderr.getvalue())
        print("the command's own output")
    captured = capsys.readouterr()
    assert captured.out == "the command's own output\n"
    assert "load" in captured.err


# --- choosing a display -------------------------------------------------------------------


@pytest.fixture
def pty_stream():
    leader, follower = os.openpty()
    stream = open(follower, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        yield stream
    finally:
        stream.close()
        os.close(leader)


def test_a_terminal_gets_the_display(pty_stream):
    assert type(progress_for(pty_stream, {"TERM": "xterm"})) is TerminalProgress
    assert type(progress_for(pty_stream, {"TERM": "xterm", "CI": "false"})) is TerminalProgress
    # NO_COLOR takes the colours away, not the progress line.
    chosen = progress_for(pty_stream, {"TERM": "xterm", "NO_COLOR": "1"})
    assert type(chosen) is TerminalProgress


@pytest.mark.parametrize(
    "environ", [{"TERM": "dumb"}, {"TERM": "unknown"}, {"TERM": "xterm", "CI": "true"}]
)
def test_dumb_terminals_and_ci_get_no_display(pty_stream, environ):
    assert type(progress_for(pty_stream, environ)) is Progress


def test_pipes_files_and_closed_streams_get_no_display(tmp_path):
    assert type(progress_for(io.StringIO(), {"TERM": "xterm"})) is Progress
    with (tmp_path / "log").open("w") as file:
        assert type(progress_for(file, {"TERM": "xterm"})) is Progress
    assert not interactive(file, {"TERM": "xterm"})  # closed: isatty raises ValueError


# --- import -------------------------------------------------------------------------------

SEEDS = sorted((ROOT / "content" / "raw").glob("*.txt"))


def seeded_content(root: Path) -> Path:
    content = root / "content"
    content.mkdir(parents=True)
    (content / "site.yaml").write_text("import:\n  year: 2025\n")
    return content


def test_import_reports_its_stages_and_prints_the_same(tmp_path):
    plain = run_import(SEEDS, seeded_content(tmp_path / "a"), None)
    progress = Progress()
    reported = run_import(SEEDS, seeded_content(tmp_path / "b"), None, progress=progress)
    assert [line.replace("/b/", "/a/") for line in reported] == plain
    assert [name for name, _ in progress.timings] == ["read", "load", "merge", "render", "write"]


def test_import_stages_count_their_items(tmp_path):
    seen: dict[str, tuple[int, int | None]] = {}

    class Watching(Progress):
        @contextmanager
        def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
            with super().stage(name, total) as stage:
                yield stage
            seen[name] = (stage.done, stage.total)

    run_import(SEEDS, seeded_content(tmp_path), None, progress=Watching())
    days = len(list((tmp_path / "content" / "papers").glob("*.yaml")))
    assert seen["read"] == (len(SEEDS), len(SEEDS))
    assert seen["merge"][0] == seen["merge"][1] >= days
    assert seen["render"] == seen["write"] == (days, days)


def test_import_through_pipes_prints_only_its_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths in the report are shown relative to here
    expected = run_import(SEEDS, seeded_content(Path("lib")), None)
    result = litdigest("import", "--content", seeded_content(Path("cli")), *SEEDS, cwd=tmp_path)
    assert result.stderr == ""
    assert result.stdout.splitlines() == [line.replace("lib/", "cli/") for line in expected]


def litdigest(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a child process with pipes for stdout and stderr: no terminal."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "builder", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


# --- build --------------------------------------------------------------------------------


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURE, target)
    return target


def build(content: Path, *options: str) -> None:
    """`litdigest build` of `content` into site/ beside it, without the search index (not
    what is tested here)."""
    out = content.parent / "site"
    argv = ["build", "--content", str(content), "--out", str(out), "--no-search", *options]
    assert main(argv) == 0


def test_build_help_offers_the_flags_the_benchmark_looks_for(capsys):
    harness = benchmark_harness()
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    help_text = capsys.readouterr().out
    for flag in [harness.TIMINGS_FLAG, *(flag for _, flag in harness.OPTIONAL_STAGES)]:
        assert flag in help_text


def test_build_without_a_terminal_prints_only_the_summary(content):
    out = content.parent / "site"
    result = litdigest("build", "--content", content, "--out", out, "--no-search", cwd=out.parent)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [summary] = result.stdout.splitlines()
    assert re.fullmatch(
        r"Built .* in [\d.]+ s: \d+ pages rendered, \d+ reused, \d+ files written", summary
    )


def test_timings_come_before_the_summary_as_the_benchmark_reads_them(content, capsys):
    harness = benchmark_harness()
    build(content, "--timings")
    output = capsys.readouterr().out
    *timings, summary = output.splitlines()
    assert summary.startswith("Built ")
    assert output.strip().splitlines()[-1] == summary  # what run.py records as the summary
    assert not harness.STAGE_LINE.match(summary)
    stages = {}
    for line in timings:
        match = harness.STAGE_LINE.match(line)
        assert match, line
        stages[match["name"]] = float(match["seconds"])
    assert {"load", "related", "render"} <= set(stages)
    assert "search" not in stages  # --no-search: the stage never ran


def test_no_related_leaves_paper_pages_without_related_papers(content, capsys):
    def related_sections() -> int:
        pages = sorted((content.parent / "site" / "papers").glob("*/index.html"))
        assert pages
        return sum('class="related-papers"' in page.read_text() for page in pages)

    build(content)
    assert related_sections() > 0  # the fixture's papers do have related papers
    build(content, "--no-related", "--timings")  # into the same folder, over its cache
    assert related_sections() == 0
    assert not any(line.startswith("related:") for line in capsys.readouterr().out.splitlines())
    build(content)
    assert related_sections() > 0
