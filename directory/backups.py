"""Backing the database up to one file while the site runs, and restoring it into an empty one.

SQLite: the online backup API copies the database page by page in one read transaction, so the
file is a consistent snapshot however much the site writes meanwhile (in WAL mode writers do
not wait for it). PostgreSQL: `pg_dump --format=custom`, which reads from one snapshot too,
and `pg_restore`. The password is never on a command line (other users can read those): the
tools get it in their environment.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, func, select, table
from sqlalchemy.engine import URL, Engine, make_url

# What the first bytes of a backup say it is.
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PG_DUMP_MAGIC = b"PGDMP"
# Tables whose rows are no one's data: the schema's version, and rate-limit slots that free
# themselves within minutes. A database holding rows anywhere else is not empty.
_NOT_DATA = frozenset({"alembic_version", "rate_limit"})
_CONNECT_TIMEOUT_SECONDS = "10"


class BackupError(Exception):
    """The backup or restore could not be made; the message says why, in a sentence."""


@dataclass(frozen=True)
class Made:
    """What a backup or restore did: the file, its size, how long it took, and (when they
    could be counted) the rows it holds by table."""

    path: Path
    size_bytes: int
    seconds: float
    rows: Mapping[str, int]


def backend_of(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


def backup(database_url: str, destination: Path) -> Made:
    """Write the database to `destination`, which appears only once it is complete."""
    started = time.monotonic()
    partial = destination.with_name(destination.name + ".partial")
    # The file holds submitters' contacts and password hashes: readable by its owner only.
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    try:
        if backend_of(database_url) == "sqlite":
            _sqlite_backup(_sqlite_path(database_url), partial)
            rows = _sqlite_rows(partial)
        else:
            _run_tool("pg_dump", ["--format=custom", "--file", str(partial)], database_url)
            rows = {}
        partial.chmod(0o600)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return Made(destination, destination.stat().st_size, time.monotonic() - started, rows)


def restore(engine: Engine, database_url: str, source: Path) -> Made:
    """Load the backup at `source` into the configured database, which must be empty.

    Raises BackupError, changing nothing, when the database holds data or the file is not a
    backup of the same kind of database.
    """
    started = time.monotonic()
    kind = _kind_of(source)
    backend = backend_of(database_url)
    if kind == "unknown":
        raise BackupError(f"{source} is not a backup made by `directory backup`.")
    if kind != backend:
        raise BackupError(
            f"{source} is a {_NAMES[kind]} backup, but this directory's database is "
            f"{_NAMES.get(backend, backend)}. Restore it into the same kind of database "
            "(or move listings across with `directory export` and `directory import`)."
        )
    held = data_rows(engine)
    if held:
        raise BackupError(
            f"The database already holds {_describe(held)}. Restore only into an empty "
            "database: make a new one (or a new data directory) and point the directory at it."
        )
    if backend == "sqlite":
        _sqlite_check(source)
        engine.dispose()  # no pooled connection may hold the file while it is replaced
        _sqlite_backup(source, Path(_sqlite_path(database_url)))
    else:
        _run_tool("pg_restore", ["--list", str(source)], database_url, connect=False)
        _drop_empty_tables(engine)
        _run_tool(
            "pg_restore",
            ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", str(source)],
            database_url,
            database_flag="--dbname",
        )
    return Made(source, source.stat().st_size, time.monotonic() - started, {})


def data_rows(engine: Engine) -> dict[str, int]:
    """How many rows each table that holds someone's data has, leaving out empty ones."""
    metadata = MetaData()
    metadata.reflect(engine)
    held: dict[str, int] = {}
    with engine.connect() as connection:
        for name in sorted(metadata.tables):
            if name in _NOT_DATA:
                continue
            count = connection.execute(select(func.count()).select_from(table(name))).scalar()
            if count:
                held[name] = int(count)
    return held


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _describe(held: Mapping[str, int]) -> str:
    said = []
    if held.get("organisation"):
        said.append(f"{held['organisation']} listing(s)")
    if held.get("moderator"):
        said.append(f"{held['moderator']} moderator(s)")
    others = sum(count for name, count in held.items() if name not in ("organisation", "moderator"))
    if others:
        said.append(f"{others} other row(s)")
    return " and ".join(said)


def _kind_of(source: Path) -> str:
    try:
        with source.open("rb") as file:
            start = file.read(len(_SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"Cannot read {source}: {error.strerror}.") from error
    if start == _SQLITE_MAGIC:
        return "sqlite"
    if start.startswith(_PG_DUMP_MAGIC):
        return "postgresql"
    return "unknown"


# SQLite ------------------------------------------------------------------------------------


def _sqlite_path(database_url: str) -> str:
    path = make_url(database_url).database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def _sqlite_backup(source: str | Path, destination: Path) -> None:
    # pages=-1 copies everything in one step, inside one read transaction: a consistent
    # snapshot that a write elsewhere cannot make the copy start over (as it would in steps).
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reading,
        closing(sqlite3.connect(destination)) as writing,
    ):
        reading.backup(writing, pages=-1)
        # One self-contained file, with no -wal beside it that would have to travel with it.
        writing.execute("PRAGMA journal_mode=DELETE")


def _sqlite_check(source: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_file:
            tables = {row[0] for row in backup_file.execute("SELECT name FROM sqlite_master")}
            verdict = backup_file.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} cannot be read as a SQLite database ({error}).") from error
    if not {"alembic_version", "organisation"} <= tables:
        raise BackupError(f"{source} is a SQLite database, but not a directory backup.")
    if verdict != "ok":
        raise BackupError(f"{source} is damaged: SQLite's check says {verdict!r}.")


def _sqlite_rows(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as backup_file:
        return {name: backup_file.execute(query).fetchone()[0] for name, query in _COUNTED.items()}


# The rows a SQLite backup reports it holds (fixed statements: table names are not bound).
_COUNTED = {
    name: f"SELECT count(*) FROM {name}"  # noqa: S608
    for name in ("organisation", "moderator", "submission", "audit_event")
}


# PostgreSQL --------------------------------------------------------------------------------


def _run_tool(
    name: str,
    arguments: list[str],
    database_url: str,
    *,
    connect: bool = True,
    database_flag: str = "--dbname",
) -> None:
    program = shutil.which(name)
    if program is None:
        raise BackupError(
            f"`{name}` was not found on PATH. Install PostgreSQL's client tools (on Debian, "
            "the postgresql-client package), of the server's version or newer."
        )
    command = [program, "--no-password", *arguments]
    environment = dict(os.environ)
    if connect:
        url = make_url(database_url)
        command += [database_flag, _libpq_url(url)]
        environment.update(PGCONNECT_TIMEOUT=_CONNECT_TIMEOUT_SECONDS)
        if url.password is not None:
            environment["PGPASSWORD"] = str(url.password)
    # The program is the one on PATH and every argument is ours: no shell, nothing typed.
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
    if finished.returncode != 0:
        said = " ".join(finished.stderr.split())[:600] or f"exit status {finished.returncode}"
        raise BackupError(f"{name} failed: {said}")


def _libpq_url(url: URL) -> str:
    """The database's address as libpq reads it, without the password or the driver name."""
    # Built afresh: URL.set(password=None) would leave the password in place.
    bare = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return bare.render_as_string(hide_password=False)


def _drop_empty_tables(engine: Engine) -> None:
    """A migrated but empty database has the tables already, which the dump would create:
    drop them (data_rows has just said they hold nothing) so it can."""
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()
