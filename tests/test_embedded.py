"""What only the embedded backend promises: it follows its file, whoever writes to it."""

from __future__ import annotations

import threading
import time

from directory.search import SearchQuery
from directory.search.embedded import EmbeddedSearch
from tests import factories


def slugs(backend, q: str = "") -> list[str]:
    return [hit.slug for hit in backend.search(SearchQuery(q=q)).hits]


def test_changes_made_by_another_process_are_seen(tmp_path):
    index = EmbeddedSearch(tmp_path / "search.sqlite3")
    index.rebuild([factories.document(slug="first", name="First Group")])
    assert slugs(index) == ["first"]
    # A second handle on the same file stands in for `directory reindex` in another process.
    other = EmbeddedSearch(tmp_path / "search.sqlite3")
    other.upsert([factories.document(slug="newcomer", name="Newcomer Collective")])
    assert slugs(index, "newcomer") == ["newcomer"]
    other.rebuild([factories.document(slug="only-one", name="Only One")])
    assert slugs(index) == ["only-one"]


def test_an_answer_given_before_a_change_is_never_given_after_it(tmp_path):
    # Recent answers are kept in memory; every write to the file must drop them, even one in
    # the same clock tick as the last that leaves the file's size as it was.
    index = EmbeddedSearch(tmp_path / "search.sqlite3")
    index.rebuild([factories.document(slug="group", name="Group 00")])
    other = EmbeddedSearch(tmp_path / "search.sqlite3")
    for n in range(1, 40):
        name = f"Group {n:02d}"
        other.upsert([factories.document(slug="group", name=name)])
        assert [hit.name for hit in index.search(SearchQuery(q="group")).hits] == [name]


def test_a_query_asked_again_is_answered_from_memory_until_the_index_changes(tmp_path):
    index = EmbeddedSearch(tmp_path / "search.sqlite3")
    index.rebuild([factories.document(slug="first", name="First Group")])
    query = SearchQuery(q="first")
    assert index.cached(query) is None  # never asked: only search() may answer it
    answer = index.search(query)
    assert index.cached(query) == answer  # the same answer, kept (as bytes)
    assert index.cached(SearchQuery(q="first", page=2)) is None
    index.upsert([factories.document(slug="second", name="First Second")])
    assert index.cached(query) is None
    assert slugs(index, "first") == ["first", "second"]


def test_recent_values_heavier_than_the_limit_are_not_kept_and_push_nothing_out():
    from directory.recent import Recent

    recent: Recent[str, str] = Recent(10, weight=len)
    recent.put("a", "aaaa")
    recent.put("b", "bbbb")
    recent.put("huge", "h" * 11)
    assert recent.get("huge") is None and len(recent) == 2
    recent.put("c", "cccc")  # 12 > 10: the least recently used ("a") goes
    assert recent.get("a") is None
    assert recent.get("b") == "bbbb" and recent.get("c") == "cccc"


def test_warming_an_unreadable_index_leaves_it_to_the_first_search(tmp_path):
    path = tmp_path / "search.sqlite3"
    index = EmbeddedSearch(path)
    path.write_bytes(b"not an index")  # damaged under a running server
    index.warm()  # does not stop the server starting
    path.unlink()
    EmbeddedSearch(path).rebuild([factories.document(slug="first", name="First Group")])
    index.warm()
    assert slugs(index) == ["first"]


def test_the_most_frequent_terms_are_looked_up_before_anyone_asks(tmp_path):
    from directory.caches import Caches, Shelf

    caches = Caches()
    index = EmbeddedSearch(tmp_path / "search.sqlite3", caches=caches)
    index.rebuild(
        [
            factories.document(slug=f"group-{n}", name=f"Letters Group {n}", city=f"Town{n}")
            for n in range(40)
        ]
    )
    postings: Shelf[object] = caches.shelf("postings")
    assert len(postings) == 0
    assert index.warm_terms(5) == 5
    warmed = len(postings)
    assert warmed >= 5
    assert index.warm_terms(5) == 5
    assert len(postings) == warmed  # nothing new to look up
    stopped = threading.Event()
    stopped.set()
    assert index.warm_terms(5, stopped) == 0


