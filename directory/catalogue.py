"""The catalogue service: read and write published organisations. Never sees a request.

Every write also records an outbox event in the same session, so the change and the note
that search indexes must follow it commit (or roll back) together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, cast, exists, func, literal
from sqlalchemy.dialects.postgresql import JSONB, array
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from directory.models import Organisation, OutboxEvent, storable, utcnow
from directory.records import OrganisationRecord

# Built once: building the statement took longer than running it (~200 us of ~500 per page).
_BY_SLUG = select(Organisation).where(Organisation.slug == bindparam("slug"))


def get(session: Session, slug: str) -> Organisation | None:
    if not storable(slug):
        return None
    return session.exec(_BY_SLUG, params={"slug": slug}).first()


def get_many(session: Session, slugs: list[str]) -> list[Organisation]:
    """Organisations by slug, in the order given; unknown slugs are left out."""
    found: dict[str, Organisation] = {}
    for start in range(0, len(slugs), 500):
        batch = slugs[start : start + 500]
        rows = session.exec(select(Organisation).where(Organisation.slug.in_(batch)))  # type: ignore[attr-defined]
        found.update((row.slug, row) for row in rows)
    return [found[slug] for slug in slugs if slug in found]


def recently_changed(session: Session, limit: int) -> Sequence[Organisation]:
    """The most recently added or updated organisations, newest first."""
    return session.exec(
        select(Organisation).order_by(Organisation.updated_at.desc()).limit(limit)  # type: ignore[attr-defined]
    ).all()


def page_of(
    session: Session,
    filters: Mapping[str, Sequence[str]],
    modified_after: datetime | None,
    page: int,
    per_page: int,
) -> tuple[Sequence[Organisation], int]:
    """One page of organisations in slug order, filtered as search filters (AND across
    fields, OR within one), and changed after a moment if given. Returns it and the total."""
    conditions: list[Any] = []
    for field, values in filters.items():
        if values:
            column = _FILTER_COLUMNS[field]
            if field in ("focus", "service"):
                conditions.append(_json_list_has_any(session, column, list(values)))
            else:
                conditions.append(column.in_(list(values)))
    if modified_after is not None:
        conditions.append(Organisation.updated_at > modified_after)
    total = session.exec(select(func.count()).select_from(Organisation).where(*conditions)).one()
    rows = session.exec(
        select(Organisation)
        .where(*conditions)
        .order_by(Organisation.slug)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return rows, total


_FILTER_COLUMNS: dict[str, Any] = {
    "kind": Organisation.kind,
    "country": Organisation.country,
    "focus": Organisation.__table__.c.focus,  # type: ignore[attr-defined]
    "service": Organisation.__table__.c.services,  # type: ignore[attr-defined]
}


def _json_list_has_any(session: Session, column: Any, values: list[str]) -> Any:
    """Whether a JSON list column holds any of the values, in the database's own terms."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, JSONB).op("?|")(array(values))
    element = func.json_each(column).table_valued("value").alias("element")
    return exists(select(1).select_from(element).where(element.c.value.in_(values)))


def with_phone(session: Session, kind: str, focus: str) -> Sequence[Organisation]:
    """Listings not known to have closed that give a phone of this kind and have this focus
    tag ("helpline", "families"), in name order."""
    phones = Organisation.__table__.c.phones  # type: ignore[attr-defined]
    return session.exec(
        select(Organisation)
        .where(
            Organisation.status != "inactive",
            _json_list_has_any(session, _FILTER_COLUMNS["focus"], [focus]),
            _has_phone_of_kind(session, phones, kind),
        )
        .order_by(Organisation.name, Organisation.slug)
    ).all()


def _has_phone_of_kind(session: Session, column: Any, kind: str) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, JSONB).op("@>")(literal([{"kind": kind}], JSONB))
    element = func.json_each(column).table_valued("value").alias("phone")
    kind_of = func.json_extract(element.c.value, "$.kind")
    return exists(select(1).select_from(element).where(kind_of == kind))


def slugs(session: Session) -> Sequence[str]:
    """Every organisation's slug, in order: a light read when only identities are needed."""
    return session.exec(select(Organisation.slug).order_by(Organisation.slug)).all()


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Organisation)).one()


def iter_all(session: Session, batch_size: int = 1000) -> Iterator[Organisation]:
    """Every organisation in slug order, fetched in batches so memory stays flat."""
    last_slug = ""
    while True:
        batch = session.exec(
            select(Organisation)
            .where(Organisation.slug > last_slug)
            .order_by(Organisation.slug)
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
    if organisation is None:
        return _insert(session, record), "created"
    if not _apply(organisation, record.model_dump()):
        return organisation, "unchanged"
    organisation.updated_at = utcnow()
    session.add(organisation)
    session.add(OutboxEvent(slug=organisation.slug))
    session.flush()
    return organisation, "updated"


def add_new(session: Session, record: OrganisationRecord) -> Organisation:
    """Publish a new organisation under the record's slug, or the first free one after it
    ("name", "name-2", "name-3"...). Never changes an organisation already there.

    Two transactions may find the same slug free at once: the database lets one insert it
    and refuses the other (unique slugs), whose attempt is undone on its own (a savepoint)
    so that it can take the next free slug, in the same transaction.
    """
    base = record.slug
    while True:
        slug = _free_slug(session, base)
        try:
            with session.begin_nested():
                return _insert(session, record.model_copy(update={"slug": slug}))
        except IntegrityError:
            if get(session, slug) is None:
                raise  # the slug is still free: something else was refused
            # Taken meanwhile by a transaction that has now committed: look again.


def _free_slug(session: Session, base: str) -> str:
    candidate, number = base, 2
    while get(session, candidate) is not None:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _insert(session: Session, record: OrganisationRecord) -> Organisation:
    organisation = Organisation(**record.model_dump())
    session.add(organisation)
    session.add(OutboxEvent(slug=organisation.slug))
    session.flush()
    return organisation


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


def version(session: Session) -> tuple[int, int]:
    """A value that changes whenever any organisation does: every write records an outbox
    event, so the number of events and the newest one's id move on. Both, since on
    PostgreSQL an event can commit after one with a higher id."""
    # Two subqueries: asked together in one SELECT, SQLite scans the table for them.
    count = select(func.count()).select_from(OutboxEvent).scalar_subquery()
    newest = select(func.max(OutboxEvent.id)).scalar_subquery()
    found, last = session.exec(select(count, newest)).one()
    return found, last or 0
