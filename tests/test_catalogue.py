"""The catalogue service: writes and the outbox events that travel with them."""

from __future__ import annotations

import pytest
from sqlmodel import select

from directory import catalogue
from directory.models import Organisation, OutboxEvent
from tests import factories


def events(session) -> list[str]:
    return [event.slug for event in session.exec(select(OutboxEvent).order_by(OutboxEvent.id))]


def test_every_change_writes_an_outbox_event(session):
    catalogue.upsert(session, factories.record(slug="one", name="One Group"))
    catalogue.upsert(session, factories.record(slug="one", name="One Group"))  # unchanged
    catalogue.upsert(session, factories.record(slug="one", name="Renamed Group"))
    assert catalogue.delete(session, "one")
    assert not catalogue.delete(session, "one")
    session.commit()
    assert events(session) == ["one", "one", "one"]
    assert catalogue.get(session, "one") is None


def test_a_rolled_back_change_leaves_no_event(session):
    catalogue.upsert(session, factories.record(slug="two"))
    session.rollback()
    assert events(session) == []
    assert session.exec(select(Organisation)).all() == []


@pytest.mark.parametrize("batch_size", [1, 2, 1000])
def test_iter_all_streams_in_slug_order(session, batch_size):
    for slug in ("c-group", "a-group", "b-group"):
        catalogue.upsert(session, factories.record(slug=slug))
    session.commit()
    slugs = [o.slug for o in catalogue.iter_all(session, batch_size=batch_size)]
    assert slugs == ["a-group", "b-group", "c-group"]
