"""The stores of recent values every request can add to: bounded by weight, keys included."""

from __future__ import annotations

import gc
import tracemalloc

from directory.caches import Caches
from directory.recent import Recent, size_of
from directory.search import SearchQuery
from directory.search.embedded import EmbeddedSearch
from tests import factories


def test_keys_weigh_as_much_as_values_and_the_total_stays_under_the_limit():
    limit = 1024 * 1024
    recent: Recent[tuple[str, bytes], bytes] = Recent(limit, weight=len, key_weight=size_of)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(1_000):  # 60 MB of keys, 1 MB of values
            recent.put((f"page {n}", b"p" * 60_000), b"v" * 1_000)
            assert recent.total <= limit
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 1.25 * limit  # what it says it keeps is what it keeps
    assert 10 < len(recent) < 20  # 61 KB each
    assert recent.get(("page 999", b"p" * 60_000)) == b"v" * 1_000


def test_a_key_heavier_than_the_limit_is_not_kept():
    recent: Recent[bytes, str] = Recent(1_000, key_weight=size_of)
    recent.put(b"k", "kept")
    recent.put(b"k" * 2_000, "too heavy")
    assert len(recent) == 1 and recent.get(b"k") == "kept"


def test_size_of_counts_every_part_of_a_key():
    part, other = b"x" * 10_000, b"y" * 10_000
    assert size_of(("path", part, (other, 1))) > 20_000
    assert size_of(("path", part, (part, 1))) < 11_000  # one object, held twice, once
    assert size_of((part, "path"), shared={id(part)}) < 1_000  # every key's: not this one's
    assert size_of(()) < 100


def test_search_answers_kept_stay_within_their_bytes(tmp_path):
    caches = Caches(200_000)
    index = EmbeddedSearch(tmp_path / "search.sqlite3", caches=caches)
    index.rebuild(
        [factories.document(slug=f"group-{n}", name=f"Books Group {n}") for n in range(30)]
    )
    for n in range(300):  # each a new query, as long as a query may be, with a page of hits
        index.search(SearchQuery(q=f"books {n} " + "x" * 480, per_page=100))
        index.search(SearchQuery(q="books", per_page=100, page=n % 2 + 1, filters={}))
    assert caches.total <= 200_000
    assert 0 < len(caches.shelf("answers")) < 300
