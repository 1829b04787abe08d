"""The relay: applies outbox events to every search index, after commit and on start-up.

An index that fails (Meilisearch down, say) is retried with exponential backoff; its events
wait in the outbox until it is back, so nothing is lost. Events are applied by reading each
organisation as it is now, so applying one twice, late or out of order converges.

Whoever writes an index (each web worker's relay, `reindex`) holds its lock (`exclusive`)
from reading the organisations to writing them and noting the delivery. So the last write
to an index is always of the newest state read, and a rebuild's swap never lands between a
relay's write to the old index and its note that the change was delivered.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from directory import catalogue
from directory.models import OutboxDelivery, OutboxEvent
from directory.search import documents, locks
from directory.search.interface import IndexWriter, SearchBackend

log = logging.getLogger(__name__)

BATCH = 500
POLL_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 60.0
_POSITION_RETRY_SECONDS = 0.02
_POSITION_TRIES_BEFORE_WAITING = 50  # about a second
_POSITION_WAIT = "2s"  # longer than deadlock_timeout (1 s), after which autovacuum stops


def apply_pending(engine: Engine, backend: SearchBackend, batch: int = BATCH) -> int:
    """Apply every event the backend has not yet received. Returns how many were applied."""
    applied = 0
    while True:
        with Session(engine) as session:  # a look without the lock: mostly there is nothing
            if not _undelivered(session, backend.outbox_name, 1):
                return applied
        with exclusive(engine, backend), Session(engine, expire_on_commit=False) as session:
            pending = _undelivered(session, backend.outbox_name, batch)
            if not pending:
                return applied
            _apply(session, backend, {event.slug for event in pending})
            _record_delivery(
                session, [e.id for e in pending if e.id is not None], backend.outbox_name
            )
            session.commit()
        applied += len(pending)


def exclusive(
    engine: Engine, backend: SearchBackend, wait: bool = True
) -> AbstractContextManager[bool]:
    """Held by whoever writes the backend's index, in any process: see the module's note.
    Yields whether it is held (without `wait`, False at once when another holder has it)."""
    return locks.database_lock(engine, f"search index {backend.outbox_name}", wait)


def pending_count(session: Session, backend_name: str) -> int:
    return session.exec(
        select(func.count()).select_from(OutboxEvent).where(~_delivered_to(backend_name))
    ).one()


def position(session: Session) -> int:
    """The outbox's position: the newest event, such that every event up to it is committed
    and visible. Ends the session's transaction.

    On PostgreSQL a transaction may take an id from the sequence and commit after a later
    one; a share lock on the table waits out transactions that are adding events. SQLite
    commits one writer at a time, so there the newest id is enough.
    """
    if session.get_bind().dialect.name == "postgresql":
        _share_lock_outbox(session)
    newest = session.exec(select(func.max(OutboxEvent.id))).one() or 0
    session.commit()
    return newest


def _share_lock_outbox(session: Session) -> None:
    """Asked for without waiting, again and again, so that approvals (which add events) do
    not queue behind the request while a long import holds the table. Now and then it does
    wait, briefly: autovacuum gives way to a waiting request, never to one that does not."""
    for attempt in itertools.count(1):
        waits = attempt % _POSITION_TRIES_BEFORE_WAITING == 0
        try:
            if waits:
                session.execute(text(f"SET LOCAL lock_timeout = '{_POSITION_WAIT}'"))
            mode = "SHARE MODE" if waits else "SHARE MODE NOWAIT"
            session.execute(text(f"LOCK TABLE outbox_event IN {mode}"))
            return
        except OperationalError:
            session.rollback()
            if not waits:
                time.sleep(_POSITION_RETRY_SECONDS)


def replay(session: Session, target: IndexWriter, after: int, upto: int) -> None:
    """Apply every event in (after, upto] to `target`, delivered or not: a new index built
    from what the database held at `after` takes what changed since."""
    while after < upto:
        rows = session.exec(
            select(OutboxEvent.id, OutboxEvent.slug)
            .where(col(OutboxEvent.id) > after, col(OutboxEvent.id) <= upto)
            .order_by(col(OutboxEvent.id))
            .limit(BATCH)
        ).all()
        if not rows:
            return
        _apply(session, target, {slug for _, slug in rows})
        after = rows[-1][0] or upto


def mark_delivered_up_to(session: Session, backend_name: str, last_id: int) -> None:
    """After a rebuild that holds every event up to `last_id` (a `position`)."""
    ids = session.exec(
        select(OutboxEvent.id).where(~_delivered_to(backend_name), col(OutboxEvent.id) <= last_id)
    ).all()
    for start in range(0, len(ids), BATCH):
        batch = [i for i in ids[start : start + BATCH] if i is not None]
        _record_delivery(session, batch, backend_name)
    if len(ids) >= BATCH and session.get_bind().dialect.name == "postgresql":
        # Until the tables' statistics catch up with thousands of new rows, PostgreSQL may
        # look for undelivered events by comparing every event with every delivery (over a
        # second at 3,000 of each, on every relay pass and /healthz); autovacuum would get
        # there, in a minute or so.
        session.commit()
        session.execute(text("ANALYZE outbox_event, outbox_delivery"))


def _delivered_to(backend_name: str) -> Any:
    return exists().where(
        col(OutboxDelivery.event_id) == col(OutboxEvent.id),
        col(OutboxDelivery.backend) == backend_name,
    )


def _undelivered(session: Session, backend_name: str, limit: int) -> Sequence[OutboxEvent]:
    query = (
        select(OutboxEvent)
        .where(~_delivered_to(backend_name))
        .order_by(OutboxEvent.id)  # type: ignore[arg-type]
        .limit(limit)
    )
    return session.exec(query).all()


def _record_delivery(session: Session, event_ids: list[int], backend_name: str) -> None:
    """Note deliveries; another relay (another process) may have noted some already."""
    if not event_ids:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{"event_id": event_id, "backend": backend_name} for event_id in event_ids]
    session.execute(insert(OutboxDelivery).values(rows).on_conflict_do_nothing())


def _apply(session: Session, backend: IndexWriter, slugs: set[str]) -> None:
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


@dataclass
class _BackendState:
    failures: int = 0
    retry_at: float = 0.0
    last_error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Relay:
    """Keeps every index in step with the database, in a background thread.

    `wake()` after a commit: local indexes are brought up to date at once, in the caller's
    thread, so a change is searchable when the response is sent; remote ones in the thread.
    """

    def __init__(
        self,
        engine: Engine,
        backends: Sequence[SearchBackend],
        poll_seconds: float = POLL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.backends = list(backends)
        self.poll_seconds = poll_seconds
        self._clock = clock
        self._state = {backend.name: _BackendState() for backend in self.backends}
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="search-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        for backend in self.backends:
            if not backend.remote:
                self.deliver(backend)
        self._wakeup.set()

    def deliver(self, backend: SearchBackend) -> int | None:
        """Apply pending events to one backend unless it is backing off. None if it failed."""
        state = self._state[backend.name]
        if self._clock() < state.retry_at:
            return 0
        with state.lock:
            try:
                applied = apply_pending(self.engine, backend)
            except Exception as error:  # noqa: BLE001 (the relay must outlive any failure)
                state.failures += 1
                backoff = min(MAX_BACKOFF_SECONDS, 2.0 ** (state.failures - 1))
                state.retry_at = self._clock() + backoff
                state.last_error = str(error)
                log.warning("relay to %s failed (retry in %.0fs): %s", backend.name, backoff, error)
                return None
            state.failures, state.retry_at, state.last_error = 0, 0.0, None
            return applied

    def retry(self) -> None:
        """Deliver to every index now, even those backing off after a failure."""
        for state in self._state.values():
            state.retry_at = 0.0
        self.wake()

    def run_once(self) -> None:
        for backend in self.backends:
            self.deliver(backend)

    def status(self) -> dict[str, dict[str, Any]]:
        with Session(self.engine) as session:
            report = {}
            for backend in self.backends:
                state = self._state[backend.name]
                report[backend.name] = {
                    "pending": pending_count(session, backend.outbox_name),
                    "last_error": state.last_error,
                    "retry_in_seconds": round(max(0.0, state.retry_at - self._clock()), 1),
                }
            return report

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.run_once()
            self._wakeup.wait(self.poll_seconds)
            self._wakeup.clear()
