"""Edit and write-a-note links to the repository: right URLs, and a prefilled note that passes
check as it is."""

import datetime as dt
import re
import shutil
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from builder.build import build_site
from builder.cli import main
from builder.config import SiteConfig
from builder.errors import ProblemList
from builder.notes import parse_note
from builder.repo_links import edit_url, new_note_url
from builder.scaffold import note_text, yaml_scalar

FIXTURE = Path(__file__).parent / "fixtures" / "site"
CONFIG = SiteConfig(repo_url="https://github.com/example/digest/", repo_branch="trunk")


def test_no_repo_url_means_no_links():
    assert edit_url(SiteConfig(), "content/notes/a.md") is None
    assert new_note_url(SiteConfig(), "content/notes", "x", "X", dt.date(2025, 1, 1)) is None


def test_edit_url_opens_the_file_on_the_branch():
    assert edit_url(CONFIG, "content/notes/a b.md") == (
        "https://github.com/example/digest/edit/trunk/content/notes/a%20b.md"
    )


def test_new_note_url_carries_file_name_and_text():
    url = new_note_url(CONFIG, "content/notes", "fast-x", "Fast & X", dt.date(2025, 3, 14))
    parts = urlsplit(url)
    assert parts.path == "/example/digest/new/trunk/content/notes"
    query = parse_qs(parts.query)
    assert query["filename"] == ["fast-x-notes.md"]
    text = query["value"][0]
    assert "date: 2025-03-14" in text and "  - fast-x  # Fast & X" in text


def test_built_pages_link_to_the_repository_and_the_prefilled_note_passes_check(
    tmp_path, monkeypatch, capsys
):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    out = tmp_path / "out"
    build_site(content, out_dir=out)
    note_page = (out / "notes" / "why-retrieval-is-hard" / "index.html").read_text()
    assert (
        'href="https://github.com/example/fixture-digest/edit/main/content/notes/'
        'why-retrieval-is-hard.md"'
    ) in note_page
    paper_page = (out / "papers" / "fast-diffusion-sampling" / "index.html").read_text()
    href = unescape(re.search(r'<a href="([^"]+)">Write a note', paper_page).group(1))
    query = parse_qs(urlsplit(href).query)
    # The paper's own first day, not the newest: importing a day leaves its page alone.
    assert "date: 2025-03-11" in query["value"][0]
    (content / "notes" / query["filename"][0]).write_text(query["value"][0], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--content", "content"]) == 0, capsys.readouterr().out


YAML_WORDS = st.sampled_from(
    ["yes", "No", "null", "~", "1.5", "0x1F", "2025-03-14", "1:20", "- ", "? ", ": ", " #", "'"]
)


@settings(deadline=None, max_examples=300)
@given(st.lists(st.one_of(YAML_WORDS, st.text()), max_size=4).map("".join))
def test_a_prefilled_note_reads_back_with_its_title_whatever_the_paper_title(title):
    text = note_text(f"Notes on {title}", dt.date(2025, 3, 14), ["x"], {"x": title}, None)
    problems = ProblemList()
    note = parse_note(text, Path("x-notes.md"), problems)
    assert not problems.errors, problems.errors
    assert note is not None and note.title == " ".join(f"Notes on {title}".split())
    assert note.papers == ("x",) and note.date == dt.date(2025, 3, 14)


@given(st.text().filter(lambda text: "\n" not in text))
def test_yaml_scalar_writes_what_pyyaml_writes(value):
    dumped = yaml.safe_dump(value, width=10_000).removesuffix("\n...\n").strip()
    assert yaml_scalar(value) == dumped
