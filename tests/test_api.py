"""The JSON API: every file valid against the repository's JSON Schemas, its content checked,
deterministic, and documented at /api/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from builder.api import SCHEMA_DIR, schema_names
from builder.build import build_site
from builder.paths import API_SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "site"
BASE = "https://example.org/fixture/"


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one schema, its `paper.schema.json` reference resolved beside it."""
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text(encoding="utf-8"))))
        for path in sorted(SCHEMA_DIR.glob("*.schema.json"))
    ]
    registry: Registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.FormatChecker()
    )


def check(path: Path, schema: str) -> dict:
    data = json.loads(path.read_bytes().decode("utf-8"))
    errors = sorted(validator(schema).iter_errors(data), key=str)
    assert not errors, f"{path.name}: {errors[0].message} at {list(errors[0].absolute_path)}"
    return data


def test_the_schemas_are_json_schema_2020_12_and_all_published():
    assert sorted(API_SCHEMAS) == list(schema_names())
    for name in API_SCHEMAS:
        schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The fixture site, one title with accents and one paper with every field."""
    root = tmp_path_factory.mktemp("api")
    shutil.copytree(FIXTURE, root / "content")
    day = root / "content" / "papers" / "2025-03-11.yaml"
    text = day.read_text(encoding="utf-8")
    day.write_text(
        text.replace("title: A Paper About Gardening", "title: Schrödinger’s Garden").replace(
            "    title: Limits of Dense Retrieval\n",
            "    title: Limits of Dense Retrieval\n    arxiv: arXiv:2508.21038v2\n"
            "    authors: [Ada Lovelace]\n    upvotes: 7\n    categories: [cs.IR, cs.CL]\n"
            "    url: https://example.org/dense.pdf\n",
        ),
        encoding="utf-8",
    )
    build_site(root / "content", out_dir=root / "site")
    return root / "site"


def test_papers_json_lists_every_paper_with_its_days_topics_and_permalink(site):
    data = check(site / "api" / "papers.json", "papers.schema.json")
    assert data["schema"] == f"{BASE}api/schema/papers.schema.json"
    assert data["site"] == {"title": "Fixture Digest", "url": BASE}
    ids = [paper["id"] for paper in data["papers"]]
    assert ids == sorted(ids) and data["count"] == len(ids) == 5
    fast = next(p for p in data["papers"] if p["id"] == "fast-diffusion-sampling")
    assert fast == {
        "id": "fast-diffusion-sampling",
        "title": "Fast Diffusion Sampling",
        "authors": [],
        "abstract": "We make diffusion samplers faster. Code is at https://github.com/example/fast-diffusion.",
        "arxiv": None,
        "url": None,
        "upvotes": None,
        "categories": [],
        "links": [{"url": "https://github.com/example/fast-diffusion", "kind": "code"}],
        "topics": ["diffusion"],
        "days": ["2025-03-11", "2025-03-14"],
        "permalink": f"{BASE}papers/fast-diffusion-sampling/",
        "citation": {
            "bibtex": f"{BASE}papers/fast-diffusion-sampling/cite.bib",
            "csl_json": f"{BASE}papers/fast-diffusion-sampling/cite.json",
        },
    }
    dense = next(p for p in data["papers"] if p["id"] == "dense-retrieval-limits")
    assert (dense["arxiv"], dense["upvotes"], dense["categories"]) == (
        "2508.21038",
        7,
        ["cs.IR", "cs.CL"],
    )
    assert data["days"] == [
        {"date": "2025-03-11", "count": 3, "json": f"{BASE}api/days/2025-03-11.json"},
        {"date": "2025-03-14", "count": 3, "json": f"{BASE}api/days/2025-03-14.json"},
    ]
    assert [t["slug"] for t in data["topics"]] == ["diffusion", "retrieval", "other"]


def test_every_day_and_topic_file_is_valid_and_every_listed_file_exists(site):
    index = json.loads((site / "api" / "papers.json").read_text(encoding="utf-8"))
    for day in index["days"]:
        data = check(site / day["json"].removeprefix(BASE), "day.schema.json")
        assert data["date"] == day["date"] and data["count"] == len(data["papers"]) == day["count"]
        assert data["permalink"] == f"{BASE}days/{day['date']}/"
    for topic in index["topics"]:
        data = check(site / topic["json"].removeprefix(BASE), "topic.schema.json")
        assert data["slug"] == topic["slug"] and len(data["papers"]) == topic["count"]
    march14 = json.loads((site / "api/days/2025-03-14.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in march14["papers"]] == [
        "score-based-models-revisited",
        "fast-diffusion-sampling",
        "retrieval-with-diffusion",
    ]
    diffusion = json.loads((site / "api/topics/diffusion.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in diffusion["papers"]] == [
        "score-based-models-revisited",
        "retrieval-with-diffusion",
        "fast-diffusion-sampling",
    ]


def test_json_is_utf8_with_a_fixed_layout_and_a_final_newline(site):
    raw = (site / "api" / "papers.json").read_bytes()
    assert "Schrödinger’s Garden".encode() in raw and b"\\u" not in raw
    assert raw.endswith(b"}\n") and raw.startswith(b'{\n  "schema": ')


def test_the_schemas_are_published_unchanged(site):
    for name in API_SCHEMAS:
        assert (site / "api" / "schema" / name).read_bytes() == (SCHEMA_DIR / name).read_bytes()


def test_the_api_page_documents_the_files_and_links_each(site):
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "<h1>JSON API</h1>" in html
    for href in (
        "papers.json",
        "days/2025-03-11.json",
        "topics/other.json",
        "schema/paper.schema.json",
        "schema/day.schema.json",
    ):
        assert f'href="{href}" type="application/json"' in html
    assert "&#34;permalink&#34;: &#34;https://example.org/fixture/papers/" in html
    assert 'href="../api/"' in (site / "feeds" / "index.html").read_text(encoding="utf-8")


def test_two_builds_give_the_same_bytes(site, tmp_path):
    build_site(site.parent / "content", out_dir=tmp_path / "again")
    for path in sorted((site / "api").rglob("*.json")):
        relative = path.relative_to(site)
        assert (tmp_path / "again" / relative).read_bytes() == path.read_bytes(), relative


def test_the_default_site_api_is_valid(tmp_path):
    build_site(ROOT / "content", out_dir=tmp_path / "site")
    data = check(tmp_path / "site" / "api" / "papers.json", "papers.schema.json")
    assert data["count"] == len(data["papers"]) > 200
    for topic in data["topics"]:
        check(
            tmp_path / "site" / topic["json"].removeprefix(data["site"]["url"]), "topic.schema.json"
        )
