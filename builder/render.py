"""Rendering page models through the Jinja2 theme: a site theme first, the default after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from builder.config import SiteConfig
from builder.errors import ContentError, Problem
from builder.output import OutputFile
from builder.paths import static_path
from builder.reading import other_days
from builder.symlinks import links_leaving
from builder.views import Page

DEFAULT_THEME = Path(__file__).resolve().parent.parent / "themes" / "default"


@dataclass(frozen=True, slots=True)
class Theme:
    """Theme folders in lookup order: the site's own first, the default last."""

    folders: tuple[Path, ...]


def resolve_theme(config: SiteConfig, project_dir: Path) -> Theme:
    """The site's theme folder (inside the project) in front of the default theme."""
    if config.theme is None:
        return Theme((DEFAULT_THEME,))
    where = config.path.as_posix() if config.path else "site.yaml"
    root = project_dir.resolve()
    folder = (project_dir / config.theme).resolve()
    if not folder.is_relative_to(root):
        raise ContentError(
            [
                Problem(
                    where,
                    f"theme {config.theme!r} is outside the project",
                    hint="name a folder inside the project, e.g. themes/mine",
                )
            ]
        )
    if not folder.is_dir():
        raise ContentError([Problem(where, f"theme folder {config.theme!r} does not exist")])
    # Jinja's FileSystemLoader follows symlinks: a template linked to a file elsewhere
    # would be read and published.
    if leaving := links_leaving(folder, "theme"):
        raise ContentError(leaving)
    return Theme((folder, DEFAULT_THEME) if folder != DEFAULT_THEME else (DEFAULT_THEME,))


def relative_url(from_page: str, to_path: str) -> str:
    """A link from one page's site path to another site path, relative so any mount works.

    Plain string work on normalised site paths (no `..`, no `//`): every page has dozens of
    links, and posixpath.relpath was a sixth of a whole build.
    """
    folder = from_page.split("/")[:-1]  # "days/d/" and "days/d/x.html" are both in days/d
    target = to_path.split("/")
    shared = 0
    limit = min(len(folder), len(target) - 1)
    while shared < limit and folder[shared] == target[shared]:
        shared += 1
    return "../" * (len(folder) - shared) + "/".join(target[shared:]) or "./"


def _long_date(value: dt.date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _short_date(value: dt.date) -> str:
    return f"{value:%b} {value.day}"


def _month_name(month: int) -> str:
    return dt.date(2000, month, 1).strftime("%B")


class Renderer:
    """One compiled Jinja environment per build; pages rendered in any order give the same bytes."""

    def __init__(
        self,
        theme: Theme,
        config: SiteConfig,
        search: bool = False,
        compiled_dir: Path | None = None,
    ):
        """`compiled_dir` keeps compiled templates between builds (Jinja's bytecode cache,
        checked against each template's source), so a small rebuild compiles nothing."""
        self.theme = theme
        self.config = config
        loader = jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(folder / "templates") for folder in theme.folders]
        )
        bytecode_cache = None
        if compiled_dir is not None:
            try:
                compiled_dir.mkdir(parents=True, exist_ok=True)
                bytecode_cache = jinja2.FileSystemBytecodeCache(str(compiled_dir))
            except OSError:  # an unusable cache folder: compile every time
                bytecode_cache = None
        self.env = jinja2.Environment(
            loader=loader,
            bytecode_cache=bytecode_cache,
            # A build's templates do not change while it runs (serve makes a new Renderer
            # for every rebuild): no stat of every template file each time it is used.
            auto_reload=False,
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(
            long_date=_long_date, short_date=_short_date, month_name=_month_name
        )
        self.env.filters.update(other_days=other_days)
        self.env.globals.update(config=config, search=search)  # search: the site has an index
        self.search = search

    def render_page(self, page: Page) -> OutputFile:
        meta = page.meta
        absolute = meta.kind == "notfound"  # served at any path, so links start at the root

        def url(site_path: str) -> str:
            if absolute:
                return self.config.base_path + site_path
            return relative_url(meta.url_path, site_path)

        html = self._render(
            page.template, page=meta, view=page.view, url=url, absolute_url=self.config.absolute_url
        )
        return OutputFile(meta.output_path, html.encode("utf-8"), page.source)

    def render_fragment(self, template: str, view: object) -> str:
        """A fragment for a feed item: every URL absolute, as feed readers need."""
        context = dict(view) if isinstance(view, dict) else {"view": view}
        return self._render(
            template, url=self.config.absolute_url, absolute_url=self.config.absolute_url, **context
        )

    def render_text(self, template: str, **context: Any) -> bytes:
        return self._render(template, absolute_url=self.config.absolute_url, **context).encode(
            "utf-8"
        )

    def template(self, name: str) -> jinja2.Template:
        """A compiled template; a missing or broken one is a problem naming it."""
        try:
            return self.env.get_template(name)
        except jinja2.TemplateSyntaxError as error:
            raise ContentError(
                [Problem(error.filename or name, f"template error: {error.message}", error.lineno)]
            ) from None
        except jinja2.TemplateNotFound as error:
            folders = ", ".join(f.as_posix() for f in self.theme.folders)
            problem = Problem(name, f"template {error.name!r} not found in {folders}")
            raise ContentError([problem]) from None

    def _render(self, template: str, **context: Any) -> str:
        compiled = self.template(template)
        try:
            return compiled.render(**context)
        except jinja2.TemplateSyntaxError as error:
            raise ContentError(
                [
                    Problem(
                        error.filename or template, f"template error: {error.message}", error.lineno
                    )
                ]
            ) from None
        except jinja2.TemplateNotFound as error:
            folders = ", ".join(f.as_posix() for f in self.theme.folders)
            problem = Problem(template, f"template {error.name!r} not found in {folders}")
            raise ContentError([problem]) from None
        except jinja2.UndefinedError as error:
            raise ContentError([Problem(template, f"template error: {error.message}")]) from None

    def static_files(self) -> Iterator[OutputFile]:
        """Static assets, a site theme's file replacing the default's of the same name."""
        for relative, path in sorted(_static_sources(self.theme).items()):
            yield OutputFile(static_path(relative), path.read_bytes(), f"theme file {path}")


def static_names(theme: Theme) -> list[str]:
    """The theme's static files, relative to its static folder."""
    return sorted(_static_sources(theme))


def _static_sources(theme: Theme) -> dict[str, Path]:
    chosen: dict[str, Path] = {}
    for folder in reversed(theme.folders):
        static = folder / "static"
        if not static.is_dir():
            continue
        for path in static.rglob("*"):
            if path.is_file() and not path.is_symlink():
                chosen[path.relative_to(static).as_posix()] = path
    return chosen
