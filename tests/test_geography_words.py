"""What the page says of a place searched: why each group is offered, and in what order."""

from __future__ import annotations

import dataclasses

import pytest

from directory.search.interface import Hit
from directory.search.understanding import Where
from directory.web.presenters import geography

GLASGOW = Where("Glasgow", "town", (55.86, -4.25), 50, area="GB-SCT", country="GB")
TEXAS = Where("Texas", "area", area="US-TX", country="US")
BARLINNIE = Where("HMP Barlinnie", "prison", (55.87, -4.19), area="GB-SCT", country="GB")
HIT = Hit(
    slug="x",
    name="X",
    kind="family-support",
    country="GB",
    city=None,
    focus=[],
    services=["family-support"],
    url=None,
    highlight={},
    region=None,
    status="active",
)


@pytest.mark.parametrize(
    ("served_as", "services", "where", "label"),
    [
        ("region", ["family-support"], GLASGOW, "Works across Scotland"),
        ("country", ["family-support"], GLASGOW, "Works across the United Kingdom"),
        ("country", ["books"], TEXAS, "Sends books to prisons across the United States"),
        ("region", ["pen-pals"], TEXAS, "Writes to people in prisons across Texas"),
        ("international", [], GLASGOW, "Works internationally"),
        ("prison", [], BARLINNIE, "Works with HMP Barlinnie"),
        ("near", [], GLASGOW, None),  # its distance says it
        (None, [], None, None),
    ],
)
def test_each_group_says_why_it_is_offered_for_the_place(served_as, services, where, label):
    hit = dataclasses.replace(HIT, served_as=served_as, services=services)
    assert geography.served_label(hit, where) == label


def test_the_order_is_said_in_words_for_each_kind_of_place():
    assert geography.where_sentence(GLASGOW) == (
        "Groups within 50 km of Glasgow first, nearest first; then groups that work across "
        "Scotland or the whole of the United Kingdom; then international ones."
    )
    assert geography.where_sentence(TEXAS).startswith(
        "Groups that work across Texas or are based there, then those working across the "
        "United States"
    )
    assert "those that work with it first" in geography.where_sentence(BARLINNIE)
    bare = Where("55.86,-4.25", "town", (55.86, -4.25), 10)
    assert geography.where_sentence(bare) == "Groups within 10 km of 55.86,-4.25, nearest first."
    assert geography.where_sentence(None) is None


def test_a_printed_list_names_its_sections_and_its_scope():
    assert geography.section_title("near", GLASGOW) == "Near Glasgow"
    assert geography.section_title("region", GLASGOW) == "Across Scotland"
    assert geography.section_title("country", TEXAS) == "Across the United States"
    assert geography.list_scope(BARLINNIE).startswith(
        "groups for HMP Barlinnie, and groups within 50 km of HMP Barlinnie"
    )
    assert geography.list_scope(TEXAS) == (
        "groups working across Texas or the whole of the United States"
    )


def test_a_need_said_in_other_words_is_said_back():
    from directory.search.interface import SearchResults

    results = SearchResults([], 0, {}, 1, 20, need_words=("son", "write"))
    assert geography.word_notes(results, "my son write") == [
        "Groups for families and writing to people in prison first."
    ]
