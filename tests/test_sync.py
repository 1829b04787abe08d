"""The outbox relay: what the database commits reaches every index, once or many times."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from directory import catalogue
from directory.search import SearchQuery, backends
from directory.search.indexing import reindex
from directory.search.sync import apply_pending
from tests import factories

pytestmark = pytest.mark.databases


def names(backend) -> list[str]:
    return [hit.name for hit in backend.search(SearchQuery(per_page=100)).hits]


def test_committed_changes_reach_the_index(engine, settings):
    index = backends.embedded(settings)
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters"))
        catalogue.upsert(session, factories.record(slug="b", name="Beta Books"))
        session.commit()
    assert apply_pending(engine, index) == 2
    assert names(index) == ["Alpha Letters", "Beta Books"]
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Pen Pals"))
        catalogue.delete(session, "b")
        session.commit()
    assert apply_pending(engine, index) == 2
    assert names(index) == ["Alpha Pen Pals"]
    assert apply_pending(engine, index) == 0  # nothing left: each event is applied once


def test_applying_again_changes_nothing(engine, settings):
    index = backends.embedded(settings)
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters"))
        session.commit()
    apply_pending(engine, index)
    index.upsert([])  # a replay of an already applied batch must converge too
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters Again"))
        session.commit()
    apply_pending(engine, index)
    apply_pending(engine, index)
    assert names(index) == ["Alpha Letters Again"]


def test_reindex_marks_what_it_read_as_delivered(engine, settings):
    index = backends.embedded(settings)
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters"))
        session.commit()
        reindex(session, index)
    assert apply_pending(engine, index) == 0
    assert names(index) == ["Alpha Letters"]
