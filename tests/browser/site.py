"""A real directory for a browser: a seeded data directory, served by uvicorn on loopback.

Used by the browser tests and by `make screenshots`, so both see the same pages.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from sqlmodel import Session

from directory import accounts, activities, catalogue, moderation, seed
from directory.database import make_engine, session_scope
from directory.migrate import upgrade
from directory.search import backends
from directory.search.indexing import reindex
from directory.settings import PACKAGED_SEED_DIR, Settings
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright's own download is not used
# Headless, as root, on a machine with no network but loopback: nothing may phone home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
MODERATOR = "alice"
MODERATOR_PASSWORD = "a long enough password"
# A seeded listing with a postal address, the kind of page people print and post.
SAMPLE_SLUG = "nottingham-black-prisoner-support"


@dataclass(frozen=True)
class Samples:
    """Submissions made before the server starts, for pages that need one to exist."""

    pending_edit_id: int  # a review page with a field-by-field diff
    pending_edit_token: str  # its submitter's status page
    changes_requested_token: str  # a status page that offers "send a corrected version"
    closure_report_id: int  # a review page that offers "Mark as no longer active" at the top
    activity_edit_id: int  # an activity's suggested correction: its diff and approve form
    activity_cancel_id: int  # a report that an activity no longer happens
    activity_public_id: str  # an activity to suggest a correction to, or report cancelled


@dataclass(frozen=True)
class Site:
    url: str
    data_dir: Path
    samples: Samples


def prepare(data_dir: Path, gazetteer: Path) -> tuple[Settings, Samples]:
    """Migrate, seed and index a fresh data directory; add a moderator and sample submissions."""
    settings = factories.site_settings(data_dir, gazetteer)
    engine = make_engine(settings)
    upgrade(engine)
    with session_scope(engine) as session:
        records = seed.load(PACKAGED_SEED_DIR)
        catalogue.upsert_many(session, records)
        held = seed.load_activities(PACKAGED_SEED_DIR, records)
        activities.upsert_many(
            session,
            [(item.organisation, item.values) for item in held],
            gazetteer=settings.gazetteer_path,
        )
    with Session(engine) as session:
        reindex(session, backends.embedded(settings))
    with session_scope(engine) as session:
        accounts.create_moderator(session, MODERATOR, MODERATOR_PASSWORD, admin=True)
        samples = _submissions(session)
    engine.dispose()
    return settings, samples


def _submissions(session: Session) -> Samples:
    organisation = catalogue.get(session, SAMPLE_SLUG)
    assert organisation is not None, f"the seed data has no {SAMPLE_SLUG}"
    someone = moderation.Submitter(contact="someone@example.net", relation="member")
    approved = moderation.submit_edit(
        session, organisation, {"areas_served": ["GB-NGM", "GB-DER"]}, someone
    )
    moderation.approve(
        session, approved, moderation.proposed_values(session, approved), moderator=MODERATOR
    )
    pending = moderation.submit_edit(
        session,
        organisation,
        {"founded_year": 1990, "languages": ["en", "pa"]},
        moderation.Submitter(contact="someone@example.net", note="They also work in Punjabi."),
    )
    returned = moderation.submit_new(
        session,
        {
            "name": "Sample Letters Collective",
            "kind": "regional-network",
            "description": "Writes letters to people held in prisons across the north of England.",
            "focus": ["all-prisoners"],
            "services": ["letter-writing"],
            "status": "active",
            "country": "GB",
            "city": "Leeds",
        },
        someone,
    )
    moderation.request_changes(
        session, returned, moderator=MODERATOR, reason="Please add a website or an address."
    )
    closed = moderation.submit_report(
        session, organisation, "group-closed", "Their office has shut, says a neighbour.", someone
    )
    assert pending.id is not None and closed.id is not None
    checked, errors = activities.validate(
        {
            "title": "Sample letter-writing evening",
            "description": "Cards and letters to people in prison; paper and stamps provided.",
            "kind": "letter-writing",
            "starts_at": "2030-03-04T18:30",
            "ends_at": "2030-03-04T20:30",
            "time_zone": "Europe/London",
            "recurrence": "FREQ=MONTHLY;BYDAY=1MO",
            "city": "Nottingham",
            "country": "GB",
            "access": ["step-free"],
            "source_url": "https://example.org/sample-letters",
            "stated_on": "2026-11-01",
        }
    )
    assert errors == {}, errors
    held = activities.create(session, SAMPLE_SLUG, checked)
    corrected = moderation.submit_activity_edit(
        session,
        held,
        {**moderation.activity_values(held), "cost": "Free", "access": [*held.access, "food"]},
        someone,
    )
    cancelled = moderation.submit_activity_cancel(
        session, held, "Their last post says it has stopped.", None, someone
    )
    assert corrected.id is not None and cancelled.id is not None
    ids = (corrected.id, cancelled.id)
    return Samples(pending.id, pending.token, returned.token, closed.id, *ids, held.public_id)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(settings: Settings, log: Path) -> Iterator[str]:
    """Run the app with uvicorn in a child process, as `make run` does; yield its address."""
    port = free_port()
    environment = {
        **os.environ,
        "DIRECTORY_DATA_DIR": str(settings.data_dir),
        "DIRECTORY_DATABASE_URL": settings.database_url,
        "DIRECTORY_GAZETTEER_PATH": str(settings.gazetteer_path),
        "DIRECTORY_SEARCH": "embedded",
        "DIRECTORY_ADMIN_TWO_FACTOR": str(settings.admin_two_factor).lower(),
        "MEILI_URL": "",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "directory.app:create_app"]
    command += ["--host", HOST, "--port", str(port), "--no-access-log"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
        url = f"http://{HOST}:{port}"
        try:
            _wait_until_up(url, server, log)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped at start-up:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within 30 s:\n{log.read_text()}")


@contextmanager
def running(data_dir: Path, gazetteer: Path) -> Iterator[Site]:
    settings, samples = prepare(data_dir, gazetteer)
    with serve(settings, data_dir / "server.log") as url:
        yield Site(url, data_dir, samples)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
