"""View objects pickle to what they were made from: the build cache keys pages by their
pickled views, so a pickle must be quick to make and must change when the view does."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

from builder import views
from builder.build import prepare_site
from builder.pages import make_pages
from builder.views import PageMeta, TextPiece

FIXTURE = Path(__file__).parent / "fixtures" / "site"


def test_every_page_of_the_fixture_site_pickles_back_to_an_equal_view():
    site = prepare_site(FIXTURE, None, False)[2]
    for page in make_pages(site, search=True):
        assert pickle.loads(pickle.dumps((page.meta, page.view))) == (page.meta, page.view)


def test_a_view_pickles_as_its_constructor_call():
    assert TextPiece("a", None).__reduce__() == (TextPiece, ("a", None))
    meta = PageMeta("paper", "papers/x/", "X", "About X.")
    assert meta.__reduce__() == (PageMeta, ("paper", "papers/x/", "X", "About X.", (), True))


def test_views_differing_in_one_field_pickle_differently():
    for cls in (TextPiece, PageMeta):
        fields = [f.name for f in dataclasses.fields(cls)]
        one = cls(*(f"v{i}" for i, _ in enumerate(fields)))
        for name in fields:
            other = dataclasses.replace(one, **{name: "changed"})
            assert pickle.dumps(other) != pickle.dumps(one)


def test_every_view_class_pickles_by_its_fields():
    classes = [
        value
        for value in vars(views).values()
        if isinstance(value, type) and value.__module__ == views.__name__
    ]
    assert classes
    for cls in classes:
        if dataclasses.is_dataclass(cls):
            assert "__reduce__" in vars(cls), cls.__name__
