"""Factories for organisations and test sites: valid by default, any field overridable."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from directory import activities, catalogue, seed
from directory.models import Organisation
from directory.records import OrganisationRecord
from directory.search import documents
from directory.settings import PACKAGED_SEED_DIR, Settings

_serial = itertools.count(1)

# How many listings the directory ships with, so that tests follow the catalogue as it grows.
SEED_COUNT = len(seed.load(PACKAGED_SEED_DIR))


def site_settings(
    data_dir: Path, gazetteer: Path, database_url: str = "", *, admin_two_factor: bool = False
) -> Settings:
    """A site of its own for a test: embedded search only, the test gazetteer, and SQLite in
    data_dir unless another database is given.

    Administrators sign in with a password alone here, so that tests of everything else sign
    in in one step; tests/test_two_factor.py covers the default, where they need a code."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        search="embedded",
        meili_url="",
        gazetteer_path=gazetteer,
        admin_two_factor=admin_two_factor,
        # Thousands of apps start in the suite: none warms its index, but the test of it.
        warm_terms=0,
    )


def record_values(**overrides: Any) -> dict[str, Any]:
    number = next(_serial)
    values: dict[str, Any] = {
        "slug": f"group-{number}",
        "name": f"Example Group {number}",
        "kind": "regional-network",
        "description": "A volunteer group that writes letters to people held in prison.",
        "focus": ["all-prisoners"],
        "services": ["letter-writing"],
        "country": "GB",
        "sources": ["https://example.org/source"],
    }
    values.update(overrides)
    return values


def record(**overrides: Any) -> OrganisationRecord:
    return OrganisationRecord.model_validate(record_values(**overrides))


def store(engine: Engine, **overrides: Any) -> None:
    """Saves one listing in the database (as an import would), valid but for the overrides."""
    with Session(engine) as session:
        catalogue.upsert(session, record(**overrides))
        session.commit()


def organisation(**overrides: Any) -> Organisation:
    return Organisation(**record(**overrides).model_dump())


def document(**overrides: Any) -> dict[str, Any]:
    return documents.build(organisation(**overrides))


def listing_form(**overrides: Any) -> dict[str, Any]:
    """What a person fills in on /submit for a valid new listing; any field overridable."""
    number = next(_serial)
    values: dict[str, Any] = {
        "name": f"Submitted Group {number}",
        "kind": "abc-group",
        "description": "A volunteer group that writes letters to people held in prison.",
        "focus": ["all-prisoners"],
        "services": ["letter-writing"],
        "status": "active",
        "country": "GB",
        "city": "Leeds",
        "website": f"https://group-{number}.example.org",
        "contact": f"person-{number}@example.net",
        "relation": "member",
        "homepage": "",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def activity_form(**overrides: Any) -> dict[str, Any]:
    """What a person fills in to propose a valid activity (the first Monday of every month,
    from Monday 4 March 2030, 19:00-21:00 in London); any field overridable, None leaves
    it out."""
    values: dict[str, Any] = {
        "title": "Letter-writing night",
        "description": "We write letters and cards to people in prison; paper and stamps given.",
        "kind": "letter-writing",
        "start_date": "2030-03-04",
        "start_time": "19:00",
        "end_time": "21:00",
        "time_zone": "Europe/London",
        "repeats": "monthly-nth",
        "venue": "The social centre",
        "city": "Leeds",
        "country": "GB",
        "cost": "Free",
        "how_to_join": "Just turn up.",
        "access": ["step-free", "bsl"],
        "source_url": "https://example.org/events/letters",
        "stated_on": "2026-11-20",
        "contact": "someone@example.net",
        "homepage": "",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def activity_values(**overrides: Any) -> dict[str, Any]:
    """An activity's fields as activities.validate takes them: valid but for the overrides."""
    number = next(_serial)
    values: dict[str, Any] = {
        "title": f"Letter-writing night {number}",
        "description": "We write letters and birthday cards to people in prison.",
        "kind": "letter-writing",
        "starts_at": "2025-01-06T19:00",
        "ends_at": "2025-01-06T21:00",
        "time_zone": "Europe/London",
        "recurrence": "FREQ=MONTHLY;BYDAY=1MO",
        "venue": "The Library",
        "city": "Glasgow",
        "country": "GB",
        "latitude": 55.865,
        "longitude": -4.258,
        "access": ["step-free"],
        "cost": "Free",
        "source_url": "https://example.org/letters",
        # Lately: a repeating activity's dates are given for a year after they were stated.
        "stated_on": (date.today() - timedelta(days=10)).isoformat(),
    }
    values.update(overrides)
    return values


def store_activity(engine: Engine, organisation_slug: str, **overrides: Any) -> str:
    """Saves one activity for the listing; returns its public id."""
    cleaned, errors = activities.validate(activity_values(**overrides))
    assert errors == {}, errors
    with Session(engine) as session:
        stored = activities.create(session, organisation_slug, cleaned)
        session.commit()
        return stored.public_id
