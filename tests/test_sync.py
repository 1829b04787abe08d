"""The outbox relay: what the database commits reaches every index, once or many times."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import IO

import pytest
from sqlmodel import Session, col, select

from directory import catalogue
from directory.models import OutboxEvent
from directory.search import SearchQuery, backends, sync
from directory.search.embedded import EmbeddedSearch
from directory.search.indexing import reindex
from directory.search.sync import Relay, apply_pending
from tests import factories

pytestmark = pytest.mark.databases


def names(backend) -> list[str]:
    return [hit.name for hit in backend.search(SearchQuery(per_page=100)).hits]


def test_committed_changes_reach_the_index(engine, settings):
    index = EmbeddedSearch(settings.search_index_path)  # empty, as reindex leaves it
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters"))
        catalogue.upsert(session, factories.record(slug="b", name="Beta Books"))
        session.commit()
    assert apply_pending(engine, index) == 2
    assert names(index) == ["Alpha Letters", "Beta Books"]
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Pen Pals"))
        catalogue.delete(session, "b")
        session.commit()
    assert apply_pending(engine, index) == 2
    assert names(index) == ["Alpha Pen Pals"]
    assert apply_pending(engine, index) == 0  # nothing left: each event is applied once


def test_applying_again_changes_nothing(engine, settings):
    index = EmbeddedSearch(settings.search_index_path)
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters"))
        session.commit()
    apply_pending(engine, index)
    index.upsert([])  # a replay of an already applied batch must converge too
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters Again"))
        session.commit()
    apply_pending(engine, index)
    apply_pending(engine, index)
    assert names(index) == ["Alpha Letters Again"]


def test_reindex_marks_what_it_read_as_delivered(engine, settings):
    index = backends.embedded(settings)
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="a", name="Alpha Letters"))
        session.commit()
        reindex(session, index)
    assert apply_pending(engine, index) == 0
    assert names(index) == ["Alpha Letters"]


# A rebuild in another process while changes are approved here --------------------------

ROOT = Path(__file__).resolve().parents[1]
LISTINGS = 3000


def _catalogue_of(engine, count: int) -> None:
    with Session(engine) as session:
        catalogue.upsert_many(
            session,
            (factories.record(slug=f"listing-{n}", name=f"Listing {n}") for n in range(count)),
        )
        session.commit()


def _cli(settings, errors: IO[bytes], *arguments: str) -> subprocess.Popen[bytes]:
    """`directory ...` in a process of its own, on this test's site, running this tree's code."""
    environment = {
        **os.environ,
        "DIRECTORY_DATA_DIR": str(settings.data_dir),
        "DIRECTORY_DATABASE_URL": settings.database_url,
        "DIRECTORY_GAZETTEER_PATH": str(settings.gazetteer_path),
        "DIRECTORY_SEARCH": "embedded",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "directory.cli", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )


def _building(settings) -> bool:
    index = settings.search_index_path
    return any(index.parent.glob(index.name + ".building*"))


def _index_names(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as index:
        return {
            slug: json.loads(hit)["name"]
            for slug, hit in index.execute("SELECT slug, hit FROM docs")
        }


def _database_names(engine) -> dict[str, str]:
    with Session(engine) as session:
        return {o.slug: o.name for o in catalogue.iter_all(session)}


def test_a_reindex_in_another_process_keeps_every_change_approved_meanwhile(engine, settings):
    """Two web workers (this process and a second one) approve renames of the same listings
    and relay them while `directory reindex` runs in a third."""
    _catalogue_of(engine, LISTINGS)
    index = backends.embedded(settings)
    with Session(engine) as session:
        reindex(session, index)
    relay = Relay(engine, [index])  # this process's relay, as a web worker's
    # In the order the rebuild reads (by slug): each has been read before it is changed.
    read_first = sorted(f"listing-{n}" for n in range(LISTINGS))[:200]
    stop = settings.data_dir / "stop"
    second = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.second_worker",
            settings.database_url,
            str(settings.search_index_path),
            str(stop),
            *read_first,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    while not stop.with_name("stop.started").exists() and second.poll() is None:
        time.sleep(0.01)
    errors = (settings.data_dir / "reindex.log").open("w+b")
    process = _cli(settings, errors, "reindex")
    while not _building(settings) and process.poll() is None:
        time.sleep(0.01)  # the rebuild has noted where the outbox stood and begun reading
    changes = 0
    while process.poll() is None:
        slug = read_first[changes % len(read_first)]
        with Session(engine) as session:
            catalogue.upsert(session, factories.record(slug=slug, name=f"Renamed {slug} {changes}"))
            session.commit()
        relay.wake()  # delivered at once, as after a moderator's approval
        changes += 1
    stop.touch()
    second_changes = int(second.communicate()[0] or 0)
    errors.seek(0)
    assert process.returncode == 0, errors.read().decode()
    errors.close()
    assert changes >= 10  # the rebuild took long enough for changes to race it
    relay.wake()
    # The index file as a restarted server would read it, against the database.
    indexed, current = _index_names(settings.search_index_path), _database_names(engine)
    lost = sorted(slug for slug, name in current.items() if indexed.get(slug) != name)
    assert (len(lost), changes + second_changes) == (0, changes + second_changes)


@pytest.mark.databases
def test_the_outbox_position_counts_no_event_before_every_earlier_one_is_committed(
    engine, database_backend
):
    if database_backend == "sqlite":
        pytest.skip("SQLite commits one writer at a time: its events cannot commit out of order")
    # A moderator's approval takes an event id, and is slow to commit; another, later, commits
    # at once. A rebuild asking for the position meanwhile must not count the first as done.
    slow = Session(engine)
    catalogue.upsert(slow, factories.record(slug="slow", name="Slow Approval"))
    with Session(engine) as session:
        catalogue.upsert(session, factories.record(slug="quick", name="Quick Approval"))
        session.commit()
    committing = threading.Timer(0.5, slow.commit)
    committing.start()
    with Session(engine) as session:
        newest = sync.position(session)
        visible = set(session.exec(select(OutboxEvent.slug).where(col(OutboxEvent.id) <= newest)))
    committing.join()
    slow.close()
    assert visible == {"slow", "quick"}