def test_terms_are_warmed_only_while_nothing_else_is_searched(tmp_path):
    index = EmbeddedSearch(tmp_path / "search.sqlite3")
    index.rebuild([factories.document(slug=f"g-{n}", name=f"Group {n}") for n in range(5)])
    busy, stop = threading.Event(), threading.Event()
    busy.set()
    warmed: list[int] = []
    worker = threading.Thread(
        target=lambda: warmed.append(index.warm_terms(3, stop, lambda: not busy.is_set()))
    )
    worker.start()
    time.sleep(0.2)
    assert worker.is_alive() and not warmed  # waiting for the searches to end
    busy.clear()
    worker.join(5)
    assert warmed == [3]


def test_a_started_service_warms_its_most_frequent_terms(seeded, settings, caplog):
    import logging

    from directory.search import backends

    service = backends.service(settings.model_copy(update={"warm_terms": 20}))
    service.warm()
    with caplog.at_level(logging.INFO, logger="directory.search.service"):
        service.warm_in_background().join(30)
    assert "warmed 20 terms" in caplog.text


def test_a_service_is_idle_only_a_moment_after_its_last_search(tmp_path):
    from directory.search.service import IDLE_SECONDS, SearchService

    index = EmbeddedSearch(tmp_path / "search.sqlite3")
    index.rebuild([factories.document(slug="g", name="Group")])
    now = [1000.0]
    service = SearchService(index, clock=lambda: now[0])
    assert service._idle()
    service.search(SearchQuery(q="group"))
    assert not service._idle()  # a busy server has instants with no search under way
    now[0] += IDLE_SECONDS
    assert service._idle()


def _stored_against_matched(path) -> list[tuple[str, str, list[int], list[int]]]:
    """Every indexed term in every column: the documents its stored postings hold against
    those a full-text match finds. Empty when they agree."""
    import sqlite3

    from pyroaring import BitMap

    connection = sqlite3.connect(path)
    columns = "name alternate_names place tags description stems_name stems_meta stems_text".split()
    wrong = []
    every_term = "SELECT term FROM terms UNION SELECT term FROM postings"
    for (term,) in connection.execute(every_term).fetchall():
        for at, column in enumerate(columns):
            matched = [
                row[0]
                for row in connection.execute(
                    "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid",
                    (f'{column} : "{term}"',),
                )
            ]
            row = connection.execute(
                "SELECT ids FROM postings WHERE term = ? AND col = ?", (term, at)
            ).fetchone()
            stored = [] if row is None else list(BitMap.deserialize(row[0]))
            if stored != matched:
                wrong.append((term, column, stored, matched))
    connection.close()
    return wrong


def test_stored_postings_follow_every_write(tmp_path):
    # Each term's documents are kept beside the full-text index, so a search need not read
    # them from it row by row: after a build, replacements, a document replaced twice in one
    # write, and deletions, they are what a full-text match finds, in every column.
    index = EmbeddedSearch(tmp_path / "search.sqlite3")
    index.rebuild(
        [
            factories.document(slug="leeds", name="Leeds ABC", city="Leeds"),
            factories.document(slug="books", name="Books Through Bars", city="Café Town"),
            factories.document(slug="families", name="Families Outside", city="Edinburgh"),
        ]
    )
    assert _stored_against_matched(index.path) == []
    index.upsert(
        [
            factories.document(slug="leeds", name="Leeds Anarchist Black Cross", city="Leeds"),
            factories.document(slug="glasgow", name="Glasgow ABC", city="Glasgow"),
            factories.document(slug="glasgow", name="Glasgow Prisoner Support", city="Glasgow"),
        ]
    )
    index.delete(["books"])
    assert _stored_against_matched(index.path) == []
    assert slugs(index, "books") == []
    assert slugs(index, "glasgow prisoner") == ["glasgow"]
    assert "glasgow" not in slugs(index, "glasgow abc")  # the first of the two writes is gone
    index.delete(["leeds", "glasgow", "families"])
    assert _stored_against_matched(index.path) == []
    assert slugs(index) == []
