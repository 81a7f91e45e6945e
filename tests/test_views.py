"""View objects pickle to what they were made from: the build cache keys pages by their
pickled views, so a pickle must be quick to make and must change when the view does."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from builder import api, charts, digests, subscription_pages, views
from builder import pages as pages_module
from builder.build import prepare_site
from builder.cache import RenderKeys
from builder.config import SiteConfig
from builder.pages import make_pages
from builder.views import CardSlot, PageMeta, PaperCard, TextPiece, TopicRef

FIXTURE = Path(__file__).parent / "fixtures" / "site"


def test_every_page_of_the_fixture_site_pickles_back_to_an_equal_view():
    site = prepare_site(FIXTURE, None, False)[2]
    for page in make_pages(site, search=True):
        assert pickle.loads(pickle.dumps((page.meta, page.view))) == (page.meta, page.view)


def _slots_and_cards(value, found):
    """Every CardSlot and PaperCard inside a view, by walking its dataclasses and tuples."""
    if isinstance(value, (CardSlot, PaperCard)):
        found.append(value)
    elif isinstance(value, tuple):
        for item in value:
            _slots_and_cards(item, found)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _slots_and_cards(getattr(value, field.name), found)
    return found


def test_list_pages_are_keyed_without_making_cards_and_rendered_with_them():
    site = prepare_site(FIXTURE, None, False)[2]
    pages = make_pages(site, search=True)
    keys = RenderKeys("salt", pages.card_inputs)
    kinds = set()
    for index in range(len(pages)):
        if pages.input_digest(index) is not None:
            continue  # a paper page: keyed by its inputs, made whole when rendered
        unfilled, page = pages.unfilled(index), pages[index]
        slots = _slots_and_cards(unfilled.view, [])
        assert all(isinstance(item, CardSlot) for item in slots), page.meta.output_path
        cards = _slots_and_cards(page.view, [])
        assert [card.id for card in cards] == [slot.paper_id for slot in slots]
        assert all(isinstance(card, PaperCard) for card in cards), "every slot is filled"
        assert keys.key(page.template, page.meta, page.view) == keys.key(
            unfilled.template, unfilled.meta, unfilled.view
        ), "a card and its slot key alike"
        if slots:
            kinds.add(page.meta.kind)
    assert {"home", "day", "topic", "note", "week"} <= kinds, kinds


def test_every_page_names_its_source_files_and_template_alike_both_ways():
    site = prepare_site(FIXTURE, None, False)[2]
    pages = make_pages(site, search=True)
    outputs = list(pages.outputs())
    assert len(outputs) == len(pages)
    for index, (source, paths, template) in enumerate(outputs):
        page = pages[index]
        assert (source, template) == (page.source, page.template)
        assert paths == pages.paths(index) and paths[0] == page.meta.output_path
        assert template == pages.template(index) and page.meta == pages.meta(index)
    assert any(len(paths) == 3 for _, paths, _ in outputs), "papers' citation files"


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
    modules = (views, charts, digests, subscription_pages, api)
    classes = [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    ]
    assert classes
    for cls in classes:
        if dataclasses.is_dataclass(cls):
            assert "__reduce__" in vars(cls), cls.__name__


# The paper's JSON-LD as partials/structured_data.html built it in Jinja before the card made
# its data: the page must not change by a byte.
JINJA_SCHOLARLY_ARTICLE = """\
{% set ns = namespace(authors=[]) %}
{% for name in card.authors %}
{% set ns.authors = ns.authors + [{"@type": "Person", "name": name}] %}
{% endfor %}
{% set data = {
  "@context": "https://schema.org",
  "@type": "ScholarlyArticle",
  "headline": card.title,
  "name": card.title,
  "abstract": card.abstract|map(attribute="text")|join,
  "url": absolute_url(card.url_path),
  "datePublished": card.days[0].isoformat(),
  "keywords": card.topics|map(attribute="name")|list,
  "isPartOf": {"@type": "WebSite", "name": config.title, "url": absolute_url("")},
} %}
{% if ns.authors %}{% set data = dict(data, author=ns.authors) %}{% endif %}
{% set same_as = same_as|select|unique|list %}
{% if same_as %}{% set data = dict(data, sameAs=same_as) %}{% endif %}
{{ data|tojson }}"""


@pytest.mark.parametrize(
    ("authors", "same_as"),
    [
        ((), [None, None]),
        (("Ada Lovelace", "Grace </script> Hopper"), ["https://arxiv.org/abs/2501.00001", None]),
        (
            ("A. N. Other",),
            ["https://arxiv.org/abs/2501.00001", "https://ARXIV.org/abs/2501.00001"],
        ),
        ((), [Markup("https://arxiv.org/abs/a&amp;b"), "https://example.org/p?x=1&y='2'"]),
        ((), ["", "https://example.org/p"]),
    ],
)
def test_the_cards_schema_org_data_is_what_the_template_made(authors, same_as):
    card = PaperCard(
        "x",
        "Café & <Tea>",
        "papers/x/",
        (TextPiece("See "), TextPiece("https://x.org", "https://x.org"), TextPiece(" — é.")),
        (),
        (TopicRef("a", "Agents & Tools", "topics/a/"),),
        (dt.date(2025, 3, 14), dt.date(2025, 3, 15)),
        authors,
        None,
        0,
    )
    config = SiteConfig(title="Digest 'n' <Co>", base_url="https://example.org/digest/")
    env = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    context = {"card": card, "same_as": same_as, "config": config}
    context["absolute_url"] = config.absolute_url
    expected = env.from_string(JINJA_SCHOLARLY_ARTICLE).render(context)
    made = card.schema_article(config.absolute_url, config.title, same_as)
    assert env.from_string("{{ data|tojson }}").render(data=made) == expected


def test_cards_kept_are_bounded_and_remade_alike(monkeypatch):
    site = prepare_site(FIXTURE, None, False)[2]
    monkeypatch.setattr(pages_module, "CARDS_KEPT", 2)
    cards = make_pages(site)._papers._cards
    ids = sorted(site.papers)[:4]
    first = [cards.paper(pid) for pid in ids]
    assert len(cards._cache) <= 2
    assert [cards.paper(pid) for pid in ids] == first, "a card made again is the same card"
