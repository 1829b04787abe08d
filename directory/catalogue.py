"""The catalogue service: read and write published organisations. Never sees a request.

Every write also records an outbox event in the same session, so the change and the note
that search indexes must follow it commit (or roll back) together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from directory.models import Organisation, OutboxEvent, utcnow
from directory.records import OrganisationRecord


def get(session: Session, slug: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).first()


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Organisation)).one()


def iter_all(session: Session, batch_size: int = 1000) -> Iterator[Organisation]:
    """Every organisation in slug order, fetched in batches so memory stays flat."""
    last_slug = ""
    while True:
        batch = session.exec(
            select(Organisation)
            .where(Organisation.slug > last_slug)
            .order_by(Organisation.slug)  # type: ignore[arg-type]
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_slug = batch[-1].slug


def upsert(session: Session, record: OrganisationRecord) -> tuple[Organisation, str]:
    """Create or update the organisation with the record's slug.

    Returns it and what happened: "created", "updated" or "unchanged".
    """
    organisation = get(session, record.slug)
    values = record.model_dump()
    if organisation is None:
        organisation = Organisation(**values)
        outcome = "created"
    elif _apply(organisation, values):
        organisation.updated_at = utcnow()
        outcome = "updated"
    else:
        return organisation, "unchanged"
    session.add(organisation)
    session.add(OutboxEvent(slug=organisation.slug))
    session.flush()
    return organisation, outcome


def delete(session: Session, slug: str) -> bool:
    """Remove an organisation from the directory. Returns whether there was one."""
    organisation = get(session, slug)
    if organisation is None:
        return False
    session.delete(organisation)
    session.add(OutboxEvent(slug=slug))
    session.flush()
    return True


def upsert_many(session: Session, records: Iterable[OrganisationRecord]) -> dict[str, int]:
    tally = {"created": 0, "updated": 0, "unchanged": 0}
    for record in records:
        _, outcome = upsert(session, record)
        tally[outcome] += 1
    return tally


def _apply(organisation: Organisation, values: dict[str, Any]) -> bool:
    changed = False
    for field, value in values.items():
        if getattr(organisation, field) != value:
            setattr(organisation, field, value)
            changed = True
    return changed
