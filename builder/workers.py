"""Rendering pages on every core, each page staged by the worker that rendered it.

Pages are independent once their views are made, so a build forks one worker per core after
making them: a forked worker shares the views and the compiled templates with the build
without copying or pickling them. Each worker takes chunks of page numbers, computes every
page's render key, keeps the current site's file where the key is the recorded one, renders
the others and stages those whose bytes changed; only small records travel back. No page
bytes are held in memory beyond the page being written.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from builder.cache import RenderKeys
from builder.output import FileRecord, SiteWriter, intact, stage_file, write_error
from builder.pages import SitePages, page_attachments
from builder.render import Renderer

CHUNK = 64  # pages a worker takes at a time: few round trips, even shares
SERIAL_BELOW = 400  # pages; forking costs more than it saves on a small site


@dataclass(frozen=True, slots=True)
class PageOutcome:
    path: str
    record: FileRecord
    staged: bool  # written into the staging folder
    rendered: bool  # rendered afresh (its render key was new)


@dataclass(frozen=True, slots=True)
class _Job:
    pages: SitePages
    renderer: Renderer
    keys: RenderKeys
    previous: Mapping[str, FileRecord]
    site: Path
    staging: Path


_job: _Job | None = None  # set before the workers fork, so each inherits it


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def render_pages(
    pages: SitePages,
    renderer: Renderer,
    salt: str,
    writer: SiteWriter,
    done: Callable[[int], None] = lambda count: None,
    jobs: int | None = None,
) -> int:
    """Render and stage every page through `writer`; returns how many were rendered afresh.

    `jobs` is the number of worker processes (default: one per core); `done` is told as
    pages are finished, for progress display.
    """
    global _job
    templates = set()
    for source, paths, template in pages.outputs():
        for path in paths:
            writer.claim(path, source)
        templates.add(template)
    for template in sorted(templates):  # template errors surface here, and the workers
        renderer.template(template)  # inherit the compiled templates
    workers = jobs if jobs is not None else available_cores()
    chunks = [range(start, min(start + CHUNK, len(pages))) for start in range(0, len(pages), CHUNK)]
    keys = RenderKeys(salt, pages.card_inputs)
    _job = _Job(pages, renderer, keys, writer.previous, writer.out_dir, writer.staging)
    rendered = 0
    try:
        for kept, outcomes in _outcomes(chunks, workers if len(pages) >= SERIAL_BELOW else 1):
            for number in kept:
                for path in pages.paths(number):
                    writer.record(path, writer.previous[path], False)
            for outcome in outcomes:
                writer.record(outcome.path, outcome.record, outcome.staged)
                rendered += outcome.rendered
            done(len(kept) + sum(outcome.rendered for outcome in outcomes))
    finally:
        _job = None
    return rendered


# What a worker sends back for a chunk: the numbers of the pages kept as the current site
# has them (their records are the recorded ones: only a number need travel), and the
# outcome of each file of the pages rendered.
ChunkResult = tuple[list[int], list[PageOutcome]]


def _outcomes(chunks: list[range], workers: int) -> Iterator[ChunkResult]:
    if workers <= 1 or len(chunks) <= 1:
        yield from map(_render_chunk, chunks)
        return
    context = multiprocessing.get_context("fork")
    # Frozen objects are left alone by the workers' garbage collector: without this, every
    # collection would walk, and so copy, the whole inherited heap of views.
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_die_with_build) as pool:
            yield from pool.map(_render_chunk, chunks)
    finally:
        gc.unfreeze()


def _render_chunk(numbers: range) -> ChunkResult:
    job = _job
    assert job is not None, "render_pages sets the job before rendering"
    kept: list[int] = []
    outcomes = []
    for number in numbers:
        # A paper page is keyed by what its view is made from, so keeping it costs no view.
        inputs = job.pages.input_digest(number)
        if inputs is not None:
            key = job.keys.key_of_inputs(job.pages.template(number), inputs)
        else:
            unfilled = job.pages.unfilled(number)  # its cards are slots: none made to key it
            key = job.keys.key(unfilled.template, unfilled.meta, unfilled.view)
        paths = job.pages.paths(number)
        if _kept(job, paths, key):
            kept.append(number)
            continue
        page = job.pages[number]
        made = [job.renderer.render_page(page), *page_attachments(page)]
        assert [file.path for file in made] == paths, "attachments as SitePages named them"
        for file in made:
            before = job.previous.get(file.path)
            try:
                record, staged = stage_file(
                    job.staging, job.site, file.path, file.data, before, key
                )
            except OSError as error:
                raise write_error(error, job.site / file.path, job.site) from None
            outcomes.append(PageOutcome(file.path, record, staged, file is made[0]))
    return kept, outcomes


def _kept(job: _Job, paths: list[str], key: str) -> bool:
    """Whether the current site's files of a page (and its attachments) were all made from
    `key` and are intact: then they are the new site's, records and all."""
    for path in paths:
        before = job.previous.get(path)
        if before is None or before.render_key != key or not intact(job.site, path, before):
            return False
    return True


def _die_with_build() -> None:
    """A worker dies with its build: a killed build must not leave workers writing into a
    staging folder (or holding the output folder's lock)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
