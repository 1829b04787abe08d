"""Reading a query: places and prisons become geography, needs become a boost, the rest are
words to match. Both backends search what this makes of a query."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from directory import places
from directory.search.understanding import Understanding, near_place, plain


@dataclass(frozen=True)
class Prison:
    slug: str
    name: str
    country: str
    area: str
    latitude: float | None
    longitude: float | None


class Register:
    """Two prisons, as the register gives them to query reading."""

    prisons = {
        "hmp-barlinnie": Prison("hmp-barlinnie", "HMP Barlinnie", "GB", "GB-SCT", 55.87, -4.19),
        "hmp-leeds": Prison("hmp-leeds", "HMP Leeds", "GB", "GB-ENG", 53.8, -1.58),
    }

    def names(self):
        return {
            "hmp barlinnie": "hmp-barlinnie",
            "barlinnie": "hmp-barlinnie",
            "hmp leeds": "hmp-leeds",
            "leeds": "hmp-leeds",
            "armley": "hmp-leeds",
        }

    def get(self, slug):
        return self.prisons.get(slug)


@pytest.fixture(scope="module")
def reader(gazetteer: Path) -> Understanding:
    return Understanding(places.Gazetteer(gazetteer), Register())


@pytest.mark.parametrize(
    ("q", "words", "kind", "label", "area"),
    [
        ("help for families glasgow", ("help", "families"), "town", "Glasgow", "GB-SCT"),
        ("legal advice scotland", ("legal",), "area", "Scotland", "GB-SCT"),
        ("books texas", ("books",), "area", "Texas", "US-TX"),
        ("send books to prisoner leeds", ("send", "books", "prisoner"), "town", "Leeds", "GB-ENG"),
        ("trans woman prison US", ("prison",), "country", "United States", None),
        ("dublin california", (), "town", "Dublin", "US-CA"),
        ("portland oregon", (), "town", "Portland", "US-OR"),
        ("london canada", (), "town", "London", "CA-ON"),
        ("wien", (), "town", "Vienna", None),
        ("köln", (), "town", "Köln", "DE-NW"),
        ("northern ireland", (), "area", "Northern Ireland", "GB-NIR"),
        ("HMP Barlinnie", (), "prison", "HMP Barlinnie", "GB-SCT"),
        ("barlinnie prison visits", (), "prison", "HMP Barlinnie", "GB-SCT"),
        ("armley", (), "prison", "HMP Leeds", "GB-ENG"),
        ("leeds prison", (), "prison", "HMP Leeds", "GB-ENG"),
    ],
)
def test_places_and_prisons_are_read_as_geography(reader, q, words, kind, label, area):
    understood = reader.understand(q)
    assert understood.words == words
    assert understood.where is not None
    assert (understood.where.kind, understood.where.label, understood.where.area) == (
        kind,
        label,
        area,
    )


def test_a_prison_named_after_its_town_is_the_town_unless_the_words_say_prison(reader):
    assert reader.understand("leeds").where.kind == "town"
    assert reader.understand("hmp leeds").where.prison == "hmp-leeds"
    prison = reader.understand("barlinnie").where
    assert prison.prison == "hmp-barlinnie"
    assert set(prison.prison_names) == {"hmp barlinnie", "barlinnie"}
    assert prison.point == (55.87, -4.19)


@pytest.mark.parametrize(
    "q",
    ["reading books", "bath", "help us", "union", "pen pal", "my son is in prison", "vegan"],
)
def test_everyday_words_are_not_taken_for_places(reader, q):
    # "reading" and "bath" are towns too, "us" is a word of a sentence (US in capitals is
    # the country): none of these asks for a place.
    assert reader.understand(q).where is None


def test_needs_are_a_boost_not_words_to_match(reader):
    son = reader.understand("my son is in prison")
    assert son.words == ("prison",)
    assert son.need_words == ("son",)
    assert (("focus", "families"), ("service", "family-support"), ("kind", "family-support")) in (
        son.needs
    )
    # The vocabulary's own word is matched and is a need too.
    books = reader.understand("books")
    assert books.words == ("books",) and books.needs
    # Phrases are read as the one word the directory uses.
    assert reader.understand("my dad got sent down").words == ("prison",)
    assert reader.understand("pen pal").need_words == ("penpal",)


def test_the_last_word_may_be_a_prefix_only_if_it_was_typed_last(reader):
    assert reader.understand("books glasgow").last_word_typed_last is False
    assert reader.understand("glasgow boo").last_word_typed_last is True


def test_what_was_read_is_remembered_and_nothing_is_looked_up_again(reader, monkeypatch):
    reader.understand("prison visiting glasgow")
    monkeypatch.setattr(reader.gazetteer, "towns", lambda keys: pytest.fail("looked up again"))
    assert reader.remembered("prison visiting glasgow").where.label == "Glasgow"
    assert reader.understand("prison visiting glasgow").words == ("prison", "visiting")


def test_without_a_gazetteer_or_register_a_query_is_words(tmp_path):
    blind = Understanding(places.Gazetteer(tmp_path / "missing.sqlite3"))
    assert blind.understand("help for families glasgow").where is None
    assert plain("my son is in prison").words == ("son", "prison")


def test_a_place_chosen_near_carries_its_area_and_bare_coordinates_do_not(gazetteer):
    glasgow = places.resolve(gazetteer, "Glasgow")
    where = near_place(glasgow, 25)
    assert (where.area, where.country, where.radius_km) == ("GB-SCT", "GB", 25)
    bare = near_place(places.resolve(gazetteer, "55.86,-4.25"), 10)
    assert bare.area is None and bare.country is None and bare.point == (55.86, -4.25)
