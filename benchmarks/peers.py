"""Hugo and Pelican sources for the corpus litdigest just built, with the same topics.

Run with the repository's Python (it reads the corpus through litdigest's own loader, so each
paper gets exactly the topics and days litdigest gave it):

    python benchmarks/peers.py --content DIR --hugo DIR --pelican DIR

Each peer gets one content file per paper (its abstract as the body) and per note (paper:
links pointed at the peer's paper pages), plus the configuration and minimal theme kept in
benchmarks/peers/: one page per paper, per-topic lists paginated like litdigest's, per-day
lists, RSS feeds of 50 items for the site and every topic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
from pathlib import Path

from builder.build import prepare_site
from builder.notes import load_notes

HERE = Path(__file__).resolve().parent
PAPER_LINK = re.compile(r"\]\(paper:([a-z0-9-]+)\)")


def export(content: Path, hugo: Path | None, pelican: Path | None) -> int:
    """Write the peers' source trees; returns the number of papers."""
    # The assembled site is the last thing prepare_site returns (its other parts have changed).
    site = prepare_site(content, None, False)[-1]
    notes = load_notes(content / "notes", include_drafts=False)
    papers = []
    for day in site.days:
        for position, paper_id in enumerate(day.paper_ids):
            paper = site.papers[paper_id]
            if paper.first_listed == day.date:
                # Seconds after midnight keep the listing order in date-sorted lists.
                stamp = dt.datetime.combine(day.date, dt.time()) + dt.timedelta(
                    seconds=10_000 - position
                )
                papers.append((paper, stamp))
    page_size = site.config.topic_page_size
    if hugo is not None:
        _fresh(hugo, HERE / "peers" / "hugo")
        _hugo_config(hugo, site.config, page_size)
        for paper, stamp in papers:
            front = {
                "title": paper.record.title,
                "date": stamp.isoformat() + "Z",
                "topics": list(paper.topics),
                "days": [day.isoformat() for day in paper.days],
            }
            _write(hugo / "content" / "papers" / f"{paper.id}.md", front, paper.record.abstract)
        for note in notes:
            front = {"title": note.title, "date": f"{note.date.isoformat()}T00:00:00Z"}
            _write(hugo / "content" / "notes" / f"{note.slug}.md", front, _links(note.body))
    if pelican is not None:
        _fresh(pelican, HERE / "peers" / "pelican")
        settings = (pelican / "pelicanconf.py").read_text(encoding="utf-8")
        settings += f"\nSITENAME = {site.config.title!r}\nDEFAULT_PAGINATION = {page_size}\n"
        (pelican / "pelicanconf.py").write_text(settings, encoding="utf-8")
        for paper, stamp in papers:
            meta = {
                "Title": paper.record.title,
                "Date": stamp.strftime("%Y-%m-%d %H:%M:%S"),
                "Category": "papers",
                "Tags": ", ".join(paper.topics),
                "Slug": paper.id,
            }
            _write_pelican(pelican / "content" / "papers" / f"{paper.id}.md", meta, paper.record)
        for note in notes:
            meta = {
                "Title": note.title,
                "Date": f"{note.date.isoformat()} 00:00:00",
                "Category": "notes",
                "Slug": note.slug,
            }
            path = pelican / "content" / "notes" / f"{note.slug}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_meta_lines(meta) + _links(note.body), encoding="utf-8")
    return len(papers)


def _fresh(target: Path, template: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(template, target)


def _hugo_config(hugo: Path, config, page_size: int) -> None:
    text = (hugo / "hugo.toml").read_text(encoding="utf-8")
    text = text.replace("@BASE_URL@", config.base_url).replace("@TITLE@", json.dumps(config.title))
    text = text.replace("@PAGE_SIZE@", str(page_size))
    (hugo / "hugo.toml").write_text(text, encoding="utf-8")


def _links(body: str) -> str:
    """Notes live at notes/<slug>/ in both peers, papers at papers/<id>/."""
    return PAPER_LINK.sub(r"](../../papers/\1/)", body)


def _write(path: Path, front: dict, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Hugo reads a JSON object at the top of a file as front matter.
    path.write_text(json.dumps(front, ensure_ascii=False) + "\n\n" + body + "\n", encoding="utf-8")


def _meta_lines(meta: dict[str, str]) -> str:
    return "".join(f"{key}: {' '.join(value.split())}\n" for key, value in meta.items() if value)


def _write_pelican(path: Path, meta: dict[str, str], record) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_meta_lines(meta) + "\n" + record.abstract + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--hugo", type=Path)
    parser.add_argument("--pelican", type=Path)
    args = parser.parse_args(argv)
    print(f"{export(args.content, args.hugo, args.pelican)} papers exported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
