"""`directory backup` and `directory restore`: a restored site serves the same listings and
its moderators can sign in, on SQLite and PostgreSQL; a backup taken while another process
writes is a consistent snapshot; a database holding data is never restored over."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, func, select
from starlette.testclient import TestClient

from directory import backups
from directory.app import create_app
from directory.cli import main
from directory.database import make_engine
from directory.models import Organisation, OutboxEvent
from directory.settings import Settings
from tests import factories
from tests.conftest import MODERATOR_PASSWORD
from tests.factories import SEED_COUNT
from tests.web import sign_in, text_of

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "bent-bars-project"


def run(settings: Settings, *args: str):
    """`directory ARGS` on this site, as typed in a terminal with its environment set."""
    environment = {
        "DIRECTORY_DATA_DIR": str(settings.data_dir),
        "DIRECTORY_DATABASE_URL": settings.database_url,
        "DIRECTORY_GAZETTEER_PATH": str(settings.gazetteer_path),
        "DIRECTORY_SEARCH": "embedded",
        "MEILI_URL": "",
    }
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def _fresh_site(tmp_path: Path, name: str, gazetteer: Path, new_database) -> Settings:
    return factories.site_settings(tmp_path / name, gazetteer, new_database())


@pytest.mark.databases
def test_a_restored_backup_serves_the_same_listings_and_moderators_sign_in(
    client, moderators, settings, tmp_path, gazetteer, new_database
):
    served = client.get("/api/organisations").json()["total"]
    listing = text_of(client.get(f"/organisations/{SAMPLE}").text)
    backup = tmp_path / "directory.backup"

    made = run(settings, "backup", str(backup))
    assert made.exit_code == 0, made.output
    assert "Backed up the database" in made.output and str(backup) in made.output
    assert backup.stat().st_mode & 0o077 == 0  # contacts and password hashes: owner only

    restored = _fresh_site(tmp_path, "restored", gazetteer, new_database)
    answer = run(restored, "restore", str(backup))
    assert answer.exit_code == 0, answer.output
    assert f"Restored {SEED_COUNT} listings and 2 moderators" in answer.output
    assert f"Indexed {SEED_COUNT} organisations in embedded." in answer.output

    with TestClient(create_app(restored)) as again:
        assert again.get("/api/organisations").json()["total"] == served == SEED_COUNT
        page = again.get(f"/organisations/{SAMPLE}")
        assert page.status_code == 200
        assert text_of(page.text) == listing
        hits = again.get("/api/search", params={"q": "bent bars"}).json()["hits"]
        assert hits[0]["slug"] == SAMPLE
        sign_in(again, "alice", MODERATOR_PASSWORD)
        assert again.get("/moderate").status_code == 200
        assert again.get("/moderate/moderators").status_code == 200  # still an administrator

    refused = run(restored, "restore", str(backup))
    assert refused.exit_code == 1
    assert f"already holds {SEED_COUNT} listing(s) and 2 moderator(s)" in refused.output


@pytest.mark.databases
def test_restore_refuses_a_database_holding_listings_and_changes_nothing(
    client, seeded, moderators, settings, tmp_path
):
    backup = tmp_path / "directory.backup"
    assert run(settings, "backup", str(backup)).exit_code == 0
    factories.store(seeded, slug="added-after-the-backup")

    refused = run(settings, "restore", str(backup))
    assert refused.exit_code == 1
    assert "Cannot restore: The database already holds" in refused.output
    assert "Restore only into an empty database" in refused.output
    assert client.get("/api/organisations/added-after-the-backup").status_code == 200


def test_restore_refuses_what_is_not_a_backup_of_its_kind(settings, tmp_path, engine):
    stray = tmp_path / "notes.txt"
    stray.write_text("not a database", encoding="utf-8")
    answer = run(settings, "restore", str(stray))
    assert answer.exit_code == 1
    assert "is not a backup made by `directory backup`" in answer.output
    dump = tmp_path / "postgres.backup"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    answer = run(settings, "restore", str(dump))
    assert "is a PostgreSQL backup, but this directory's database is SQLite" in answer.output


POSTGRES = "postgresql+psycopg://directory:s3cret-Pass@db.example.internal:5432/directory"


def test_without_pg_dump_the_backup_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    site = Settings(data_dir=tmp_path, database_url=POSTGRES, search="embedded")
    answer = run(site, "backup", str(tmp_path / "x.backup"))
    assert answer.exit_code == 1
    assert "`pg_dump` was not found on PATH" in answer.output
    assert "s3cret" not in answer.output
    assert not list(tmp_path.glob("x.backup*"))


def test_pg_dump_gets_the_password_in_its_environment_never_its_command_line(tmp_path, monkeypatch):
    seen: dict[str, Any] = {}

    def fake_run(command, env, **_):
        seen.update(command=command, env=env)
        Path(command[command.index("--file") + 1]).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(subprocess, "run", fake_run)
    backups.backup(POSTGRES, tmp_path / "x.backup")
    assert "s3cret" not in " ".join(seen["command"])
    assert seen["env"]["PGPASSWORD"] == "s3cret-Pass"
    assert "postgresql://directory@db.example.internal:5432/directory" in seen["command"]
    assert {"--format=custom", "--no-password"} <= set(seen["command"])


# A backup while the site writes ------------------------------------------------------------

WRITTEN = re.compile(r"Second worker (?P<slug>[\w-]+) (?P<n>\d+)")


@pytest.mark.databases
def test_a_backup_taken_while_another_process_writes_is_consistent(
    seeded, settings, tmp_path, gazetteer, new_database
):
    with Session(seeded) as session:
        slugs = list(session.exec(select(Organisation.slug).order_by(Organisation.slug).limit(3)))
        events_before = _events(session, slugs)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.second_worker",
            settings.database_url,
            str(settings.search_index_path),
            str(stop),
            *slugs,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        while not stop.with_name("stop.started").exists() and writer.poll() is None:
            time.sleep(0.01)
        files = []
        for number in range(3):
            files.append(tmp_path / f"while-writing-{number}.backup")
            backups.backup(settings.database_url, files[-1])
            time.sleep(0.05)
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=60)[0] or 0)
    assert writer.returncode == 0

    seen = []
    for number, file in enumerate(files):
        restored = _fresh_site(tmp_path, f"restored-{number}", gazetteer, new_database)
        engine = make_engine(restored)
        backups.restore(engine, restored.database_url, file)
        with Session(engine) as session:
            chosen = select(Organisation.slug, Organisation.name).where(
                col(Organisation.slug).in_(slugs)
            )
            names = {slug: name for slug, name in session.exec(chosen)}
            events = _events(session, slugs)
        engine.dispose()
        # The writer renamed slugs[0], slugs[1], slugs[2], slugs[0]... committing each name with
        # its outbox event: a snapshot holds the last len(slugs) names and as many events.
        upto = 1 + max(int(m["n"]) for m in map(WRITTEN.match, names.values()) if m)
        expected = {
            slug: f"Second worker {slug} {upto - 1 - ((upto - 1 - j) % len(slugs))}"
            for j, slug in enumerate(slugs)
            if j < upto
        }
        assert {s: n for s, n in names.items() if s in expected} == expected
        assert events == events_before + upto
        seen.append(upto)
    assert seen == sorted(seen) and written > seen[0]  # the writer went on meanwhile


def _events(session: Session, slugs: list[str]) -> int:
    query = select(func.count()).select_from(OutboxEvent).where(col(OutboxEvent.slug).in_(slugs))
    return session.exec(query).one()
