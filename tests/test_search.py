"""Search: Pagefind indexes made from the site's data, cached by shard, found in a browser.

search_bundle is called directly on the fixture site's data: what it indexes, that the same
records give the same files, that only a changed shard is indexed again, and that a damaged
cache is noticed and mended. The default site is built, served on 127.0.0.1 under its base
path (and at another mount) and searched in Debian's Chromium (never a downloaded browser),
as a reader would: words typed into the search page, the header's form, the topic filter.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import random
import shutil
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cbor2
import pytest

from builder import search, search_records
from builder.build import build_site, prepare_site
from builder.cache import code_fingerprint
from builder.cli import main
from builder.config import load_config
from builder.errors import ContentError
from builder.grouping import Day
from builder.memo import Memo
from builder.paths import SEARCH_BUNDLE
from builder.search import CachedFile, prune_search_cache, search_bundle
from builder.views import SiteData

FIXTURE = Path(__file__).parent / "fixtures" / "site"
CONTENT = Path(__file__).resolve().parents[1] / "content"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def contents(bundle: Mapping[str, CachedFile]) -> dict[str, bytes]:
    return {path: Path(file.path).read_bytes() for path, file in bundle.items()}


def read_data(data: bytes):
    data = gzip.decompress(data)
    assert data.startswith(search.SIGNATURE)
    return data[len(search.SIGNATURE) :]


def fragments(bundle: Mapping[str, CachedFile]) -> list[dict]:
    return [
        json.loads(read_data(Path(file.path).read_bytes()))
        for path, file in bundle.items()
        if path.endswith(".pf_fragment")
    ]


def install(bundle: Mapping[str, CachedFile], site_dir: Path) -> None:
    """What the build's writer does with search_bundle's answer."""
    shutil.rmtree(site_dir / SEARCH_BUNDLE, ignore_errors=True)
    for path, file in bundle.items():
        target = site_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(file.path, target)


def with_note_body(site: SiteData, slug: str, body_html: str) -> SiteData:
    notes = tuple(
        replace(note, body_html=body_html) if note.card.slug == slug else note
        for note in site.notes
    )
    return replace(site, notes=notes)


@pytest.fixture(scope="module")
def fixture_data() -> SiteData:
    return prepare_site(FIXTURE, None, False)[2]


@pytest.fixture(scope="module")
def fixture_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("search-cache")


@pytest.fixture(scope="module")
def fixture_bundle(fixture_data, fixture_cache) -> dict[str, CachedFile]:
    return search_bundle(fixture_data, fixture_cache)


@pytest.fixture
def count_indexing(monkeypatch) -> list[str]:
    """The first URL of every set of records Pagefind is asked to index."""
    indexed: list[str] = []
    real = search.index_records

    def index_records(records, language):
        indexed.append(records[0].url if records else "(scripts)")
        return real(records, language)

    monkeypatch.setattr(search, "index_records", index_records)
    return indexed


# -- what the bundle holds --------------------------------------------------------------------


def test_the_bundle_has_a_shard_of_papers_and_one_of_notes(fixture_bundle, fixture_cache):
    assert all(path.startswith(SEARCH_BUNDLE) for path in fixture_bundle)
    assert all(Path(file.path).is_relative_to(fixture_cache) for file in fixture_bundle.values())
    shard_list = json.loads(contents(fixture_bundle)["pagefind/shards.json"])
    assert shard_list == {"shards": ["papers-0001/", "notes-0001/"]}
    for name in ("pagefind-ui.js", "pagefind-ui.css"):
        assert Path(fixture_bundle[f"pagefind/{name}"].path).is_file(), name
    counts = {}
    for shard in ("papers-0001", "notes-0001"):
        entry = json.loads(contents(fixture_bundle)[f"pagefind/{shard}/pagefind-entry.json"])
        counts[shard] = entry["languages"]["en"]["page_count"]
        for name in ("pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"):
            assert f"pagefind/{shard}/{name}" in fixture_bundle, (shard, name)
    assert counts == {"papers-0001": 5, "notes-0001": 1}  # the draft note is not built
    assert not any(name in path for path in fixture_bundle for name in search.UNUSED_FILES)


def test_each_file_comes_with_the_checksum_of_its_bytes(fixture_bundle):
    for path, file in fixture_bundle.items():
        assert hashlib.sha256(Path(file.path).read_bytes()).hexdigest() == file.sha, path


def test_papers_are_found_by_title_authors_and_abstract_notes_by_their_text(fixture_bundle):
    found = {fragment["url"]: fragment for fragment in fragments(fixture_bundle)}
    assert sorted(found) == [
        "/notes/why-retrieval-is-hard/",
        "/papers/a-paper-about-gardening/",
        "/papers/dense-retrieval-limits/",
        "/papers/fast-diffusion-sampling/",
        "/papers/retrieval-with-diffusion/",
        "/papers/score-based-models-revisited/",
    ]
    paper = found["/papers/fast-diffusion-sampling/"]
    assert paper["meta"] == {"title": "Fast Diffusion Sampling", "day": "March 11, 2025"}
    assert paper["filters"] == {"topic": ["Diffusion models"]}
    assert paper["content"].startswith("Fast Diffusion Sampling. We make diffusion samplers")
    assert found["/papers/retrieval-with-diffusion/"]["filters"] == {
        "topic": ["Diffusion models", "Retrieval"]
    }
    note = found["/notes/why-retrieval-is-hard/"]
    assert note["meta"] == {"title": "Why retrieval is hard", "day": "March 12, 2025"}
    assert note["filters"] == {"topic": ["Retrieval"]}
    assert note["content"].startswith(
        "Why retrieval is hard. The limits paper shows a counting argument. k. subsets. 2."
    )
    assert "<" not in note["content"] and "Ada Reader" not in note["content"]


def test_authors_are_searched_as_the_page_lists_them():
    from builder.search_records import byline

    assert byline(("A. Author", "B. Author")) == "A. Author, B. Author"
    many = tuple(f"Author {n}" for n in range(41))
    assert byline(many) == "Author 0, Author 1, Author 2 et al."


def test_a_notes_text_is_cut_into_blocks_and_unescaped():
    from builder.search_records import sentences, text_blocks

    html = (
        '<h2 id="x">Fish &amp; chips</h2>\n<p>One <em>line</em><br>\nand\n  '
        'a <a href="a>b">link</a></p><ul><li>first</li><li>second?</li></ul>'
    )
    blocks = text_blocks(html)
    assert blocks == ["Fish & chips", "One line and a link", "first", "second?"]
    assert sentences(blocks) == "Fish & chips. One line and a link. first. second?"


def with_day(site: SiteData, day: dt.date, ids: Mapping[str, str]) -> SiteData:
    """`site` with papers first listed on `day`: new id -> the paper it is a copy of."""
    papers = dict(site.papers)
    for new, old in ids.items():
        paper = site.papers[old]
        record = replace(paper.record, title=f"{paper.record.title} ({new})")
        papers[new] = replace(paper, id=new, record=record, days=(day,))
    return replace(site, papers=papers, days=(*site.days, Day(day, tuple(ids))))


def test_shards_hold_a_bounded_number_of_papers_filled_oldest_first(fixture_data, monkeypatch):
    monkeypatch.setattr(search_records, "SHARD_PAPERS", 2)
    ids = [p.id for p in sorted(fixture_data.papers.values(), key=lambda p: (p.first_listed, p.id))]
    shards = search_records.paper_shards(fixture_data)
    assert [shard.name for shard in shards] == ["papers-0003", "papers-0002", "papers-0001"]
    assert [{paper.id for paper in shard.papers} for shard in reversed(shards)] == [
        set(ids[0:2]),
        set(ids[2:4]),
        set(ids[4:]),
    ]
    for shard in shards:  # Pagefind is given them in that order
        urls = [record.url for record in search_records.records(shard, fixture_data)]
        assert urls == [f"/papers/{paper.id}/" for paper in shard.papers]


def test_a_new_day_changes_the_newest_shard_alone(fixture_data, monkeypatch):
    monkeypatch.setattr(search_records, "SHARD_PAPERS", 2)
    before = search_records.paper_shards(fixture_data)
    newest = max(day.date for day in fixture_data.days) + dt.timedelta(days=1)
    later = with_day(fixture_data, newest, {"copy-a": "fast-diffusion-sampling"})
    after = search_records.paper_shards(later)
    assert [shard.name for shard in after] == ["papers-0003", "papers-0002", "papers-0001"]
    assert after[1:] == before[1:]  # the same papers, the same keys: their cache is used
    assert after[0].key != before[0].key
    assert {paper.id for paper in after[0].papers} == {before[0].papers[0].id, "copy-a"}
    two = with_day(later, newest + dt.timedelta(days=1), {"copy-b": "dense-retrieval-limits"})
    assert [shard.name for shard in search_records.paper_shards(two)][:2] == [
        "papers-0004",
        "papers-0003",
    ]
    assert search_records.paper_shards(two)[1:] == after


def test_a_shards_key_changes_with_what_its_records_are_made_from(fixture_data):
    (shard,) = search_records.paper_shards(fixture_data)
    paper = shard.papers[0]
    other_topic = next(t.slug for t in fixture_data.topics if t.slug not in paper.topics)
    changes = [
        replace(paper, record=replace(paper.record, title=paper.record.title + "!")),
        replace(paper, record=replace(paper.record, abstract=paper.record.abstract + " x")),
        replace(paper, record=replace(paper.record, authors=(*paper.record.authors, "Z"))),
        replace(paper, days=(paper.first_listed - dt.timedelta(days=1),)),
        replace(paper, topics=(*paper.topics, other_topic)),
    ]
    for changed in changes:
        papers = {**fixture_data.papers, paper.id: changed}
        (other,) = search_records.paper_shards(replace(fixture_data, papers=papers))
        assert other.key != shard.key, changed
    renamed = tuple(replace(t, name=t.name + "s") for t in fixture_data.topics)
    (other,) = search_records.paper_shards(replace(fixture_data, topics=renamed))
    assert other.key != shard.key
    (note_shard,) = search_records.note_shards(fixture_data)
    edited = with_note_body(fixture_data, note_shard.notes[0].card.slug, "<p>Other.</p>")
    assert search_records.note_shards(edited)[0].key != note_shard.key


def test_a_shards_key_is_the_same_however_its_strings_are_shared(fixture_data, tmp_path):
    """Records read afresh and the memo's share their strings differently: the keys agree."""
    copied = {
        pid: replace(
            p, record=replace(p.record, authors=tuple("".join(a) for a in p.record.authors))
        )
        for pid, p in fixture_data.papers.items()
    }
    (shard,) = search_records.paper_shards(fixture_data)
    (other,) = search_records.paper_shards(replace(fixture_data, papers=copied))
    assert other.key == shard.key
    shared = {
        pid: replace(p, record=replace(p.record, authors=("A. Author", "A. Author")))
        for pid, p in fixture_data.papers.items()
    }
    apart = {
        pid: replace(p, record=replace(p.record, authors=("A. Author", "".join("A. Author"))))
        for pid, p in fixture_data.papers.items()
    }
    key = search_records.paper_shards(replace(fixture_data, papers=shared))[0].key
    assert search_records.paper_shards(replace(fixture_data, papers=apart))[0].key == key
    memo = Memo(tmp_path / "memo", code_fingerprint())
    fresh = prepare_site(FIXTURE, None, False, memo)[2]
    memo = Memo(tmp_path / "memo", code_fingerprint())
    remembered = prepare_site(FIXTURE, None, False, memo)[2]
    assert search_records.paper_shards(remembered) == search_records.paper_shards(fresh)
    assert search_records.note_shards(remembered) == search_records.note_shards(fresh)


