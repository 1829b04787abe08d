"""The catalogue service: writes and the outbox events that travel with them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from directory import catalogue
from directory.models import Organisation, OutboxEvent, utcnow
from tests import factories

pytestmark = pytest.mark.databases


def events(session) -> list[str]:
    return [event.slug for event in session.exec(select(OutboxEvent).order_by(col(OutboxEvent.id)))]


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


def test_page_of_filters_list_columns_in_the_databases_own_terms(session):
    # A JSON list has no portable "contains": each database answers this its own way.
    for slug, focus, services, country in (
        ("a-group", ["women", "lgbtq"], ["books"], "GB"),
        ("b-group", ["lgbtq"], ["pen-pals", "books"], "US"),
        ("c-group", ["vegan"], ["books"], "GB"),
        ("d-group", ["women"], ["letter-writing"], "GB"),
    ):
        catalogue.upsert(
            session,
            factories.record(slug=slug, focus=focus, services=services, country=country),
        )
    session.commit()

    def slugs(**filters):
        rows, total = catalogue.page_of(session, filters, None, page=1, per_page=10)
        assert total == len(rows)
        return [row.slug for row in rows]

    assert slugs(focus=["lgbtq"]) == ["a-group", "b-group"]
    assert slugs(focus=["lgbtq", "vegan"]) == ["a-group", "b-group", "c-group"]  # OR
    assert slugs(focus=["women"], service=["books"]) == ["a-group"]  # AND across fields
    assert slugs(focus=["women"], country=["GB"], kind=["regional-network"]) == [
        "a-group",
        "d-group",
    ]
    assert slugs(focus=["lgb"]) == []  # whole tags only, never a part of one
    rows, total = catalogue.page_of(session, {"service": ["books"]}, None, page=2, per_page=2)
    assert ([row.slug for row in rows], total) == (["c-group"], 3)


def test_page_of_changed_after_a_moment(session):
    catalogue.upsert(session, factories.record(slug="old-group"))
    session.commit()
    moment = utcnow()
    catalogue.upsert(session, factories.record(slug="new-group"))
    session.commit()
    rows, total = catalogue.page_of(session, {}, moment, page=1, per_page=10)
    assert ([row.slug for row in rows], total) == (["new-group"], 1)
