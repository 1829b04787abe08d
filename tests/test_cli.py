"""The `directory` command, driven as a person would from a terminal."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from directory import catalogue
from directory.cli import main
from directory.database import make_engine
from directory.search import SearchQuery
from directory.search.embedded import EmbeddedSearch
from tests.factories import SEED_COUNT


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("DIRECTORY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MEILI_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result

    return invoke


@pytest.mark.databases
def test_migrate_seed_reindex(run, settings):
    assert "up to date" in run("migrate").output
    assert "up to date" in run("migrate").output  # idempotent
    first = run("seed")
    assert first.exit_code == 0
    assert f"{SEED_COUNT} created" in first.output
    again = run("seed")
    assert f"0 created, 0 updated, {SEED_COUNT} unchanged" in again.output
    assert "not seeding" in run("seed", "--if-empty").output
    indexed = run("reindex")
    assert f"Indexed {SEED_COUNT} organisations in embedded." in indexed.output
    engine = make_engine(settings)
    with Session(engine) as session:
        assert catalogue.count(session) == SEED_COUNT
    engine.dispose()
    index = EmbeddedSearch(settings.search_index_path)
    assert index.search(SearchQuery(q="bent bars")).hits[0].slug == "bent-bars-project"


def test_seed_reports_problems_and_fails(run, settings, monkeypatch, tmp_path):
    bad = tmp_path / "seeds"
    bad.mkdir()
    (bad / "bad.toml").write_text('[[organisation]]\nslug = "x"\n', encoding="utf-8")
    monkeypatch.setenv("DIRECTORY_SEED_DIR", str(bad))
    run("migrate")
    result = run("seed")
    assert result.exit_code == 1
    assert "bad.toml: organisation #1 (x): field 'verification'" in result.output


def test_reindex_with_meilisearch_unreachable_still_builds_the_embedded_index(run, monkeypatch):
    monkeypatch.setenv("MEILI_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("DIRECTORY_MEILI_TIMEOUT_SECONDS", "0.5")
    run("migrate")
    run("seed")
    result = run("reindex")
    assert result.exit_code == 0
    assert f"Indexed {SEED_COUNT} organisations in embedded." in result.output
    assert "Could not rebuild meilisearch: cannot connect" in result.output
