"""A static JSON API: every paper, each day, each topic, their JSON Schemas, and a page on it.

Files are deterministic: keys in a fixed order, lists in the site's order, UTF-8 without
escapes, a final newline. The schemas are the repository's `schemas/` files, copied as they
are to /api/schema/; a paper refers to `paper.schema.json` beside the file that lists it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from builder.arxiv import arxiv_id
from builder.citations import json_bytes
from builder.config import SiteConfig
from builder.errors import ContentError, Problem
from builder.grouping import Paper, papers_in_topic, topic_counts
from builder.output import OutputFile
from builder.paths import (
    API,
    API_PAPERS,
    API_SCHEMAS,
    SITE_FEED,
    api_day,
    api_schema,
    api_topic,
    cite_bib,
    cite_json,
    day_path,
    paper_path,
    topic_path,
)
from builder.pickling import pickled_by_fields
from builder.views import Page, PageMeta, SiteData

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ApiFile:
    """One file of the API as the docs page lists it."""

    label: str
    path: str  # site path
    count: int  # papers in it


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ApiView:
    papers: ApiFile
    days: tuple[ApiFile, ...]  # newest first
    topics: tuple[ApiFile, ...]  # taxonomy order
    schemas: tuple[tuple[str, str], ...]  # (file name, site path)
    example: str  # one paper as the files show it


def paper_data(paper: Paper, config: SiteConfig) -> dict:
    """One paper as every API file shows it."""
    record = paper.record
    return {
        "id": paper.id,
        "title": record.title,
        "authors": list(record.authors),
        "abstract": record.abstract,
        "arxiv": (arxiv_id(record.arxiv) or record.arxiv) if record.arxiv else None,
        "url": record.url,
        "upvotes": record.upvotes,
        "categories": list(record.categories),
        "links": [{"url": link.url, "kind": link.kind} for link in record.links],
        "topics": list(paper.topics),
        "days": [day.isoformat() for day in paper.days],
        "permalink": config.absolute_url(paper_path(paper.id)),
        "citation": {
            "bibtex": config.absolute_url(cite_bib(paper.id)),
            "csl_json": config.absolute_url(cite_json(paper.id)),
        },
    }


def api_files(site: SiteData) -> list[OutputFile]:
    """papers.json, a file per day and per topic, and the schemas."""
    config = site.config
    url = config.absolute_url
    data = {pid: paper_data(paper, config) for pid, paper in site.papers.items()}
    topic_ids = {t.slug: papers_in_topic(t.slug, site.papers, site.days) for t in site.topics}
    index = {
        "schema": url(api_schema("papers.schema.json")),
        "site": {"title": config.title, "url": config.base_url},
        "count": len(data),
        "papers": [data[pid] for pid in sorted(data)],
        "days": [
            {"date": d.date.isoformat(), "count": len(d.paper_ids), "json": url(api_day(d.date))}
            for d in site.days
        ],
        "topics": [
            {
                "slug": t.slug,
                "name": t.name,
                "count": len(topic_ids[t.slug]),
                "json": url(api_topic(t.slug)),
            }
            for t in site.topics
        ],
    }
    files = [_file(API_PAPERS, index)]
    for day in site.days:
        files.append(
            _file(
                api_day(day.date),
                {
                    "schema": url(api_schema("day.schema.json")),
                    "date": day.date.isoformat(),
                    "permalink": url(day_path(day.date)),
                    "count": len(day.paper_ids),
                    "papers": [data[pid] for pid in day.paper_ids],
                },
            )
        )
    for topic in site.topics:
        ids = topic_ids[topic.slug]
        files.append(
            _file(
                api_topic(topic.slug),
                {
                    "schema": url(api_schema("topic.schema.json")),
                    "slug": topic.slug,
                    "name": topic.name,
                    "description": topic.description,
                    "permalink": url(topic_path(topic.slug)),
                    "count": len(ids),
                    "papers": [data[pid] for pid in ids],
                },
            )
        )
    for name in API_SCHEMAS:
        files.append(OutputFile(api_schema(name), schema_bytes(name), f"schema {name}"))
    return files


def schema_bytes(name: str) -> bytes:
    """A schema file of the repository, checked to be JSON."""
    path = SCHEMA_DIR / name
    try:
        data = path.read_bytes()
        json.loads(data)
    except (OSError, ValueError) as error:
        raise ContentError([Problem(path.as_posix(), f"cannot read the schema: {error}")]) from None
    return data


def _file(path: str, data: dict) -> OutputFile:
    return OutputFile(path, json_bytes(data), f"API file {path}")


def api_page(site: SiteData) -> Page:
    """The page that documents the API and lists its files; its example is the newest day's
    first paper."""
    counts = topic_counts(site.papers.values())
    newest = site.days[-1].paper_ids[:1] if site.days else ()
    example_paper = site.papers[newest[0]] if newest else None
    example = (
        json.dumps(paper_data(example_paper, site.config), ensure_ascii=False, indent=2)
        if example_paper is not None
        else "{}"
    )
    view = ApiView(
        ApiFile("Every paper", API_PAPERS, len(site.papers)),
        tuple(
            ApiFile(day.date.isoformat(), api_day(day.date), len(day.paper_ids))
            for day in reversed(site.days)
        ),
        tuple(ApiFile(t.name, api_topic(t.slug), counts.get(t.slug, 0)) for t in site.topics),
        tuple((name, api_schema(name)) for name in API_SCHEMAS),
        example,
    )
    return Page(
        PageMeta(
            "api",
            API,
            "JSON API",
            "The site's papers as JSON files, by day and by topic, with JSON Schemas.",
            (SITE_FEED,),
        ),
        "api.html",
        view,
        "API page",
    )


def schema_names(folder: Path = SCHEMA_DIR) -> Sequence[str]:
    """The schema files the repository has."""
    return sorted(path.name for path in folder.glob("*.schema.json"))
