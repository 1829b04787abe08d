"""The relevance suite: the searches of tests/relevance/queries.toml, asked of /api/search on a
site holding the seed listings, each held to what a good answer for that person holds.
The Meilisearch run needs MEILI_URL; scripts/relevance.py prints the pass rate."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from starlette.testclient import TestClient

from tests import factories
from tests.fake_meilisearch import FakeMeilisearch
from tests.relevance import cases
from tests.relevance.site import seeded_client

# Each query is a plain test: the search must give what the person wanted. (False makes each
# an xfail that may pass, for a search being rebuilt.) A query with a `known_failure` in the
# file is expected to fail, strictly: it fails the suite when it starts to pass.
RELEVANCE_GATE = True

CASES = cases.load()
STATUSES = cases.seed_statuses()
MEILI_URL = os.environ.get("MEILI_URL", "")
BACKENDS = [
    "embedded",
    pytest.param(
        "meilisearch",
        marks=pytest.mark.skipif(
            not MEILI_URL,
            reason="MEILI_URL is not set: no Meilisearch server to run the relevance suite on",
        ),
    ),
]


def _query(case: cases.Case):
    if RELEVANCE_GATE and case.known_failure:
        known = pytest.mark.xfail(strict=True, reason=case.known_failure)
        return pytest.param(case, id=case.label, marks=known)
    if RELEVANCE_GATE:
        return pytest.param(case, id=case.label)
    gate = pytest.mark.xfail(strict=False, reason="relevance gate off (RELEVANCE_GATE)")
    return pytest.param(case, id=case.label, marks=gate)


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, gazetteer: Path
) -> Iterator[TestClient]:
    """One seeded site per backend for the whole module: every query only reads it."""
    data_dir = tmp_path_factory.mktemp(f"relevance-{request.param}")
    api_key = os.environ.get("MEILI_API_KEY", "")
    with seeded_client(data_dir, gazetteer, request.param, MEILI_URL, api_key) as client:
        yield client


@pytest.mark.parametrize("case", [_query(case) for case in CASES])
def test_a_search_gives_what_the_person_wanted(site, case):
    outcome = cases.run(site, case, STATUSES)
    assert outcome.passed, outcome.report()


def test_the_suite_holds_enough_queries_each_once():
    assert len(CASES) >= 40
    labels = [case.label for case in CASES]
    assert sorted({label for label in labels if labels.count(label) > 1}) == []


def test_every_listing_the_queries_name_exists():
    # A renamed or mistyped slug would make a forbid_top pass whatever the search returns.
    unknown = {case.label: sorted(case.slugs() - set(STATUSES)) for case in CASES}
    assert {label: slugs for label, slugs in unknown.items() if slugs} == {}


RESULTS = [cases.Hit(slug, slug.title()) for slug in ("a", "b", "c", "d", "e", "f")]


@pytest.mark.parametrize(
    ("expectations", "problem"),
    [
        ({"expect_all": ("a", "f")}, "missing from the top 3: f"),
        ({"expect_any": ("d", "e")}, "none of the expected listings is in the top 3"),
        ({"expect_any": ("a",), "forbid_top": ("c", "z")}, "should not be in the top 3: c"),
        ({"expect_any": ("b",), "forbid_first_status": "inactive"}, "the first result, a, is"),
    ],
)
def test_an_answer_missing_an_expectation_fails_with_what_was_wrong(expectations, problem):
    case = cases.Case(q="x", top=3, why="because", **expectations)
    found = cases.check(case, RESULTS, {"a": "inactive"})
    assert len(found) == 1
    assert found[0].startswith(problem)


def test_an_answer_meeting_every_expectation_passes():
    case = cases.Case(
        q="x",
        top=3,
        why="because",
        expect_all=("a", "c"),
        expect_any=("b", "z"),
        forbid_top=("d",),
        forbid_first_status="inactive",
    )
    assert cases.check(case, RESULTS, {"a": "active", "d": "inactive"}) == []


def test_a_failure_says_the_query_the_expectation_and_what_came_back():
    case = cases.Case(q="vegan", near="Leeds", top=3, why="I am vegan", expect_all=("f",))
    outcome = cases.Outcome(case, RESULTS[:3], cases.check(case, RESULTS, {}))
    report = outcome.report()
    assert report.startswith('"vegan" near Leeds: wanted in the top 3: all of f')
    assert "missing from the top 3: f" in report
    assert "1. A (a)" in report and "3. C (c)" in report


def test_on_meilisearch_the_listings_go_into_an_index_of_their_own_deleted_after(
    tmp_path, gazetteer
):
    url = "http://meili.test:7700"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeMeilisearch(mock, url)
        with seeded_client(tmp_path, gazetteer, "meilisearch", url):
            swapped = [body for _, path, body in fake.requests if path == "/swap-indexes"]
            assert len(swapped) == 1
            uid, _ = swapped[0][0]["indexes"]
            assert uid.startswith("relevance_")
            assert len(fake.documents(uid)) == factories.SEED_COUNT
        assert fake.requests[-1][:2] == ("DELETE", f"/indexes/{uid}")
