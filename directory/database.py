"""The database engine and sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from anyio import to_thread
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from directory.settings import Settings


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


T = TypeVar("T")


async def read_one(engine: Engine, read: Callable[[Session], T]) -> T:
    """A short read (a row by its key) for an async endpoint.

    SQLite answers it from a local file in a fraction of a millisecond, without waiting on
    writers (WAL), so it is run right here: in a worker thread it would wait its turn for the
    interpreter behind the event loop, many times longer than the read, whenever the server
    is busy. Any other database is across a network, and a worker thread waits for it.
    """
    if engine.dialect.name == "sqlite":
        return _read(engine, read)
    return await to_thread.run_sync(_read, engine, read)


def _read(engine: Engine, read: Callable[[Session], T]) -> T:
    with session_scope(engine) as session:
        return read(session)