def test_notes_are_in_bounded_shards_too(fixture_data, monkeypatch):
    note = fixture_data.notes[0]
    notes = tuple(
        replace(note, card=replace(note.card, slug=f"n{n}", date=note.card.date + dt.timedelta(n)))
        for n in range(5)
    )
    monkeypatch.setattr(search_records, "SHARD_NOTES", 2)
    shards = search_records.note_shards(replace(fixture_data, notes=notes))
    assert [[n.card.slug for n in shard.notes] for shard in shards] == [
        ["n4"],
        ["n2", "n3"],
        ["n0", "n1"],
    ]
    assert [shard.name for shard in shards] == ["notes-0003", "notes-0002", "notes-0001"]


def test_at_most_indexers_pagefinds_run_at_once(fixture_data, tmp_path, monkeypatch):
    monkeypatch.setattr(search_records, "SHARD_PAPERS", 1)
    monkeypatch.setattr(search, "INDEXERS", 1)
    running, most = [0], [0]
    lock = threading.Lock()
    real = search.index_records

    def index_records(records, language):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real(records, language)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(search, "index_records", index_records)
    bundle = search_bundle(fixture_data, tmp_path / "cache")
    assert most == [1]
    shard_list = json.loads(contents(bundle)["pagefind/shards.json"])
    assert len(shard_list["shards"]) == 6  # five papers, the notes


