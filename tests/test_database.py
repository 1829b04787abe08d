"""The database failing under the forms: locked, read-only, refusing a row. What people typed
is kept and shown again; nothing they sent reaches a log; nothing is half-written."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import make_url
from sqlmodel import Session, func, select
from starlette.testclient import TestClient

from directory.app import create_app
from directory.models import Submission
from directory.settings import Settings
from tests.factories import listing_form
from tests.web import csrf_token, post_form, text_of

PRIVATE = {
    "contact": "private-contact-4471@example.net",
    "note": "Private note: my brother is held at HMP Leeds under another name.",
}
TYPED = {"name": "Locked Out Letters", "description": "We write to people inside, weekly."}

# Holds SQLite's write lock from another process until its stdin closes.
LOCK_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


def submissions(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Submission)).one()


def browser(settings: Settings) -> TestClient:
    # Server errors as the visitor sees them, not raised into the test.
    return TestClient(create_app(settings), raise_server_exceptions=False)


def assert_kept(response, *values: str) -> None:
    for value in values:
        assert value in response.text, value


@pytest.fixture
def write_lock(settings: Settings) -> Iterator[None]:
    """A second process holding the write lock on the SQLite database file."""
    database = make_url(settings.database_url).database
    assert database is not None
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.communicate("", timeout=30)


def test_a_submission_while_another_process_holds_the_lock_keeps_what_was_typed(
    seeded, settings, request, caplog
):
    impatient = settings.model_copy(update={"sqlite_busy_timeout_seconds": 0.2})
    with browser(impatient) as client:
        token = csrf_token(client, "/submit")
        request.getfixturevalue("write_lock")
        form = {"csrf_token": token, **listing_form(**TYPED, **PRIVATE)}
        response = client.post("/submit", data=form, follow_redirects=False)
    assert response.status_code == 503
    assert "try again" in text_of(response.text)
    assert_kept(response, *TYPED.values(), *PRIVATE.values())
    assert submissions(seeded) == 0  # nothing half-written
    assert "database is locked" in caplog.text
    assert not any(value in caplog.text for value in PRIVATE.values())


def test_once_the_lock_is_free_the_same_form_goes_through(seeded, settings):
    with browser(settings) as client:
        response = post_form(client, "/submit", listing_form(**TYPED, **PRIVATE))
    assert response.status_code == 303
    assert submissions(seeded) == 1


def read_only(settings: Settings, engine) -> Settings:
    """The same site, its database readable but not writable."""
    if engine.dialect.name == "sqlite":
        path = make_url(settings.database_url).database
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        name = engine.url.database
        with engine.connect() as connection:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'
            )
            connection.commit()
        url = settings.database_url
    engine.dispose()
    return settings.model_copy(update={"database_url": url})


@pytest.mark.databases
def test_a_read_only_database_answers_every_public_form_with_what_was_typed(seeded, settings):
    with browser(read_only(settings, seeded)) as client:
        pages = {
            "/submit": listing_form(**TYPED, **PRIVATE),
            "/organisations/bent-bars-project/edit": {
                **listing_form(**TYPED, **PRIVATE),
                "name": "Bent Bars Project",
            },
            "/organisations/bent-bars-project/report": {
                "reason": "other",
                "details": TYPED["description"],
                **PRIVATE,
            },
        }
        for path, form in pages.items():
            response = post_form(client, path, form, token_from="/submit")
            assert response.status_code == 503, (path, response.status_code)
            assert "cannot save" in text_of(response.text), path
            assert_kept(response, TYPED["description"], PRIVATE["contact"])


@pytest.mark.databases
def test_signing_in_on_a_read_only_database_is_no_server_error(seeded, settings, moderators):
    with browser(read_only(settings, seeded)) as client:
        response = post_form(
            client, "/moderate/login", {"username": "alice", "password": moderators["alice"]}
        )
    assert response.status_code == 503
    assert "Signing in is not possible right now" in text_of(response.text)
    assert 'value="alice"' in response.text  # the sign-in form again, the username kept


@pytest.mark.databases
def test_a_database_error_logs_nothing_the_submitter_sent(seeded, settings, caplog):
    # A constraint refusing every new submission: PostgreSQL then quotes the whole row in
    # its error ("Failing row contains ..."), and SQLAlchemy adds the bound values.
    with seeded.begin() as connection:
        if seeded.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON submission "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            connection.exec_driver_sql(
                "ALTER TABLE submission ADD CONSTRAINT refuse CHECK (false) NOT VALID"
            )
    caplog.set_level(logging.INFO)  # SQLAlchemy logs statements from INFO
    with browser(settings) as client:
        response = post_form(client, "/submit", listing_form(**TYPED, **PRIVATE))
    for value in (*PRIVATE.values(), TYPED["description"]):
        assert value not in caplog.text
        assert value not in response.text
    assert response.status_code == 500
    assert "database error" in caplog.text  # logged, as what it is
    assert submissions(seeded) == 0
