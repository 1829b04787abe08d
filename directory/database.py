"""The database engine and sessions, and what the rest of the app knows of its failures."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from anyio import to_thread
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

from directory.settings import Settings


class Unavailable(Exception):
    """The database cannot save (or answer) right now: locked for longer than the busy
    timeout, read-only, full or unreachable. Worth trying again later; nothing was written.

    Its message says what the database said, without any of the values sent.
    """


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    # Bound values are what people sent (contacts, private notes): never in an error's text
    # or a log line. (PostgreSQL may still quote a row in its own message: see describe.)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:" and not url.query.get("uri"):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            hide_parameters=True,
            connect_args={
                "check_same_thread": False,
                # How long a write waits for another process's write to finish.
                "timeout": settings.sqlite_busy_timeout_seconds,
            },
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, hide_parameters=True, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Readers never wait for the writer, and the writer never waits for readers.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# SQLite's busy handler sleeps up to this long between two tries at the write lock.
_SQLITE_LONGEST_RETRY_SECONDS = 0.1


def let_waiting_writers_in(engine: Engine) -> None:
    """Between two write transactions of a long job: on SQLite, leave the write lock free
    long enough for every writer waiting on it to try again and get a turn. Without this
    pause the job takes the lock back within a millisecond, and a form sent meanwhile
    waits past its busy timeout although every transaction is short."""
    if engine.dialect.name == "sqlite":
        time.sleep(_SQLITE_LONGEST_RETRY_SECONDS * 1.5)


# SQLite's primary result codes that mean "not now" rather than a mistake in what was asked:
# PERM, BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_SQLITE_UNAVAILABLE = frozenset({3, 5, 6, 8, 10, 13, 14, 15})
_POSTGRES_READ_ONLY = "25006"  # read_only_sql_transaction: a standby, or set read-only


def unavailable(error: BaseException) -> bool:
    """Whether a database error means it cannot serve right now (try again later)."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if isinstance(original, sqlite3.Error):
        return (getattr(original, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_UNAVAILABLE
    if getattr(original, "sqlstate", None) == _POSTGRES_READ_ONLY:
        return True
    # PostgreSQL's connection failures, shutdowns, deadlocks and lock timeouts.
    return isinstance(error, OperationalError)


def describe(error: BaseException) -> str:
    """What a database error was, for a log: never a value that was sent or stored.

    SQLite's messages name tables, columns and constraints only. PostgreSQL's may quote
    values ("Failing row contains (...)", "Key (slug)=(...)"), so only its code and the
    names of what it concerns are kept.
    """
    if not isinstance(error, DBAPIError):
        return type(error).__name__
    original = error.orig
    if isinstance(original, sqlite3.Error):
        said = f"{getattr(original, 'sqlite_errorname', '')}: {original}"
    else:
        diagnosis = getattr(original, "diag", None)
        names = [
            f"{part} {getattr(diagnosis, f'{part}_name', None)}"
            for part in ("table", "column", "constraint")
            if getattr(diagnosis, f"{part}_name", None)
        ]
        said = " ".join([f"SQLSTATE {getattr(original, 'sqlstate', None)}", *names])
    statement = " ".join((error.statement or "").split())[:200]
    return f"{type(original).__name__} ({said}) in: {statement}"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error.

    Raises Unavailable when the database cannot serve right now, so that callers may keep
    what people typed and ask them to try again, without knowing the database's errors.
    """
    with _unavailable_raised(), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction (committed on success), for a statement or two of
    Core SQL; raises Unavailable as session_scope does."""
    with _unavailable_raised(), engine.begin() as connection:
        yield connection


@contextmanager
def _unavailable_raised() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        if unavailable(error):
            raise Unavailable(describe(error)) from error
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
