"""What the Meilisearch backend asks the server for the shared query understanding: geography
tiers, closed groups last, words dropped in the embedded index's order, held words quoted.
Checked on the exact requests and on answers of the documented shape; no search engine is
imitated (the contract suite runs on a real server when MEILI_URL is set)."""

from __future__ import annotations

from typing import Any

from directory.search import SearchQuery
from directory.search.meili import run_search
from directory.search.meili_requests import Plan
from directory.search.understanding import Understood, Where

GLASGOW = Where(
    "Glasgow", "town", point=(55.8651, -4.2576), radius_km=50, area="GB-SCT", country="GB"
)


def answer(total: int, hits: list[dict[str, Any]] | None = None, **extra: Any) -> dict:
    """One search result, as the multi-search route documents it (page mode)."""
    return {
        "indexUid": "orgs",
        "hits": hits or [],
        "query": "",
        "processingTimeMs": 0,
        "hitsPerPage": 20,
        "page": 1 if hits else 0,
        "totalPages": 1,
        "totalHits": total,
        **extra,
    }


def hit(slug: str, **extra: Any) -> dict:
    return {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "kind": "family-support",
        "country": "GB",
        "city": "Glasgow",
        "region": "Scotland",
        "focus": ["families"],
        "service": ["helpline"],
        "url": None,
        "status": "unknown",
        "description": "Helps the families of people in prison.",
        **extra,
    }


class Server:
    """Answers each round with the answers given for it, and keeps what was asked."""

    def __init__(self, *rounds: list[dict]) -> None:
        self.rounds = list(rounds)
        self.asked: list[list[dict]] = []

    def __call__(self, requests: list[dict]) -> list[dict]:
        self.asked.append(requests)
        answers = self.rounds.pop(0)
        if answers == EMPTY:  # every search of the round finds nothing
            return [answer(0) for _ in requests]
        assert len(answers) == len(requests), "one answer per request"
        return answers


EMPTY: list[dict] = []


def test_a_place_is_asked_as_exclusive_tiers_with_closed_groups_last():
    # "glasgow" was typed last: "families" is a finished word, not a prefix.
    understood = Understood(
        ("helpline",), where=GLASGOW, known=("helpline",), last_word_typed_last=False
    )
    # The whole; the name bucket; the open buckets (near; serving Scotland as a whole, then
    # tied to prisons in it; the same for the UK; international); the closed ones.
    buckets = [0, 3, 1, 0, 1, 0, 0, 0, 0, 0, 1]
    server = Server(
        [answer(6)],  # one word: does any group at the place hold it? Yes.
        [answer(6, facetDistribution={"kind": {"family-support": 6}}), *map(answer, buckets)],
        [
            answer(
                3,
                [
                    hit("the-croft", _geo={"lat": 55.86, "lng": -4.2}, _geoDistance=2400),
                    hit("glasgow-abc", _geo={"lat": 55.86, "lng": -4.25}, _geoDistance=3100),
                ],
            )
        ],
    )
    query = SearchQuery(q="helpline glasgow", understood=understood, per_page=2)
    results = run_search("orgs", query, server)

    whole, *counts = server.asked[1]
    assert whole["q"] == '"helpline" '
    assert whole["page"] == 0 and whole["facets"] == ["kind", "country", "focus", "service"]
    place = (
        '(_geoRadius(55.865100, -4.257600, 50000)) OR (serves = "GB-SCT") OR (serves = "GB") '
        'OR (serves = "international")'
    )
    assert whole["filter"] == [place]
    near = "_geoRadius(55.865100, -4.257600, 50000)"
    other = 'NOT sort_name IN ["helpline glasgow"]'
    assert [c["filter"] for c in counts[:5]] == [
        [f'status != "inactive" AND sort_name IN ["helpline glasgow"] AND ({place})'],
        [f'status != "inactive" AND {other} AND ({near})'],
        [
            f'status != "inactive" AND {other} AND NOT ({near}) AND (serves = "GB-SCT") '
            "AND prisons IS EMPTY"
        ],
        [
            f'status != "inactive" AND {other} AND NOT ({near}) AND (serves = "GB-SCT") '
            "AND prisons IS NOT EMPTY"
        ],
        [
            f'status != "inactive" AND {other} AND NOT ({near}) AND NOT (serves = "GB-SCT") '
            'AND (serves = "GB") AND prisons IS EMPTY'
        ],
    ]
    assert counts[7]["filter"] == [f'status = "inactive" AND ({near})']
    assert all(c["page"] == 0 and c["matchingStrategy"] == "all" for c in counts)

    # Page one of two hits: the first two of the near bucket would be enough, but it holds
    # 3, so only it is asked for, by distance, with _geo retrieved for _geoDistance.
    [near_page] = server.asked[2][:1]
    assert near_page["offset"] == 0 and near_page["limit"] == 2
    assert near_page["sort"] == ["_geoPoint(55.865100, -4.257600):asc"]
    assert "_geo" in near_page["attributesToRetrieve"]
    assert results.total == 6
    assert len(server.asked[2]) == 1
    assert [h.served_as for h in results.hits] == ["near", "near"]
    assert results.hits[0].distance_km == 2.4
    assert results.facets["kind"] == {"family-support": 6}