def test_a_site_with_nothing_to_search_still_gets_the_ui(fixture_data, tmp_path):
    empty = replace(fixture_data, papers={}, days=(), notes=())
    bundle = search_bundle(empty, tmp_path / "cache")
    assert sorted(bundle) == [
        "pagefind/pagefind-ui.css",
        "pagefind/pagefind-ui.js",
        "pagefind/shards.json",
    ]
    assert json.loads(contents(bundle)["pagefind/shards.json"]) == {"shards": []}


# -- the cache ----------------------------------------------------------------------------------


def test_the_same_records_give_byte_identical_files(fixture_data, fixture_bundle, tmp_path):
    again = search_bundle(fixture_data, tmp_path / "cache")
    assert sorted(again) == sorted(fixture_bundle)
    first, second = contents(fixture_bundle), contents(again)
    assert [path for path in first if first[path] != second[path]] == []


def test_unchanged_records_are_not_indexed_again(
    fixture_data, fixture_bundle, tmp_path, count_indexing
):
    cache = tmp_path / "cache"
    first = search_bundle(fixture_data, cache)
    assert sorted(count_indexing) == [
        "(scripts)",
        "/notes/why-retrieval-is-hard/",
        "/papers/a-paper-about-gardening/",
    ]
    count_indexing.clear()
    assert search_bundle(fixture_data, cache) == first
    assert count_indexing == []


