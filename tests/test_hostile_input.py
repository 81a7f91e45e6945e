"""A catalogue of hostile and broken input: each gets its exact message, and nothing changes.

Every case starts from a project whose site was built from the fixture content, feeds one bad
input to `litdigest import` or `litdigest build`, and checks the exit status, every line the
command printed to stderr, and that `content/`, the previous `site/` and the project folder
are byte for byte what they were. Inputs that could hang or fill memory (a 50 MB dump, an
enormous note, entity bombs) run in a child process with a memory limit and a timeout
(`test_bounded_inputs` below).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import unicodedata
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from builder.cli import main
from builder.records import ID_PATTERN, load_day_file
from tests.hostile.project import Project, litdigest, make_project

ABSTRACT = "We study things and find results that matter a great deal to everyone involved."
NOTE_HEAD = "---\ntitle: A note\ndate: 2025-03-12\n---\n"
IMPORT = ("import", "d.txt", "--year", "2025")
BUILD = ("build",)
NOTHING = "litdigest: 1 error(s); nothing was written"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Project:
    """The fixture project with its site built once; each test works on a copy."""
    return make_project(tmp_path_factory.mktemp("hostile"))


@pytest.fixture
def project(built: Project, tmp_path: Path, monkeypatch) -> Project:
    copy = Project(tmp_path / "project")
    shutil.copytree(built.root, copy.root, symlinks=True)
    monkeypatch.chdir(copy.root)
    return copy


def run(*args: str) -> tuple[int, list[str], str]:
    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        code = main(list(args))
    return code, err.getvalue().splitlines(), out.getvalue()


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[Project], object]
    args: tuple[str, ...]
    errors: tuple[str, ...]  # every stderr line, exactly; "{root}" is the project folder


def dump(text: str | bytes) -> Callable[[Project], object]:
    def setup(project: Project) -> None:
        path = project.root / "d.txt"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))

    return setup


def edit(relative: str, old: str, new: str) -> Callable[[Project], object]:
    def setup(project: Project) -> None:
        path = project.content / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return setup


def write(relative: str, text: str) -> Callable[[Project], object]:
    def setup(project: Project) -> None:
        path = project.content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return setup


def append(relative: str, text: str) -> Callable[[Project], object]:
    def setup(project: Project) -> None:
        with (project.content / relative).open("a", encoding="utf-8") as handle:
            handle.write(text)

    return setup


def note_linked_outside(project: Project) -> None:
    (project.root / "x.md").write_text(NOTE_HEAD + "A secret.\n", encoding="utf-8")
    (project.content / "notes" / "leak.md").symlink_to("../../x.md")


def papers_linked_outside(project: Project) -> None:
    outside = project.root / "elsewhere"
    shutil.move(project.content / "papers", outside)
    (project.content / "papers").symlink_to(outside)


def theme_template_linked_outside(project: Project) -> None:
    templates = project.root / "themes" / "mine" / "templates"
    templates.mkdir(parents=True)
    (templates / "base.html").symlink_to("/etc/passwd")
    with (project.content / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("theme: themes/mine\n")


CAFE = "Sep 8\n\nCafé Models\n\nWe study café models and find results.\n\nSecond Paper\n\n"
CUT_DUMP = (CAFE + "Another abstract about naïve things, which ends here.\n").encode()
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)

CASES = [
    # --- dumps -----------------------------------------------------------------------------
    Case(
        "dump truncated inside a character of the abstract",
        dump(CUT_DUMP[: CUT_DUMP.index("naïve".encode()) + 3]),
        IMPORT,
        (
            "d.txt:9: error: not valid UTF-8 (byte 0xc3 at offset 101) (save the file as UTF-8)",
            NOTHING,
        ),
    ),
    Case(
        "dump of binary garbage",
        dump(bytes(range(256)) * 40),
        IMPORT,
        (
            "d.txt:2: error: not valid UTF-8 (byte 0x80 at offset 128) (save the file as UTF-8)",
            NOTHING,
        ),
    ),
    Case(
        "dump of control characters that happen to be UTF-8",
        dump(b"\x00\x01\x02 hello \x7f\x1b[31m" * 100),
        IMPORT,
        (
            "d.txt:1: error: no date line found (the page copy must carry its date on a line of "
            "its own, such as `Sep 8`)",
            NOTHING,
        ),
    ),
    Case(
        "dump with a 100,000-character title line",
        dump(f"Sep 8\n\n{'T' * 100_000}\n\n{ABSTRACT}\n"),
        IMPORT,
        (
            "d.txt:3: error: this paragraph looks like an abstract with no title before it "
            "(put the paper's title on its own line above the abstract)",
            "d.txt:5: error: the title 'We study things and find results that matter a great deal "
            "t…' has no abstract (copy the abstract paragraph below it, or delete the title line)",
            "litdigest: 2 error(s); nothing was written",
        ),
    ),
    Case(
        "a dump that is a named pipe",
        lambda project: os.mkfifo(project.root / "d.txt"),
        IMPORT,
        (
            "d.txt: error: is not a regular file (a pipe, socket or device) (content files are "
            "ordinary text files)",
            NOTHING,
        ),
    ),
    Case(
        "a dump that is /dev/zero",
        lambda project: None,
        ("import", "/dev/zero", "--year", "2025"),
        (
            "/dev/zero: error: is not a regular file (a pipe, socket or device) (content files "
            "are ordinary text files)",
            NOTHING,
        ),
    ),
    Case(
        "JSON import nested a hundred thousand deep",
        lambda project: (project.root / "d.json").write_text("[" * 100_000 + "]" * 100_000),
        ("import", "d.json", "--year", "2025"),
        (
            "d.json: error: not valid JSON: nested too deeply (save the response of "
            "/api/daily_papers?date=YYYY-MM-DD exactly as it came)",
            NOTHING,
        ),
    ),
    Case(
        "JSON import with a 100,000-digit number",
        lambda project: (project.root / "d.json").write_text("[" + "9" * 100_000 + "]"),
        ("import", "d.json", "--year", "2025"),
        (
            "d.json: error: not valid JSON: a number too long to read (save the response of "
            "/api/daily_papers?date=YYYY-MM-DD exactly as it came)",
            NOTHING,
        ),
    ),
    Case(
        "Atom import reading /etc/passwd through an external entity",
        lambda project: (project.root / "d.xml").write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&e;</title></entry></feed>'
        ),
        ("import", "d.xml", "--year", "2025"),
        (
            "d.xml:2: error: not well-formed XML: syntax error (save the response of the arXiv "
            "API (export.arxiv.org/api/query) as it came)",
            NOTHING,
        ),
    ),
    # --- YAML ------------------------------------------------------------------------------
    Case(
        "a tab in a day file's indentation",
        edit("papers/2025-03-11.yaml", "    title: Limits", "\ttitle: Limits"),
        BUILD,
        (
            "content/papers/2025-03-11.yaml:11:1: error: invalid YAML: found a tab character that "
            "violates indentation (while scanning a plain scalar) (indent with spaces, not tabs)",
            NOTHING,
        ),
    ),
    Case(
        "a duplicate key",
        edit("papers/2025-03-11.yaml", "    title: Limits", "    title: Again\n    title: Limits"),
        BUILD,
        (
            "content/papers/2025-03-11.yaml:12:5: error: invalid YAML: duplicate key 'title' "
            "(first on line 11)",
            NOTHING,
        ),
    ),
    Case(
        "billion laughs (anchors and aliases)",
        write("site.yaml", BILLION_LAUGHS),
        BUILD,
        (
            "content/site.yaml:1:4: error: invalid YAML: anchors and aliases are not allowed in "
            "content files",
            NOTHING,
        ),
    ),
    Case(
        "a !!python/object/apply tag",
        write("site.yaml", "title: !!python/object/apply:os.system ['touch pwned']\n"),
        BUILD,
        (
            "content/site.yaml:1:8: error: invalid YAML: the tag "
            "'!!python/object/apply:os.system' is not allowed (content files are plain data: "
            "remove the tag)",
            NOTHING,
        ),
    ),
    Case(
        "a !!python/name tag in a record",
        edit(
            "papers/2025-03-11.yaml",
            "    title: Limits of Dense Retrieval",
            "    title: !!python/name:os.system",
        ),
        BUILD,
        (
            "content/papers/2025-03-11.yaml:11:12: error: invalid YAML: the tag "
            "'!!python/name:os.system' is not allowed (content files are plain data: remove the "
            "tag)",
            NOTHING,
        ),
    ),
    Case(
        "a record without a title",
        edit("papers/2025-03-11.yaml", "    title: Limits of Dense Retrieval\n", ""),
        BUILD,
        ("content/papers/2025-03-11.yaml:10: error: paper #2 has no `title`", NOTHING),
    ),
    Case(
        "one id for two papers on two days",
        edit(
            "papers/2025-03-14.yaml",
            "  - id: retrieval-with-diffusion\n",
            "  - id: dense-retrieval-limits\n",
        ),
        BUILD,
        (
            "content/papers/2025-03-14.yaml:18: error: paper id 'dense-retrieval-limits' is "
            "already used by a different paper (see 2025-03-11.yaml line 10; give one a new id)",
            NOTHING,
        ),
    ),
    Case(
        "one id twice in a day",
        edit(
            "papers/2025-03-11.yaml",
            "  - id: dense-retrieval-limits\n",
            "  - id: fast-diffusion-sampling\n",
        ),
        BUILD,
        (
            "content/papers/2025-03-11.yaml:10: error: paper id 'fast-diffusion-sampling' appears "
            "twice in this day (first on line 3)",
            NOTHING,
        ),
    ),
    Case(
        "a day file that is a named pipe",
        lambda project: os.mkfifo(project.content / "papers" / "2025-03-20.yaml"),
        BUILD,
        (
            "content/papers/2025-03-20.yaml: error: is not a regular file (a pipe, socket or "
            "device) (content files are ordinary text files)",
            NOTHING,
        ),
    ),
    # --- notes -----------------------------------------------------------------------------
    Case(
        "front matter not closed",
        write("notes/open.md", "---\ntitle: Open\ndate: 2025-03-12\n\nThe text.\n"),
        BUILD,
        (
            "content/notes/open.md:1: error: front matter not closed (add a line with just `---` "
            "between the front matter and the text)",
            NOTHING,
        ),
    ),
    Case(
        "a note that is a symlink to ../x.md, outside the content",
        note_linked_outside,
        BUILD,
        (
            "content/notes/leak.md: error: is a symlink to ../../x.md, outside the content "
            "folder; refusing to read it (copy the file into the content folder instead of "
            "linking to it)",
            NOTHING,
        ),
    ),
    Case(
        "the papers folder a symlink to a folder outside the content",
        papers_linked_outside,
        BUILD,
        (
            "content/papers: error: is a symlink to {root}/elsewhere, outside the content folder; "
            "refusing to read it (copy the file into the content folder instead of linking to it)",
            NOTHING,
        ),
    ),
    Case(
        "a note linking paper:../../etc and ../../../etc/passwd",
        write(
            "notes/evil.md",
            NOTE_HEAD + "See [this](paper:../../etc/passwd) and [that](../../../etc/passwd).\n",
        ),
        BUILD,
        (
            "content/notes/evil.md:5: error: link to unknown paper `../../etc/passwd` (use the "
            "`id:` of a paper in content/papers/)",
            "content/notes/evil.md:5: error: link `../../../etc/passwd` leaves the site (site "
            "links start at the site root, e.g. /topics/diffusion/; link papers with paper:ID)",
            "litdigest: 2 error(s); nothing was written",
        ),
    ),
    Case(
        "a note over the size limit",
        write("notes/big.md", NOTE_HEAD + "word " * 60_000),
        BUILD,
        (
            "content/notes/big.md: error: too large: 293 KiB, a content file may have at most "
            "256 KiB (split it into smaller files, or check that this is the file you meant)",
            NOTHING,
        ),
    ),
    # --- config and theme -----------------------------------------------------------------
    Case(
        "base_url without a scheme",
        edit(
            "site.yaml", "base_url: https://example.org/fixture/", "base_url: example.org/fixture/"
        ),
        BUILD,
        (
            "content/site.yaml:3: error: `base_url` 'example.org/fixture/' must be an absolute "
            "http(s) URL (for example https://example.org/digest/)",
            NOTHING,
        ),
    ),
    Case(
        "a theme path outside the project",
        append("site.yaml", "theme: ../../elsewhere\n"),
        BUILD,
        (
            "content/site.yaml: error: theme '../../elsewhere' is outside the project (name a "
            "folder inside the project, e.g. themes/mine)",
            NOTHING,
        ),
    ),
    Case(
        "a theme template that is a symlink to /etc/passwd",
        theme_template_linked_outside,
        BUILD,
        (
            "themes/mine/templates/base.html: error: is a symlink to /etc/passwd, outside the "
            "theme folder; refusing to read it (copy the file into the theme folder instead of "
            "linking to it)",
            NOTHING,
        ),
    ),
]


# --- the output folder: a mistyped --out must not replace anything -------------------------
OUT_HINT = "(choose another --out, such as site/)"


def make_folder(name: str, *files: str) -> Callable[[Project], object]:
    def setup(project: Project) -> None:
        (project.root / name).mkdir()
        for file in files:
            (project.root / name / file).write_text("mine")

    return setup


CASES += [
    Case(
        "--out is the content folder",
        lambda project: None,
        ("build", "--out", "content"),
        (f"content: error: the output folder is the content folder {OUT_HINT}", NOTHING),
    ),
    Case(
        "--out is the project folder, which holds the content",
        lambda project: None,
        ("build", "--out", "."),
        (
            ".: error: the output folder holds the content folder content: a build would "
            f"replace both {OUT_HINT}",
            NOTHING,
        ),
    ),
    Case(
        "--out is inside the content folder",
        lambda project: None,
        ("build", "--out", "content/site"),
        (
            f"content/site: error: the output folder is inside the content folder content "
            f"{OUT_HINT}",
            NOTHING,
        ),
    ),
    Case(
        "--out is /",
        lambda project: None,
        ("build", "--out", "/"),
        (f"/: error: the output folder cannot be the root of the file system {OUT_HINT}", NOTHING),
    ),
    Case(
        "--out is a folder of someone's files",
        make_folder("docs", "thesis.tex"),
        ("build", "--out", "docs"),
        (
            "docs: error: docs is not empty and was not built by litdigest (it has no "
            ".litdigest-site); refusing to replace it (choose another --out, or remove the "
            "folder if it is an old build)",
            NOTHING,
        ),
    ),
    Case(
        "--out is a file",
        lambda project: (project.root / "notes.txt").write_text("mine"),
        ("build", "--out", "notes.txt"),
        (f"notes.txt: error: the output folder is a file {OUT_HINT}", NOTHING),
    ),
    Case(
        "--out is inside a file",
        lambda project: (project.root / "notes.txt").write_text("mine"),
        ("build", "--out", "notes.txt/site"),
        (
            "notes.txt/site: error: notes.txt is a file, so no output folder can be made inside "
            f"it {OUT_HINT}",
            NOTHING,
        ),
    ),
    Case(
        "--out is a symlink to the site",
        lambda project: (project.root / "published").symlink_to("site"),
        ("build", "--out", "published"),
        (
            "published: error: the output folder is a symlink: a build would replace the link, "
            "not its folder (give the folder itself, --out {root}/site)",
            NOTHING,
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_gets_its_message_and_changes_nothing(project: Project, case: Case):
    case.setup(project)
    before = project.state()
    status, errors, _ = run(*case.args)
    assert status == 1
    assert errors == [line.replace("{root}", str(project.root)) for line in case.errors]
    assert project.state() == before, "content/, site/ or the project folder changed"


# --- inputs that are accepted: what they become ------------------------------------------


def imported(project: Project, text: str) -> tuple[list[str], list[tuple[str, str]]]:
    (project.root / "d.txt").write_text(text, encoding="utf-8")
    status, errors, out = run(*IMPORT)
    assert status == 0, errors
    records = load_day_file(project.content / "papers" / "2025-09-08.yaml").records
    return out.splitlines(), [(record.id, record.title) for record in records]


def test_a_dump_truncated_mid_abstract_is_imported_with_a_warning(project: Project):
    cut = CUT_DUMP[: CUT_DUMP.index(b"which") - 2].decode()
    out, records = imported(project, cut)
    assert out[-1] == (
        "d.txt:7: warning: the last paper's abstract ends mid-sentence "
        "(`…er abstract about naïve things`): the copy may be cut short "
        "(compare the end of the file with the listing page)"
    )
    assert [title for _, title in records] == ["Café Models", "Second Paper"]


def test_a_complete_dump_gets_no_warning(project: Project):
    out, _ = imported(project, CUT_DUMP.decode())
    assert not [line for line in out if "warning" in line]


def test_titles_that_slug_to_nothing_or_to_reserved_names_get_safe_ids(project: Project):
    titles = ["???", "..", "con", "a/b\\c", "../../etc/passwd", "\\\\server\\share", "NUL"]
    text = "Sep 8\n\n" + "".join(f"{t}\n\n{ABSTRACT} Number {n}.\n\n" for n, t in enumerate(titles))
    _, records = imported(project, text)
    ids = [paper_id for paper_id, _ in records]
    assert [title for _, title in records] == titles
    assert all(ID_PATTERN.fullmatch(paper_id) for paper_id in ids), ids
    assert re.fullmatch(r"paper-[0-9a-f]{8}", ids[0]) and re.fullmatch(r"paper-[0-9a-f]{8}", ids[1])
    assert re.fullmatch(r"con-[0-9a-f]{8}", ids[2]) and re.fullmatch(r"nul-[0-9a-f]{8}", ids[6])
    assert ids[3] == "a-b-c" and ids[4] == "etc-passwd" and len(set(ids)) == len(ids)
    status, errors, _ = run(*BUILD)
    assert status == 0, errors
    for paper_id in ids:
        assert (project.site / "papers" / paper_id / "index.html").is_file()
    assert sorted(p.name for p in project.root.iterdir() if p.name != ".cache") == [
        "content",
        "d.txt",
        "site",
    ]


def test_right_to_left_and_zero_width_characters_never_reach_an_id(project: Project):
    rlo, pop, zwsp, zwj = "\u202e", "\u202c", "\u200b", "\u200d"
    text = (
        f"Sep 8\n\n{rlo}Txet{pop} Dro{zwsp}wned{zwj} Models\n\n{ABSTRACT}\n\n"
        f"שלום עולם\n\n{ABSTRACT} Two.\n"
    )
    _, records = imported(project, text)
    assert records[0] == ("txet-drowned-models", "Txet Drowned Models")
    assert all(ID_PATTERN.fullmatch(paper_id) for paper_id, _ in records)
    assert records[1][1] == "שלום עולם"
    for _, title in records:
        assert not [c for c in title if unicodedata.category(c) == "Cf"], title


def test_one_title_in_two_unicode_normal_forms_is_one_paper(project: Project):
    title = "Café Résumé Naïve"
    nfc, nfd = unicodedata.normalize("NFC", title), unicodedata.normalize("NFD", title)
    assert nfc != nfd
    out, records = imported(project, f"Sep 8\n\n{nfc}\n\n{ABSTRACT}\n\n{nfd}\n\n{ABSTRACT}\n")
    assert records == [("cafe-resume-naive", nfc)]
    assert "1 new, 0 already there, 1 repeated in the dump" in out[1]


def test_deeply_nested_lists_and_quotes_are_cut_at_a_fixed_depth(project: Project):
    lists = "".join("  " * depth + "- item\n" for depth in range(300))
    write("notes/deep.md", NOTE_HEAD + ">" * 50_000 + " quoted\n\n" + lists)(project)
    status, errors, _ = run(*BUILD)
    assert status == 0, errors
    page = (project.site / "notes" / "deep" / "index.html").read_text(encoding="utf-8")
    assert 0 < page.count("<blockquote>") <= 20 and 0 < page.count("<ul>") <= 20


# --- bounded time and memory ---------------------------------------------------------------


def big_note(body: str) -> str:
    """A note just under the size limit, its body `body` repeated."""
    text = NOTE_HEAD + body * (256 * 1024 // len(body))
    return text[: 256 * 1024 - 1]


BOUNDED = {
    # name: (setup, args, exit status, last stderr line or None)
    "a 50 MB dump": (
        lambda project: (project.root / "d.txt").write_bytes(b"Sep 8\n\n" + b"x" * 50_000_000),
        IMPORT,
        1,
        "d.txt: error: too large: 47.7 MiB, a content file may have at most 4 MiB (split it "
        "into smaller files, or check that this is the file you meant)",
    ),
    "a 50 MB day file": (
        lambda project: (project.content / "papers" / "2025-03-20.yaml").write_bytes(
            b"date: 2025-03-20\npapers: []\n" + b"#" * 50_000_000
        ),
        BUILD,
        1,
        "content/papers/2025-03-20.yaml: error: too large: 47.7 MiB, a content file may have "
        "at most 4 MiB (split it into smaller files, or check that this is the file you meant)",
    ),
    "a day file nested a million deep": (
        write("papers/2025-03-20.yaml", "[" * 1_000_000),
        BUILD,
        1,
        None,
    ),
    "a note of 60,000 headings with one name": (
        write("notes/headings.md", big_note("# Same\n")),
        BUILD,
        0,
        None,
    ),
    "a note of one table 1,000 columns wide": (
        write("notes/table.md", big_note("|" + "a|" * 1000 + "\n|" + "-|" * 1000 + "\n")),
        BUILD,
        0,
        None,
    ),
    "a note of 120,000 open brackets": (
        write("notes/brackets.md", big_note("[" * 1000 + "a" + "](x" * 1000 + "\n")),
        BUILD,
        0,
        None,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BOUNDED))
def test_bounded_inputs(built: Project, tmp_path: Path, name: str):
    """Refused fast or built in bounded time, in a child limited to 1 GiB of address space."""
    setup, args, status, last = BOUNDED[name]
    project = Project(tmp_path / "project")
    shutil.copytree(built.root, project.root, symlinks=True)
    setup(project)
    before = project.state()
    result = litdigest(*args, cwd=project.root)  # a hang fails by the timeout
    assert result.returncode == status, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    if last is not None:
        assert result.stderr.splitlines()[0] == last
    if status:
        assert project.state() == before
