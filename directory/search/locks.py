"""Named locks held across threads, processes and hosts: wherever the database is shared.

A search index is written by every web worker's relay and by `reindex`, and a rebuild must
not swap its new index in while a relay is writing to the old one. The database is the one
thing all of them share, so the lock lives there: an advisory lock on PostgreSQL; on SQLite,
whose users are all on one machine, an exclusive `flock` on a file beside the database.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

# For an in-memory SQLite database, which no other process can see.
_in_process: dict[str, threading.Lock] = {}
_in_process_guard = threading.Lock()


@contextmanager
def database_lock(engine: Engine, name: str, wait: bool = True) -> Iterator[bool]:
    """Hold the lock called `name` inside the block; yields whether it is held. Waits for
    it, unless `wait` is false: then yields False at once if another holder has it."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, name, wait) as held:
            yield held
        return
    database = (engine.url.database or "").removeprefix("file:").split("?")[0]
    if not database or database == ":memory:":
        with _process_lock(name, wait) as held:
            yield held
        return
    with file_lock(lock_path(Path(database), name), wait) as held:
        yield held


def lock_path(database: Path, name: str) -> Path:
    safe = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return database.with_name(f"{database.name}.{safe}.lock")


@contextmanager
def file_lock(path: Path, wait: bool = True) -> Iterator[bool]:
    """An exclusive flock. Each holder opens the file itself, so threads of one process
    exclude each other too; the kernel releases it if the holder dies."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _advisory_lock(engine: Engine, name: str, wait: bool) -> Iterator[bool]:
    # A session-level lock on a connection of its own, outside any transaction, so that no
    # transaction stays open while the holder waits on a search engine.
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if wait:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        elif not connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
        ).scalar():
            yield False
            return
        try:
            yield True
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _process_lock(name: str, wait: bool) -> Iterator[bool]:
    with _in_process_guard:
        lock = _in_process.setdefault(name, threading.Lock())
    if not lock.acquire(blocking=wait):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
