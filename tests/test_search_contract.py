"""The search contract: every backend must pass these. Meilisearch joins in with MEILI_URL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from directory.search import SearchBackend, SearchQuery
from directory.search.embedded import EmbeddedSearch
from directory.search.meili import MeilisearchSearch
from directory.search.understanding import Understood, Where
from tests import factories

Builder = Callable[[Iterable[dict]], SearchBackend]


MEILI_URL = os.environ.get("MEILI_URL", "")
BACKENDS = [
    "embedded",
    pytest.param(
        "meilisearch",
        marks=pytest.mark.skipif(
            not MEILI_URL,
            reason="MEILI_URL is not set: no Meilisearch server to run the contract suite against",
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def build_index(request, tmp_path: Path) -> Iterator[Builder]:
    created: list[MeilisearchSearch] = []

    def build(docs: Iterable[dict]) -> SearchBackend:
        backend: SearchBackend
        if request.param == "embedded":
            backend = EmbeddedSearch(tmp_path / "search.sqlite3")
        else:
            backend = MeilisearchSearch(
                MEILI_URL,
                os.environ.get("MEILI_API_KEY", ""),
                index_uid=f"contract_{uuid.uuid4().hex[:12]}",
                timeout=10,
                search_key=os.environ.get("MEILI_SEARCH_KEY", ""),
                # The suite makes and deletes indexes of its own: a key for every index.
                master_key_allowed=True,
            )
            created.append(backend)
        backend.rebuild(list(docs))
        return backend

    yield build
    for backend in created:
        backend.client.delete_index(backend.index_uid)


def slugs(backend: SearchBackend, q: str = "", **kwargs) -> list[str]:
    return [hit.slug for hit in backend.search(SearchQuery(q=q, **kwargs)).hits]


def doc(slug: str, name: str, description: str = "Supports people in prison by post.", **extra):
    return factories.document(slug=slug, name=name, description=description, **extra)


CORPUS = [
    doc("red-books", "Red Books Collective", "Sends books and zines to people in prison."),
    doc(
        "letters-north",
        "Northern Letters",
        "Pen pals and letter writing for prisoners in Poznań.",
        city="Poznań",
        country="PL",
        focus=["political-prisoners"],
    ),
    doc(
        "dharma-house",
        "Dharma House",
        "Meditation teachers visiting prisons.",
        focus=["faith-meditation"],
        services=["visiting", "education"],
        country="US",
    ),
    doc(
        "mentions-dharma",
        "Quiet Hours",
        "Our volunteers teach dharma, dharma practice and the dharma of patience in prisons.",
        country="US",
        services=["education"],
    ),
    doc(
        "vegan-aid",
        "Vegan Prisoners Aid",
        "Helps vegans inside get suitable food.",
        focus=["vegan"],
        services=["essentials", "advice"],
    ),
    doc(
        "anarchist-library",
        "Anarchist Library Project",
        "Books for anarchist prisoners.",
        services=["books"],
        focus=["political-prisoners"],
        country="DE",
    ),
    doc(
        "families-first",
        "Families First",
        "Support for children and partners of prisoners.",
        kind="family-support",
        focus=["families"],
        services=["family-support", "helpline"],
        country="IE",
    ),
]


@pytest.fixture
def index(build_index: Builder) -> SearchBackend:
    return build_index(CORPUS)


@pytest.mark.parametrize(
    ("q", "expected_first"),
    [
        ("dharma", "dharma-house"),  # name match outranks repeated description matches
        ("red books", "red-books"),
        ("vegan", "vegan-aid"),
        ("families", "families-first"),
    ],
)
def test_name_matches_outrank_description_matches(index, q, expected_first):
    assert slugs(index, q)[0] == expected_first


def test_a_name_matching_with_a_typo_outranks_a_description_matching_exactly(build_index):
    index = build_index(
        [
            doc("mentions", "Alpha Project", "We send books to people inside."),
            doc("named", "Zeta Book Fund", "We send reading matter to people inside."),
        ]
    )
    assert slugs(index, "books") == ["named", "mentions"]


def test_a_word_the_index_holds_is_not_also_matched_as_a_typo(build_index):
    # "vegan" is a word of the index: a group that says "vegas" (or "began") is not one
    # that mentions vegans. A word the index does not hold is still forgiven its typo.
    index = build_index(
        [
            doc("typo", "Alpha Vegas Fund"),
            doc("exact", "Zeta Vegan Fund"),
        ]
    )
    known = Understood(words=("vegan",), known=("vegan",))
    assert [hit.slug for hit in index.search(SearchQuery(q="vegan", understood=known)).hits] == [
        "exact"
    ]
    assert sorted(slugs(index, "vegam")) == ["exact", "typo"]


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("vegam", "vegan-aid"),  # 5 letters: one typo forgiven
        ("dahrma", "dharma-house"),  # a swap counts as one typo
        ("familes", "families-first"),  # 8 letters: one typo (a missing letter)
        ("anarchsit", "anarchist-library"),  # 9 letters: two typos forgiven
        ("anarkhist", "anarchist-library"),  # 9 letters, two substitutions
        ("librery", "anarchist-library"),
    ],
)
def test_typos_are_forgiven(index, q, found):
    assert found in slugs(index, q)


@pytest.mark.parametrize(
    "q",
    [
        "bxoxs",  # 5 letters, two typos: only one is forgiven
        "famxlxes",  # 8 letters, two typos: only one is forgiven
        "axaxchxsx",  # 9 letters, three typos: only two are forgiven
    ],
)
def test_too_many_typos_find_nothing(index, q):
    assert slugs(index, q + " ") == []


def test_short_words_get_no_typo_allowance(index):
    # "boks" is 4 letters: no typo is forgiven, and it is not a prefix of "books" once finished.
    assert slugs(index, "boks ") == []


@pytest.mark.parametrize(
    ("q", "found"),
    [("dhar", "dharma-house"), ("red bo", "red-books"), ("famil", "families-first")],
)
def test_last_word_matches_as_a_prefix(index, q, found):
    assert found in slugs(index, q)


def test_only_the_last_word_is_a_prefix(index):
    # "fam" is not a prefix here (not the last word): no group holds it, so it is left
    # out and said so, rather than matching "families".
    results = index.search(SearchQuery(q="fam first"))
    assert results.unmatched == ("fam",)
    assert slugs(index, "families fir") == ["families-first"]


@pytest.mark.parametrize("q", ["poznan", "POZNAŃ", "Poznań", "poznań"])
def test_accents_and_case_are_ignored(index, q):
    assert slugs(index, q) == ["letters-north"]


def test_filters_are_and_across_fields_and_or_within_one(index):
    us = set(slugs(index, filters={"country": ("US",)}))
    assert us == {"dharma-house", "mentions-dharma"}
    us_or_ie = set(slugs(index, filters={"country": ("US", "IE")}))
    assert us_or_ie == {"dharma-house", "mentions-dharma", "families-first"}
    both = slugs(index, filters={"country": ("US", "IE"), "focus": ("faith-meditation",)})
    assert both == ["dharma-house"]


def test_filters_apply_to_text_queries(index):
    assert slugs(index, "prisoners", filters={"country": ("IE",)}) == ["families-first"]


def test_facets_count_the_current_query(index):
    facets = index.search(SearchQuery(q="dharma")).facets
    assert facets["country"] == {"US": 2}
    assert facets["service"] == {"education": 2, "visiting": 1}


def test_facets_of_a_filtered_field_still_show_other_values(index):
    results = index.search(SearchQuery(filters={"country": ("US",)}))
    assert results.total == 2
    # Other countries stay countable so that they can be added (OR within the field)...
    assert results.facets["country"]["IE"] == 1
    assert results.facets["country"]["US"] == 2
    # ...while other fields count only the filtered results.
    assert results.facets["service"] == {"education": 2, "visiting": 1}


def test_empty_query_lists_everything_alphabetically(index):
    results = index.search(SearchQuery())
    assert results.total == len(CORPUS)
    names = [hit.name for hit in results.hits]
    assert names == sorted(names, key=str.casefold)


def test_pagination(index):
    first = index.search(SearchQuery(per_page=3, page=1))
    third = index.search(SearchQuery(per_page=3, page=3))
    assert first.total == third.total == len(CORPUS)
    assert len(first.hits) == 3 and len(third.hits) == 1
    everything = (
        slugs(index, per_page=3, page=1)
        + slugs(index, per_page=3, page=2)
        + [hit.slug for hit in third.hits]
    )
    assert len(set(everything)) == len(CORPUS)
    assert index.search(SearchQuery(page=50)).hits == []


def test_highlights_mark_matches_in_escaped_text(build_index):
    index = build_index([doc("xss", "<b>Bold</b> & Books", "Books <script>alert(1)</script> here")])
    hit = index.search(SearchQuery(q="books")).hits[0]
    assert hit.highlight["name"] == "&lt;b&gt;Bold&lt;/b&gt; &amp; <mark>Books</mark>"
    assert "<script>" not in hit.highlight["description"]
    assert "&lt;script&gt;" in hit.highlight["description"]
    assert "<mark>Books</mark>" in hit.highlight["description"]


def test_highlights_mark_typo_matches(index):
    hit = index.search(SearchQuery(q="vegam")).hits[0]
    assert "<mark>Vegan</mark>" in hit.highlight["name"]


HOSTILE = [
    '"',
    "'",
    "*",
    "NEAR(",
    "NEAR(a b)",
    "-x",
    "AND OR NOT",
    "AND",
    "name:books",
    "{name}: x",
    "books^2",
    "(",
    ")",
    "\\",
    "\x00",
    "💜🏳️‍🌈",
    "%",
    "_",
    "a" * 5000,
    "books " * 1000,
    "' OR 1=1 --",
    'books" OR "',
    "^",
    "+books",
    "books -red",
    "col:*",
    "🙂 books",
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_error(index, q):
    results = index.search(SearchQuery(q=q))
    assert results.total >= 0
    assert len(results.hits) <= results.per_page


def test_hostile_query_with_real_words_still_searches(index):
    assert slugs(index, "🙂 books")[0] == "red-books"
    assert "red-books" in slugs(index, 'books" OR "')


def test_every_word_must_match_when_possible(index):
    assert slugs(index, "vegan food") == ["vegan-aid"]


def test_words_are_dropped_from_the_end_when_nothing_matches_them_all(index):
    assert slugs(index, "vegan zzzzqqqq")[0] == "vegan-aid"


def test_upsert_and_delete(index):
    index.upsert(
        [doc("vegan-aid", "Plant Food Inside", "A renamed group with a new name.", focus=["vegan"])]
    )
    assert slugs(index, "plant") == ["vegan-aid"]
    assert slugs(index, "aid ") == []  # the old name is gone from the index
    index.delete(["vegan-aid"])
    assert "vegan-aid" not in slugs(index, per_page=100)
    assert index.search(SearchQuery()).total == len(CORPUS) - 1


def test_rebuild_replaces_everything(index):
    index.rebuild([doc("only-one", "Only One")])
    assert slugs(index) == ["only-one"]
    assert slugs(index, "dharma") == []


def test_health_reports_document_count(index):
    health = index.health()
    assert health["status"] == "ok"
    assert health["documents"] == len(CORPUS)


def test_added_documents_take_their_alphabetical_place(index):
    index.upsert([doc("aardvark", "Aardvark Letters"), doc("mm", "Middle Matters")])
    names = [hit.name for hit in index.search(SearchQuery(per_page=100)).hits]
    assert names == sorted(names, key=str.casefold)
    assert names[0] == "Aardvark Letters"


GLASGOW = (55.8652, -4.2576)
PLACED = [
    doc("glasgow-group", "Glasgow Letters", latitude=55.8652, longitude=-4.2576, city="Glasgow"),
    doc("paisley-group", "Paisley Books", latitude=55.8466, longitude=-4.4236, services=["books"]),
    doc("edinburgh-group", "Edinburgh Letters", latitude=55.9533, longitude=-3.1883),
    doc("london-group", "London Letters", latitude=51.5085, longitude=-0.1257),
    doc("nowhere-group", "Letters By Post"),  # no place at all
]


def test_near_filters_by_radius_and_sorts_by_distance(build_index):
    index = build_index(PLACED)
    results = index.search(SearchQuery(near=(*GLASGOW, 80.0)))
    assert [hit.slug for hit in results.hits] == [
        "glasgow-group",
        "paisley-group",
        "edinburgh-group",
    ]
    assert results.total == 3
    distances = [hit.distance_km for hit in results.hits]
    assert distances[0] < 1 and 9 < distances[1] < 12 and 60 < distances[2] < 75


def test_near_combines_with_words_and_facets(build_index):
    index = build_index(PLACED)
    results = index.search(SearchQuery(q="letters", near=(*GLASGOW, 80.0)))
    assert [hit.slug for hit in results.hits] == ["glasgow-group", "edinburgh-group"]
    assert results.facets["country"] == {"GB": 2}


# -- Where help is wanted, and how sure we are a group still works (issue 15) -------------

GLASGOW_WHERE = Where(
    "Glasgow", "town", point=(55.8642, -4.2518), radius_km=50, area="GB-SCT", country="GB"
)
GEOGRAPHY = [
    doc("near-far", "Clyde Letters", city="Glasgow", latitude=55.86, longitude=-4.25),
    doc("near-close", "Paisley Letters", city="Paisley", latitude=55.85, longitude=-4.42),
    doc("scotland", "Scotland Wide Letters", areas_served=["GB-SCT"]),
    doc(
        "scotland-prison",
        "Perth Visitors Letters",
        areas_served=["GB-SCT"],
        prisons_served=["HMP Perth"],
    ),
    doc("uk", "Letters Across Britain", areas_served=["nationwide"]),
    doc("england", "English Letters", areas_served=["GB-ENG"]),
    doc("world", "World Letters", country="international", areas_served=["international"]),
    doc(
        "closed-near",
        "Govan Letters",
        city="Glasgow",
        latitude=55.86,
        longitude=-4.31,
        status="inactive",
    ),
]


def search_where(index: SearchBackend, q: str, where: Where, **kwargs) -> list[tuple]:
    understood = Understood(tuple(q.split()), where=where, last_word_typed_last=False)
    results = index.search(SearchQuery(q=q, understood=understood, per_page=20, **kwargs))
    return [(hit.slug, hit.served_as) for hit in results.hits]


def test_a_place_gives_local_groups_then_those_serving_its_region_and_country(build_index):
    index = build_index(GEOGRAPHY)
    assert search_where(index, "letters", GLASGOW_WHERE) == [
        ("near-far", "near"),  # 0.3 km
        ("near-close", "near"),  # 11 km
        ("scotland", "region"),  # all of Scotland before a group tied to one prison
        ("scotland-prison", "region"),
        ("uk", "country"),  # "nationwide" is the group's own country
        ("world", "international"),
        ("closed-near", "near"),  # no longer active: after every other, however near
    ]


def test_a_nation_searched_for_counts_groups_based_there(build_index):
    index = build_index([*GEOGRAPHY, doc("based", "Edinburgh Letters", region="Scotland")])
    scotland = Where("Scotland", "area", area="GB-SCT", country="GB")
    found = dict(search_where(index, "letters", scotland))
    assert found["based"] == "region" and found["scotland"] == "region"
    assert "near-far" not in found  # Glasgow's, but says nothing of serving Scotland
    assert found["uk"] == "country" and "england" not in found


def test_closed_groups_come_last_and_active_ones_before_unconfirmed(build_index):
    index = build_index(
        [
            doc("closed", "Books Aid", status="inactive"),
            doc("unconfirmed", "Books Aid North", status="unknown"),
            doc("active", "Books Aid South", status="active"),
        ]
    )
    assert slugs(index, "books aid") == ["active", "unconfirmed", "closed"]


def test_words_no_group_holds_are_left_out_and_said_so(build_index):
    index = build_index(CORPUS)
    results = index.search(SearchQuery(q="dharma qwxzy"))
    assert results.unmatched == ("qwxzy",)
    assert [hit.slug for hit in results.hits][:1] == ["dharma-house"]
