"""One budget of bytes for all a process keeps, weighed as it really costs, and kept flat so
that the garbage collector's full passes do not grow with it."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from datetime import date

from directory.caches import Caches, Shelf
from directory.search import SearchQuery
from directory.search.embedded import EmbeddedSearch
from directory.search.understanding import Understanding
from directory.web.middleware.remembered import Finished, Remembered
from tests import factories


class _Response:
    """What Finished.of reads of a response."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.headers = {"content-type": "application/json"}


def _page(n: int) -> Finished:
    # A small answer, as most are: 682 bytes, too small to be worth compressing.
    return Finished.of(_Response(b'{"query": "%d", "hits": []}' % n + b" " * 650))  # type: ignore[arg-type]


def _page_key(n: int) -> tuple[object, ...]:
    # As a request's: each part made for it (the index's state, the path, the search, the day).
    state = (1_000_000 + n, 2_000_000 + n, 3_000_000 + n, b"\x00\x00\x00" + bytes([n % 256]))
    return (state, "/api/" + "search", (f"q{n}", (), 1, 20), date.today())


def _footprint(fill: Callable[[], object]) -> int:
    """Bytes still held after fill() (whatever it returns is held too, then let go)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = fill()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        del held
        return after - before
    finally:
        tracemalloc.stop()


def _index(tmp_path, caches: Caches) -> EmbeddedSearch:
    index = EmbeddedSearch(tmp_path / "search.sqlite3", caches=caches)
    index.rebuild(
        [
            factories.document(slug=f"group-{n}", name=f"Books Group {n}", city=f"Town{n}")
            for n in range(60)
        ]
    )
    return index


def test_small_pages_are_weighed_as_what_they_cost():
    limit = 2 * 1024 * 1024
    caches = Caches(limit)

    def fill() -> Caches:
        pages = Remembered(shelf=caches.shelf("pages"))
        for n in range(20_000):
            pages.put(_page_key(n), _page(n))
        return caches

    held = _footprint(fill)
    assert caches.total <= limit
    # What the store says it holds is what it holds, within a fifth (the key and the page's
    # objects, not only its body, which was 1,900 bytes kept for each 682 counted).
    assert 0.8 * caches.total < held < 1.2 * limit, (held, caches.total)


def test_every_kind_of_entry_shares_one_budget(tmp_path):
    limit = 600_000
    caches = Caches(limit)
    index = _index(tmp_path, caches)
    pages = Remembered(shelf=caches.shelf("pages"))
    reader = Understanding(caches=caches)
    for n in range(2_000):
        pages.put(_page_key(n), _page(n))
        index.search(SearchQuery(q=f"books town{n % 60} {n}", per_page=50))
        index.search(SearchQuery(q=f"bokos {n}"))  # a typo: its variants are kept too
        reader.understand(f"books in town {n}")
    assert caches.total <= limit
    kinds = {name: len(caches.shelf(name)) for name in ("pages", "answers", "postings")}
    kinds |= {name: len(caches.shelf(name)) for name in ("variants", "queries read")}
    assert all(count > 0 for count in kinds.values()), kinds  # the newest of each kind stay
    assert kinds["pages"] < 2_000  # the oldest went, to make room for the rest


def test_what_is_kept_adds_nothing_to_the_collectors_passes(tmp_path):
    caches = Caches(64 * 1024 * 1024)
    index = _index(tmp_path, caches)
    pages = Remembered(shelf=caches.shelf("pages"))
    reader = Understanding(caches=caches)
    index.search(SearchQuery(q="books"))
    gc.collect()
    tracked = len(gc.get_objects())
    for n in range(3_000):
        pages.put(_page_key(n), _page(n))
        index.search(SearchQuery(q=f"books town{n % 60} {n}"))
        index.search(SearchQuery(q=f"bokos grop {n}"))
        reader.understand(f"books in town {n}")
    gc.collect()
    gc.collect()  # a tuple seen before the tuples it holds is untracked at the next pass
    assert len(caches) > 10_000
    # Everything kept is bytes, strings, numbers, bitmaps and tuples of them: untracked.
    # (Beyond it: the regular expressions module's own store of up to 512 patterns.)
    assert len(gc.get_objects()) - tracked < 1_000
    # And it is all still there to answer from.
    assert index.cached(SearchQuery(q="books town5 2945")) is not None
    assert pages.get(_page_key(2999)) == _page(2999)


def test_pages_kept_under_filtered_searches_leave_the_collectors_passes_at_once():
    from starlette.datastructures import QueryParams

    from directory.web.middleware.remembered import search_page_parameters

    caches = Caches()
    pages = Remembered(shelf=caches.shelf("pages"))

    def key(n: int) -> tuple[object, ...]:
        shown = search_page_parameters(QueryParams(f"q=books+{n}&kind=abc-group&focus=women"))
        return ((1, 2, 3, b"x"), "/search", shown, date.today())

    for n in range(2_000):
        pages.put(key(n), _page(n))
    # A page is kept as tuples of tuples of bytes, three deep, keyed by a string: untracked by
    # the third pass that sees it, so no full pass walks it again (a key of tuples five deep
    # with a list at the bottom stayed tracked for ever). Asked of each page kept rather than
    # counted over the whole process, where a coverage tracer makes objects of its own.
    for _ in range(3):
        gc.collect()
    kept: Shelf[tuple[object, ...]] = caches.shelf("pages")
    still_tracked = [n for n in range(2_000) if gc.is_tracked(kept.get(key(n)))]
    assert len(kept) == 2_000
    assert still_tracked == []