def test_a_changed_note_indexes_the_notes_alone(fixture_data, tmp_path, count_indexing):
    cache = tmp_path / "cache"
    before = search_bundle(fixture_data, cache)
    count_indexing.clear()
    edited = with_note_body(fixture_data, "why-retrieval-is-hard", "<p>Now about tomatoes.</p>")
    after = search_bundle(edited, cache)
    assert count_indexing == ["/notes/why-retrieval-is-hard/"]
    notes = "pagefind/notes-0001/"
    assert {p: f for p, f in before.items() if not p.startswith(notes)} == {
        p: f for p, f in after.items() if not p.startswith(notes)
    }
    assert before[notes + "pagefind-entry.json"] != after[notes + "pagefind-entry.json"]
    note = next(f for f in fragments(after) if f["url"].startswith("/notes/"))
    assert note["content"] == "Why retrieval is hard. Now about tomatoes."
    # Files once handed out are never changed: the earlier answer still reads as before.
    assert all(Path(file.path).is_file() for file in before.values())


def test_files_handed_out_keep_their_bytes_when_a_damaged_shard_is_mended(
    fixture_data, tmp_path, count_indexing
):
    cache, site = tmp_path / "cache", tmp_path / "site"
    bundle = search_bundle(fixture_data, cache)
    install(bundle, site)
    before = files(site)
    entry = Path(bundle["pagefind/notes-0001/pagefind-entry.json"].path)
    entry.unlink()
    entry.write_bytes(b"{}")  # a new file, not the site's link to the old one
    count_indexing.clear()
    assert search_bundle(fixture_data, cache) == bundle
    assert count_indexing == ["/notes/why-retrieval-is-hard/"]
    assert files(site) == before
    assert contents(bundle) == {path: before[path] for path in bundle}


@pytest.mark.parametrize(
    "damage",
    [
        "the manifest is missing",
        "the manifest is cut short",
        "a file is missing",
        "a file is cut short",
        "a file has other bytes of the same size",
        "the manifest names a file outside the folder",
    ],
)
def test_a_damaged_shard_is_indexed_again(fixture_data, tmp_path, count_indexing, damage):
    cache = tmp_path / "cache"
    bundle = search_bundle(fixture_data, cache)
    expected = contents(bundle)
    fragment = next(Path(f.path) for f in bundle.values() if f.path.endswith(".pf_fragment"))
    folder = fragment.parents[1]
    manifest = folder / search.MANIFEST
    if damage == "the manifest is missing":
        manifest.unlink()
    elif damage == "the manifest is cut short":
        manifest.write_bytes(manifest.read_bytes()[:100])
    elif damage == "a file is missing":
        fragment.unlink()
    elif damage == "a file is cut short":
        fragment.write_bytes(fragment.read_bytes()[:-1])
    elif damage == "a file has other bytes of the same size":
        fragment.write_bytes(bytes(len(fragment.read_bytes())))
    else:
        data = json.loads(manifest.read_bytes())
        data["files"]["../../escape"] = next(iter(data["files"].values()))
        manifest.write_text(json.dumps(data))
    count_indexing.clear()
    assert contents(search_bundle(fixture_data, cache)) == expected
    assert len(count_indexing) == 1
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # nothing left


