"""Theme lookup: a site's own theme folder first, the default theme for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.build import build_site
from builder.render import DEFAULT_THEME

DAY = """\
date: 2025-03-11
papers:
  - id: a-small-paper
    title: A Small Paper
    abstract: It shows one thing, with code at https://example.com/code.
    links:
      - {url: "https://example.com/code", kind: code}
"""

OVERRIDE_TEMPLATE = """\
{% extends "base.html" %}
{% block content %}
<h1>Our own topics page</h1>
<ul>{% for item in view.topics %}<li>{{ item.topic.name }}</li>{% endfor %}</ul>
{% endblock %}
"""

OVERRIDE_CSS = "/* mytheme */ body { background: #fff; }\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "papers" / "2025-03-11.yaml").write_text(DAY, encoding="utf-8")
    (content / "site.yaml").write_text(
        "title: Theme test\nbase_url: https://example.org/t/\ntheme: mytheme\n", encoding="utf-8"
    )
    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "topics.html").write_text(OVERRIDE_TEMPLATE, encoding="utf-8")
    (theme / "static" / "style.css").write_text(OVERRIDE_CSS, encoding="utf-8")
    return tmp_path


def test_an_overridden_template_and_static_file_win(project):
    out = project / "site"
    build_site(project / "content", out_dir=out)
    topics = (out / "topics" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Our own topics page</h1>" in topics
    assert "<li>Other</li>" in topics
    # The override extends the default base layout, found through the fallback.
    assert '<a class="skip-link" href="#main">' in topics
    assert (out / "static" / "style.css").read_text(encoding="utf-8") == OVERRIDE_CSS


def test_everything_else_falls_back_to_the_default_theme(project):
    out = project / "site"
    build_site(project / "content", out_dir=out)
    default_static = DEFAULT_THEME / "static"
    for path in default_static.rglob("*"):
        if path.is_file() and path.name != "style.css":
            relative = path.relative_to(default_static).as_posix()
            assert (out / "static" / relative).read_bytes() == path.read_bytes(), relative
    paper = (out / "papers" / "a-small-paper" / "index.html").read_text(encoding="utf-8")
    assert "<h1>A Small Paper</h1>" in paper
    assert '<a href="https://example.com/code">https://example.com/code</a>' in paper
    assert 'class="badge badge--code"' in paper
    assert "Our own topics page" not in (out / "index.html").read_text(encoding="utf-8")


def test_the_default_theme_alone_builds_the_same_pages_without_the_override(project):
    (project / "content" / "site.yaml").write_text(
        "title: Theme test\nbase_url: https://example.org/t/\n", encoding="utf-8"
    )
    out = project / "site"
    build_site(project / "content", out_dir=out)
    assert "Our own topics page" not in (out / "topics" / "index.html").read_text(encoding="utf-8")
    assert (out / "static" / "style.css").read_bytes() == (
        DEFAULT_THEME / "static" / "style.css"
    ).read_bytes()
