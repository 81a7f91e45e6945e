"""The `litdigest` command: parse arguments, run one stage, turn problems into exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from builder import __version__
from builder.errors import ContentError, UsageError

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2

IMPORT_EPILOG = """\
Formats, recognised by content unless --format names one:
  text        a daily-papers page copied as text
  hf-json     the JSON of huggingface.co/api/daily_papers?date=YYYY-MM-DD
  arxiv-atom  an arXiv API (export.arxiv.org/api/query) Atom response

The listing day: JSON files say it (the UTC date of each paper's submittedOnDailyAt), Atom
files too (the UTC date of each entry's <published>). A page copy says only "Sep 8": the
year is taken from --year when given; else from `import: {year: YYYY}` in
content/site.yaml; else it is the most recent year in which that date is not after today.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="litdigest",
        description="Build a static literature-digest site from paper listings and notes.",
    )
    parser.add_argument("--version", action="version", version=f"litdigest {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    imp = commands.add_parser(
        "import",
        help="import listing dumps into paper records",
        description="Import daily-paper listings (page copies, Hugging Face JSON, arXiv Atom) "
        "into content/papers/YYYY-MM-DD.yaml.",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help="listing file(s)")
    imp.add_argument("--year", type=int, help="the year of a page copy's dates")
    imp.add_argument(
        "--format",
        choices=("auto", "text", "hf-json", "arxiv-atom"),
        default="auto",
        help="the files' format (default: auto, recognised by content)",
    )
    _content_option(imp)
    imp.set_defaults(run=_run_import)

    build = commands.add_parser("build", help="build the static site")
    _content_option(build)
    build.add_argument("--out", type=Path, help="output folder (default: site/ beside content/)")
    build.add_argument("--base-url", help="override base_url from site.yaml")
    build.add_argument("--drafts", action="store_true", help="include draft notes")
    build.add_argument(
        "--no-search",
        dest="search",
        action="store_false",
        help="skip the search index (Pagefind): no search page or search box",
    )
    build.add_argument(
        "--no-related",
        dest="related",
        action="store_false",
        help="skip related papers: paper pages list none",
    )
    build.add_argument(
        "--clean",
        action="store_true",
        help="ignore the build cache and memo: render every page afresh (the output is the same)",
    )
    build.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="render with N worker processes (default: one per core; 1: none)",
    )
    build.add_argument(
        "--timings",
        action="store_true",
        help="print each stage's time (`render: 1.23 s`) on stdout, before the summary line",
    )
    build.set_defaults(run=_run_build)

    serve = commands.add_parser(
        "serve",
        help="preview the site on 127.0.0.1, rebuilding on every change",
        description="Build into .cache/serve/site beside the content folder, serve it on "
        "http://127.0.0.1:PORT/ and rebuild when content or themes change; the open page "
        "reloads itself and shows build errors. Ctrl-C stops.",
    )
    _content_option(serve)
    serve.add_argument(
        "--port", type=int, default=8000, help="port on 127.0.0.1 (default: 8000; 0: any free)"
    )
    serve.add_argument("--drafts", action="store_true", help="include draft notes")
    serve.set_defaults(run=_run_serve)

    check = commands.add_parser(
        "check",
        help="check all content without building",
        description="Validate records, notes, topics and site.yaml; exit 0 when clean, "
        "1 on content errors, 2 on usage errors.",
    )
    _content_option(check)
    check.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="github: GitHub Actions annotations",
    )
    check.set_defaults(run=_run_check)

    new = commands.add_parser("new", help="create a new note from a template")
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    note = kinds.add_parser("note", help="create content/notes/<slug>.md")
    note.add_argument("title", help="the note's title")
    note.add_argument(
        "--paper",
        action="append",
        default=[],
        metavar="ID",
        help="a paper the note discusses (repeatable)",
    )
    _content_option(note)
    note.set_defaults(run=_run_new_note)

    topics = commands.add_parser("topics", help="show topics and how papers were classified")
    _content_option(topics)
    which = topics.add_mutually_exclusive_group()
    which.add_argument("--explain", metavar="ID", help="show why a paper has its topics")
    which.add_argument(
        "--diff",
        nargs="?",
        const="HEAD",
        metavar="REF",
        help="list the papers whose topics differ from those under topics.yaml at a git ref "
        "(default: HEAD)",
    )
    topics.set_defaults(run=_run_topics)
    return parser


def _content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help="the content folder (default: ./content)",
    )


def _run_import(args: argparse.Namespace) -> int:
    from builder.importer import run_import
    from builder.progress import progress_for

    with progress_for(sys.stderr) as progress:  # gone before the report is printed
        lines = run_import(args.files, args.content, args.year, fmt=args.format, progress=progress)
    for line in lines:
        print(line)
    return EXIT_OK


def _run_build(args: argparse.Namespace) -> int:
    from builder.build import build_site
    from builder.progress import progress_for, timing_lines

    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give at least 1")
    with progress_for(sys.stderr) as progress:  # gone before anything is printed
        summary = build_site(
            args.content,
            out_dir=args.out,
            base_url=args.base_url,
            drafts=args.drafts,
            search=args.search,
            clean=args.clean,
            related=args.related,
            progress=progress,
            jobs=args.jobs,
        )
    if args.timings:
        # Before the summary, which stays the last line (benchmarks/run.py takes it as such).
        for line in timing_lines(progress.timings):
            print(line)
    print(summary)
    return EXIT_OK


def _run_serve(args: argparse.Namespace) -> int:
    from builder.serve import serve

    if not args.content.is_dir():
        raise UsageError(f"content folder {args.content} not found (pass --content DIR)")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number (0 to 65535)")
    return serve(args.content, port=args.port, drafts=args.drafts)


def _run_check(args: argparse.Namespace) -> int:
    from builder.check import check_content, format_problem

    if not args.content.is_dir():
        raise UsageError(f"content folder {args.content} not found (pass --content DIR)")
    problems = check_content(args.content)
    for problem in problems:
        print(format_problem(problem, args.format))
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if args.format == "text":
        print(f"litdigest check: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_CONTENT if errors else EXIT_OK


def _run_new_note(args: argparse.Namespace) -> int:
    from builder.scaffold import new_note

    path = new_note(args.content, args.title, args.paper)
    print(f"Created {path}; edit it, then run `litdigest check`.")
    return EXIT_OK


def _run_topics(args: argparse.Namespace) -> int:
    from builder.build import note_pins
    from builder.notes import load_notes
    from builder.symlinks import links_leaving
    from builder.topics_report import explain_paper, topic_counts_report

    if leaving := links_leaving(args.content, "content"):  # never read outside content/
        raise ContentError(leaving)
    # Notes pin the papers they discuss, as in a build (drafts are not built, so not counted).
    pins = note_pins(load_notes(args.content / "notes", include_drafts=False))
    if args.diff:
        from builder.topics_why import topics_diff_report

        lines = topics_diff_report(args.content, args.diff, pins)
    elif args.explain:
        lines = explain_paper(args.content, args.explain, pins)
    else:
        lines = topic_counts_report(args.content, pins)
    for line in lines:
        print(line)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except ContentError as error:
        for problem in error.problems:
            print(problem.format(), file=sys.stderr)
        count = sum(1 for p in error.problems if p.severity == "error")
        print(f"litdigest: {count} error(s); nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    except UsageError as error:
        print(f"litdigest: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and closed: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except OSError as error:  # a read or write no stage turned into a located problem
        where = f"{error.filename}: " if error.filename is not None else ""
        print(f"litdigest: {where}{error.strerror or error}", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("litdigest: interrupted; nothing was changed", file=sys.stderr)
        return 130
