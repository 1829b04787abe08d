"""What /healthz checks: that the database answers and can be written, and the data directory.

Polled every few seconds, so each check costs a round trip or a system call, and writes
nothing: on SQLite a row is updated to itself and rolled back, which needs the write lock
(refused on a read-only file) but never reaches the disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError


def database(engine: Engine) -> dict[str, Any]:
    """{"status": "ok"}, or "read-only" or "down" with the error."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            problem = _write_problem(connection)
    except SQLAlchemyError as error:
        return {"status": "down", "error": type(error).__name__}
    if problem is not None:
        return {"status": "read-only", "error": problem}
    return {"status": "ok"}


def data_directory(path: Path) -> str | None:
    """Why the data directory (search index, its rebuilds) cannot be written, or None."""
    if not os.access(path, os.W_OK):
        return f"the data directory cannot be written ({path})"
    return None


def _write_problem(connection: Connection) -> str | None:
    if connection.dialect.name == "postgresql":
        recovery, read_only = connection.execute(
            text("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
        ).one()
        if recovery:
            return "the database is a standby, in recovery"
        return "the database is read-only" if read_only == "on" else None
    return _sqlite_write_problem(connection)


def _sqlite_write_problem(connection: Connection) -> str | None:
    # Not waiting for the lock: a writer holding it shows that the database can be written.
    waited = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except OperationalError as error:
        message = str(error.orig)
        return None if "locked" in message else message
    finally:
        connection.rollback()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(waited or 0)}")
    return None