def test_a_copied_cache_is_checked_by_its_checksums_and_kept(
    fixture_data, tmp_path, count_indexing
):
    cache = tmp_path / "cache"
    search_bundle(fixture_data, cache)
    copy = tmp_path / "copy"
    shutil.copytree(cache, copy, copy_function=shutil.copyfile)  # new times on every file
    count_indexing.clear()
    search_bundle(fixture_data, copy)
    assert count_indexing == []


def test_pruning_keeps_only_what_the_latest_bundle_uses(fixture_data, tmp_path):
    cache = tmp_path / "cache"
    search_bundle(fixture_data, cache)
    edited = with_note_body(fixture_data, "why-retrieval-is-hard", "<p>Changed.</p>")
    latest = search_bundle(edited, cache)
    (cache / ".notes-left-by-a-killed-build").mkdir()
    assert len([p for p in cache.iterdir() if p.name.startswith("notes-")]) == 2
    prune_search_cache(cache, latest)
    used = {Path(file.path).relative_to(cache).parts[0] for file in latest.values()}
    assert sorted(p.name for p in cache.iterdir()) == sorted(used)
    assert all(Path(file.path).is_file() for file in latest.values())


def test_a_failing_pagefind_is_a_content_error(fixture_data, tmp_path, monkeypatch):
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'no service today' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    with pytest.raises(ContentError) as caught:
        search_bundle(fixture_data, tmp_path / "cache")
    messages = {problem.message for problem in caught.value.problems}
    assert messages == {"Pagefind could not index the site: no service today"}
    assert len(caught.value.problems) == 3  # each shard, and the scripts
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")
    with pytest.raises(ContentError) as caught:
        search_bundle(fixture_data, tmp_path / "cache")
    assert caught.value.problems[0].message.endswith("exit status 1")


FAKE_SERVICE = """\
import base64, json, sys, time
def answer(number, payload):
    message = json.dumps({"message_id": number, "payload": payload}).encode()
    sys.stdout.buffer.write(base64.b64encode(message) + b",")
    sys.stdout.flush()
def requests():
    pending = b""
    while chunk := sys.stdin.buffer.read1(65536):
        pending += chunk
        while b"," in pending:
            message, pending = pending.split(b",", 1)
            yield json.loads(base64.b64decode(message))
for request in requests():
    kind = request["payload"]["type"]
    if kind == "NewIndex":
        answer(request["message_id"], {"type": "NewIndex", "index_id": 0})
    elif BEHAVIOUR == "sleep":
        time.sleep(60)
    else:
        answer(request["message_id"], {"type": "Error", "message": "Failed to add file"})
"""


@pytest.mark.parametrize("behaviour", ["error", "sleep"])
def test_pagefinds_errors_and_silence_are_content_errors(
    fixture_data, tmp_path, monkeypatch, behaviour
):
    fake = tmp_path / "pagefind"
    fake.write_text(f"#!{sys.executable}\nBEHAVIOUR = {behaviour!r}\n{FAKE_SERVICE}")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    monkeypatch.setattr(search, "TIMEOUT", 1)
    notes = replace(fixture_data, papers={}, days=())
    with pytest.raises(ContentError) as caught:
        search_bundle(notes, tmp_path / "cache")
    messages = sorted(problem.message for problem in caught.value.problems)
    if behaviour == "error":  # the first record's answer: the note, then the empty runtime
        assert messages == [
            "Pagefind could not index the site: Failed to add file",
            "Pagefind could not index the site: Failed to add file (/notes/why-retrieval-is-hard/)",
        ]
    else:
        assert set(messages) == {"Pagefind could not index the site: it did not finish in 1 s"}


def test_an_unwritable_cache_is_a_content_error(fixture_data, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ContentError) as caught:
        search_bundle(fixture_data, blocker / "cache")
    assert "could not write the search index's cache" in caught.value.problems[0].message