def test_a_page_spanning_two_buckets_asks_each_for_its_part():
    understood = Understood(("books",))
    server = Server(
        [answer(25), answer(0), answer(15), answer(10)],
        [answer(15, [hit(f"open-{i}") for i in range(5)]), answer(10, [hit("closed-0")])],
    )
    run_search("orgs", SearchQuery(q="books", understood=understood, page=2, per_page=10), server)
    open_part, closed_part = server.asked[1]
    assert (open_part["offset"], open_part["limit"]) == (10, 5)
    assert open_part["filter"] == ['status != "inactive" AND NOT sort_name IN ["books"]']
    assert (closed_part["offset"], closed_part["limit"]) == (0, 5)
    assert closed_part["filter"] == ['status = "inactive"']


def test_words_are_dropped_as_the_embedded_index_drops_them():
    # "help families barlinnie": no group holds all three; "barlinnie" none at all, so it goes
    # first; then "help" (held by more groups than "families").
    understood = Understood(("help", "families", "barlinnie"))
    server = Server(
        [answer(0), answer(40), answer(12), answer(0)],
        [answer(0), answer(12)],
        [answer(12), answer(0), answer(12), answer(0)],
        [answer(12, [hit("families-outside")])],
    )
    results = run_search(
        "orgs", SearchQuery(q="help families barlinnie ", understood=understood), server
    )
    all_words, *each = server.asked[0]
    assert all_words["q"] == "help families barlinnie "
    assert [c["q"] for c in each] == ["help ", "families ", "barlinnie "]
    assert [c["q"] for c in server.asked[1]] == ["help families ", "families "]
    assert results.unmatched == ("barlinnie", "help")
    assert server.asked[2][0]["q"] == "families "


def test_held_words_are_quoted_stems_sent_and_typos_left_to_the_server():
    understood = Understood(("vegan", "sends", "anarchsit"), known=("vegan",), by_stem=("sends",))
    assert Plan.of("vegan sends anarchsit ", understood, None).q() == '"vegan" "send" anarchsit '
    # A word still being typed is not quoted: it must match as a prefix.
    typing = Understood(("vegan",), known=("vegan",))
    assert Plan.of("vegan", typing, None).q() == "vegan"
    # A word with synonyms is sent as typed, so that the server's synonyms apply.
    needs = Understood(("son",), known=("son",))
    assert Plan.of("son ", needs, None).q() == "son "


def test_a_prison_tier_comes_first_and_a_nation_counts_groups_based_there():
    prison = Where(
        "HMP Barlinnie",
        "prison",
        point=(55.87, -4.19),
        area="GB-SCT",
        country="GB",
        prison="hmp-barlinnie",
        prison_names=("hmp barlinnie", "barlinnie"),
    )
    tiers = Plan.of("", Understood((), where=prison), None).tiers()
    assert tiers[0] == ("prison", 'prisons IN ["hmp barlinnie", "barlinnie"]')
    assert [name for name, _ in tiers] == ["prison", "near", "region", "country", "international"]
    scotland = Where("Scotland", "area", area="GB-SCT", country="GB")
    tiers = Plan.of("", Understood((), where=scotland), None).tiers()
    assert tiers == [
        ("region", '(serves = "GB-SCT" OR located = "GB-SCT")'),
        ("country", 'serves = "GB"'),
        ("international", 'serves = "international"'),
    ]


def test_highlights_are_made_here_and_escaped():
    understood = Understood(("families",), known=("families",))
    server = Server(
        [answer(1), answer(0), answer(1), answer(0)],
        [answer(1, [hit("x", name="<b>Families</b> First")])],
    )
    [found] = run_search("orgs", SearchQuery(q="families ", understood=understood), server).hits
    assert found.highlight["name"] == "&lt;b&gt;<mark>Families</mark>&lt;/b&gt; First"
    assert found.highlight["description"] == (
        "Helps the <mark>families</mark> of people in prison."
    )


def test_a_last_word_no_group_at_the_place_holds_is_left_out():
    # "legal advice scotland": no group serving Scotland says "legal"; advice is the need.
    scotland = Where("Scotland", "area", area="GB-SCT", country="GB")
    understood = Understood(
        ("legal",), where=scotland, needs=((("service", "advice"),),), need_words=("advice",)
    )
    server = Server([answer(0)], EMPTY)
    query = SearchQuery(q="legal advice scotland", understood=understood)
    results = run_search("orgs", query, server)
    # Asked among the groups of Scotland and the UK, not those working internationally.
    assert server.asked[0][0]["filter"] == [
        '((serves = "GB-SCT" OR located = "GB-SCT")) OR (serves = "GB")'
    ]
    assert results.unmatched == ("legal",)
    assert {request["q"] for request in server.asked[1]} == {""}
    # Tagged for the need first (every tag of a need first within that), in each tier.
    first_level = server.asked[1][1]["filter"][0]
    assert first_level == (
        'status != "inactive" AND (service = "advice") AND ((service = "advice")) '
        'AND ((serves = "GB-SCT" OR located = "GB-SCT")) AND prisons IS EMPTY'
    )


def test_bare_coordinates_are_local_groups_only_as_in_the_embedded_index():
    # Read words and coordinates without a place: near them, and nothing else is known.
    understood = Understood(("books",), last_word_typed_last=False)
    server = Server(EMPTY, EMPTY)
    query = SearchQuery(q="books ", understood=understood, near=(55.86, -4.25, 10))
    run_search("orgs", query, server)
    local_count, whole = server.asked[0][0], server.asked[1][0]
    assert local_count["filter"] == ["(_geoRadius(55.860000, -4.250000, 10000))"]
    assert whole["filter"] == ["(_geoRadius(55.860000, -4.250000, 10000))"]
