"""Apply outbox events to search indexes: the relay between the database and every index."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from directory import catalogue
from directory.models import OutboxDelivery, OutboxEvent
from directory.search import documents
from directory.search.interface import SearchBackend

BATCH = 500


def apply_pending(engine: Engine, backend: SearchBackend, batch: int = BATCH) -> int:
    """Apply every event the backend has not yet received. Returns how many were applied.

    Each organisation is read as it is now: an event applied twice, late or out of order
    still leaves the index matching the database.
    """
    applied = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            pending = _undelivered(session, backend.name, batch)
            if not pending:
                return applied
            _apply(session, backend, {event.slug for event in pending})
            session.add_all(OutboxDelivery(event_id=e.id, backend=backend.name) for e in pending)
            session.commit()
            applied += len(pending)


def latest_event_id(session: Session) -> int:
    return session.exec(select(func.max(OutboxEvent.id))).one() or 0


def mark_delivered_up_to(session: Session, backend_name: str, last_id: int) -> None:
    """After a full rebuild that read the database when `last_id` was the newest event."""
    for event in _undelivered(session, backend_name, limit=None):
        if event.id is not None and event.id <= last_id:
            session.add(OutboxDelivery(event_id=event.id, backend=backend_name))


def _undelivered(session: Session, backend_name: str, limit: int | None) -> Sequence[OutboxEvent]:
    delivered = exists().where(
        OutboxDelivery.event_id == OutboxEvent.id, OutboxDelivery.backend == backend_name
    )
    query = select(OutboxEvent).where(~delivered).order_by(OutboxEvent.id)  # type: ignore[arg-type]
    if limit is not None:
        query = query.limit(limit)
    return session.exec(query).all()


def _apply(session: Session, backend: SearchBackend, slugs: set[str]) -> None:
    present, gone = [], []
    for slug in sorted(slugs):
        organisation = catalogue.get(session, slug)
        if organisation is None:
            gone.append(slug)
        else:
            present.append(documents.build(organisation))
    if present:
        backend.upsert(present)
    if gone:
        backend.delete(gone)


class SearchSync:
    """Keeps the configured indexes in step with the database. `wake()` after each commit."""

    def __init__(self, engine: Engine, backends: Sequence[SearchBackend]) -> None:
        self.engine = engine
        self.backends = list(backends)

    def wake(self) -> None:
        for backend in self.backends:
            apply_pending(self.engine, backend)