def test_filter_values_in_any_order_give_the_same_files(fixture_bundle):
    """Pagefind lists a filter's values in hash-map order, different on every run: shuffled
    and renamed as another run would write them, the canonical files come out the same."""
    prefix = "pagefind/papers-0001/"
    canonical = {
        path.removeprefix(prefix): Path(file.path).read_bytes()
        for path, file in fixture_bundle.items()
        if path.startswith(prefix)
    }
    shuffled = dict(canonical)
    entry = json.loads(shuffled["pagefind-entry.json"])
    meta = cbor2.loads(
        read_data(shuffled.pop(f"pagefind.{entry['languages']['en']['hash']}.pf_meta"))
    )
    (name, old_hash), *_ = meta[3]
    filter_name, values = cbor2.loads(read_data(shuffled.pop(f"filter/{old_hash}.pf_filter")))
    assert len(values) > 1
    rng = random.Random(3)
    while values == sorted(values):
        rng.shuffle(values)
    new_hash, data = search._encode([filter_name, values], "en", 7)
    shuffled[f"filter/{new_hash}.pf_filter"] = data
    meta[3] = [[name, new_hash]]
    meta[5] = meta[5][::-1]
    entry["languages"]["en"]["hash"], data = search._encode(meta, "en", 9)
    shuffled[f"pagefind.{entry['languages']['en']['hash']}.pf_meta"] = data
    shuffled["pagefind-entry.json"] = json.dumps(entry).encode()
    assert shuffled != canonical

    assert search.canonical_files(shuffled) == canonical


# -- the site --------------------------------------------------------------------------------


def test_no_search_builds_no_index_no_page_and_no_box(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["build", "--content", str(FIXTURE), "--out", str(out), "--no-search"]) == 0
    assert not (out / "pagefind").exists()
    assert not (out / "search").exists()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "site-search" not in home
    assert "form-action 'none'" in home


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search") / "site"
    build_site(FIXTURE, out_dir=out)
    return out


def test_the_build_writes_the_bundle_of_the_sites_data(fixture_site, fixture_bundle):
    built = {f"pagefind/{path}": data for path, data in files(fixture_site / "pagefind").items()}
    assert built == contents(fixture_bundle)


def test_the_search_page_loads_pagefinds_ui_from_the_bundle(fixture_site):
    page = (fixture_site / "search/index.html").read_text(encoding="utf-8")
    assert 'src="../pagefind/pagefind-ui.js"' in page
    assert 'href="../pagefind/pagefind-ui.css"' in page
    assert 'src="../static/search.js"' in page
    assert 'data-bundle="../pagefind/"' in page


def test_every_page_has_the_search_box_and_only_the_search_page_runs_script(fixture_site):
    for path in ("index.html", "papers/fast-diffusion-sampling/index.html", "404.html"):
        page = (fixture_site / path).read_text(encoding="utf-8")
        assert 'class="site-search" role="search"' in page, path
        assert "script-src 'none'" in page and "form-action 'self'" in page, path
    page = (fixture_site / "search/index.html").read_text(encoding="utf-8")
    assert "script-src 'self' 'wasm-unsafe-eval';" in page
    assert 'class="site-search"' not in page  # the page has its own box


# -- in the browser --------------------------------------------------------------------------


