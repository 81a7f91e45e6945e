"""arXiv categories, the second taxonomy: which there are, their papers, and their pages.

A category is a term the records name (`categories: [cs.LG, …]`), not a rule-matched topic.
Its pages are built like topic pages — an index at /categories/, one paginated page and one
feed per category — and only when some paper has a category, so a site without them is
exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from builder.grouping import Day, Paper, paginate
from builder.paths import CATEGORIES, SITE_FEED, category_feed, category_path
from builder.views import (
    Page,
    PageMeta,
    Pagination,
    PaperCard,
    TopicInfo,
    TopicRef,
    TopicsIndexView,
    TopicSummary,
    TopicView,
)


def category_slug(name: str) -> str:
    """`cs.LG` → `cs-lg`; arXiv category names are ASCII letters, dots and hyphens."""
    return name.lower().replace(".", "-")


def site_categories(papers: Mapping[str, Paper]) -> tuple[TopicInfo, ...]:
    """Every category some paper has, sorted by name."""
    names = sorted({name for paper in papers.values() for name in paper.record.categories})
    return tuple(
        TopicInfo(category_slug(name), name, f"Papers in the arXiv category {name}.")
        for name in names
    )


def papers_in_category(
    name: str, papers: Mapping[str, Paper], days: Sequence[Day]
) -> tuple[str, ...]:
    """Every paper in this category, newest first by the day it was first listed."""
    return papers_by_category(papers, days).get(name, ())


_by_category: list[tuple[Mapping[str, Paper], Sequence[Day], dict[str, tuple[str, ...]]]] = []


def papers_by_category(
    papers: Mapping[str, Paper], days: Sequence[Day]
) -> dict[str, tuple[str, ...]]:
    """Each category's papers, newest first by the day each was first listed, in listing
    order within a day. Made in one pass and kept for the same `papers` and `days`, as
    `grouping.papers_by_topic`: page counts, pages and feeds ask for every category, and a
    pass over every paper for each of a hundred categories is most of a build at scale."""
    if _by_category and _by_category[0][0] is papers and _by_category[0][1] is days:
        return _by_category[0][2]
    found: dict[str, list[str]] = {}
    for day in sorted(days, key=lambda day: day.date, reverse=True):
        for paper_id in day.paper_ids:
            paper = papers[paper_id]
            if paper.first_listed == day.date:
                for name in dict.fromkeys(paper.record.categories):
                    found.setdefault(name, []).append(paper_id)
    result = {name: tuple(ids) for name, ids in found.items()}
    _by_category[:] = [(papers, days, result)]
    return result


def category_ref(category: TopicInfo) -> TopicRef:
    return TopicRef(category.slug, category.name, category_path(category.slug))


def category_refs(names: Sequence[str]) -> tuple[TopicRef, ...]:
    """Links to the pages of these categories, in the record's order."""
    return tuple(TopicRef(category_slug(n), n, category_path(category_slug(n))) for n in names)


def category_pages(
    categories: Sequence[TopicInfo],
    papers: Mapping[str, Paper],
    days: Sequence[Day],
    page_size: int,
    card: Callable[[str], PaperCard],
) -> list[Page]:
    """The index of categories and each category's pages; none when there are none."""
    if not categories:
        return []
    ids = {c.slug: papers_in_category(c.name, papers, days) for c in categories}
    index = TopicsIndexView(
        tuple(TopicSummary(category_ref(c), c.description, len(ids[c.slug])) for c in categories)
    )
    pages = [
        Page(
            PageMeta(
                "categories",
                CATEGORIES,
                "arXiv categories",
                "All arXiv categories of the papers, with their paper counts.",
                (SITE_FEED,),
            ),
            "categories.html",
            index,
            "categories index",
        )
    ]
    for category in categories:
        chunks = paginate(ids[category.slug], page_size)
        numbers = tuple((n, category_path(category.slug, n)) for n in range(1, len(chunks) + 1))
        feed = category_feed(category)
        for number, chunk in enumerate(chunks, start=1):
            pagination = Pagination(
                number,
                len(chunks),
                category_path(category.slug, number - 1) if number > 1 else None,
                category_path(category.slug, number + 1) if number < len(chunks) else None,
                numbers,
            )
            view = TopicView(
                category_ref(category),
                category.description,
                len(ids[category.slug]),
                tuple(card(pid) for pid in chunk),
                pagination,
                feed,
            )
            title = f"arXiv {category.name}" + (f" (page {number})" if number > 1 else "")
            pages.append(
                Page(
                    PageMeta(
                        "category",
                        category_path(category.slug, number),
                        title,
                        category.description,
                        (feed, SITE_FEED),
                    ),
                    "category.html",
                    view,
                    f"category {category.name!r} page {number}",
                )
            )
    return pages