# A note whose title and text are markup: search shows them as text and runs nothing.
HOSTILE_NOTE = """---
title: "<img src=x onerror=\\"window.__xss = 1\\"> Zebrafish"
date: 2025-09-09
---
Zebrafish <script>window.__xss = 2</script> and `<img src=x onerror="window.__xss = 3">`.
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The default site, and a note of markup, served twice on 127.0.0.1: under its base path
    and at another mount; the two base URLs."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make check-tools)")
    base_path = load_config(CONTENT).base_path
    root = tmp_path_factory.mktemp("search-browser")
    content = root / "project" / "content"
    shutil.copytree(CONTENT, content)
    (content / "notes" / "zebrafish.md").write_text(HOSTILE_NOTE, encoding="utf-8")
    site = root / base_path.strip("/")
    build_site(content, out_dir=site)
    (root / "elsewhere").mkdir()
    shutil.copytree(site, root / "elsewhere" / "deeper")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield host + base_path, host + "/elsewhere/deeper/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser_page(served):
    from playwright.sync_api import sync_playwright

    host = served[0].split("/", 3)[:3]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.add_init_script(
            "window.__violations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " (e) => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI), true);"
        )
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request",
            lambda r: (
                errors.append(f"left the host: {r.url}")
                if not r.url.startswith("/".join(host))
                else None
            ),
        )
        yield page, errors
        errors.clear()
        browser.close()


RESULT_LINKS = ".pagefind-ui__result-link"
RESULTS = ".pagefind-ui__result"
LIMITS = "On the Theoretical Limitations of Embedding-Based Retrieval"


def search_for(page, url: str, words: str) -> list[str]:
    """The titles of the results for `words` typed into the search page at `url`."""
    page.goto(url + "search/")
    page.fill(".pagefind-ui__search-input", words)
    page.wait_for_selector(RESULT_LINKS, timeout=15_000)
    page.wait_for_timeout(300)  # the last results of the merged shards
    return page.locator(RESULT_LINKS).all_inner_texts()


@pytest.mark.slow
def test_a_word_of_an_abstract_finds_the_paper_with_its_day_and_topics(served, browser_page):
    page, errors = browser_page
    base, _ = served
    titles = search_for(page, base, "theoretical limitations embedding retrieval")
    assert titles[0] == LIMITS
    first = page.locator(RESULT_LINKS).first
    href = first.get_attribute("href")
    base_path = load_config(CONTENT).base_path
    assert href == base_path + "papers/on-the-theoretical-limitations-of-embedding-based-retrieval/"
    result = page.locator(RESULTS).first.inner_text()
    assert "September 8, 2025" in result and "Retrieval and search" in result  # day, topics
    first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == LIMITS
    assert page.evaluate("window.__violations") == []
    assert errors == []


@pytest.mark.slow
def test_a_word_of_a_notes_body_finds_the_note(served, browser_page):
    page, errors = browser_page
    base, _ = served
    titles = search_for(page, base, "antidote")  # only in the PEFT note's first paragraph
    assert len(titles) == 1 and "design space" in titles[0].lower()
    result = page.locator(RESULTS).first.inner_text()
    assert "antidote" in result  # the excerpt
    page.locator(RESULT_LINKS).first.click()
    page.wait_for_load_state()
    assert page.url.startswith(base + "notes/")
    assert errors == []


@pytest.mark.slow
def test_the_header_form_opens_the_search_page_with_results(served, browser_page):
    page, errors = browser_page
    base, _ = served
    page.goto(base + "topics/")
    page.fill("#site-search-input", "monitors guiding code models")
    page.press("#site-search-input", "Enter")
    page.wait_for_selector(RESULT_LINKS, timeout=15_000)
    assert page.url.startswith(base + "search/?q=")
    assert (
        page.locator(RESULT_LINKS)
        .first.inner_text()
        .startswith("Guiding Language Models of Code with Global Context")
    )
    assert page.evaluate("window.__violations") == []
    assert errors == []


@pytest.mark.slow
def test_results_can_be_narrowed_to_a_topic(served, browser_page):
    page, errors = browser_page
    base, _ = served
    page.goto(base + "search/?q=retrieval")
    page.wait_for_selector(RESULT_LINKS, timeout=15_000)
    page.wait_for_timeout(300)
    before = page.locator(RESULTS).count()
    page.locator(".pagefind-ui__filter-name", has_text="Topic").click()
    page.locator("label", has_text="Retrieval and search").first.click()
    page.wait_for_timeout(500)
    results = page.locator(RESULTS)
    assert 0 < results.count() <= before
    for index in range(results.count()):
        assert "Retrieval and search" in results.nth(index).inner_text()
    assert errors == []


@pytest.mark.slow
def test_search_works_with_the_site_at_another_mount(served, browser_page):
    page, errors = browser_page
    _, elsewhere = served
    titles = search_for(page, elsewhere, "theoretical limitations embedding retrieval")
    assert titles[0] == LIMITS
    href = page.locator(RESULT_LINKS).first.get_attribute("href")
    assert (
        href
        == "/elsewhere/deeper/papers/on-the-theoretical-limitations-of-embedding-based-retrieval/"
    )
    page.locator(RESULT_LINKS).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == LIMITS
    assert errors == []


@pytest.mark.slow
def test_markup_in_a_note_is_found_as_text_and_never_run(served, browser_page):
    page, errors = browser_page
    base, _ = served
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    titles = search_for(page, base, "zebrafish")
    assert titles == ['<img src=x onerror="window.__xss = 1"> Zebrafish']
    excerpt = page.locator(".pagefind-ui__result-excerpt").first.inner_text()
    assert "<script>window.__xss = 2</script>" in excerpt
    assert page.evaluate("window.__xss") is None
    assert page.locator(".pagefind-ui__results img, .pagefind-ui__results script").count() == 0
    assert dialogs == [] and errors == []
