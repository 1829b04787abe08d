"""Migrations: they go up, down and up again, and what they build is what the models say."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from directory.database import make_engine
from directory.migrate import alembic_config, upgrade
from directory.settings import Settings

pytestmark = pytest.mark.databases


@pytest.fixture
def empty_engine(settings: Settings) -> Iterator[Engine]:
    """An engine on a database no migration has touched (unlike the `engine` fixture)."""
    engine = make_engine(settings)
    yield engine
    engine.dispose()


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def differences(engine: Engine) -> list:
    """What autogenerate would write in a new migration: nothing, if models and tables agree."""
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_upgrade_downgrade_upgrade_matches_the_models(empty_engine):
    upgrade(empty_engine)
    assert tables(empty_engine) == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert differences(empty_engine) == []

    downgrade(empty_engine, "base")
    assert tables(empty_engine) == {"alembic_version"}

    upgrade(empty_engine)
    assert differences(empty_engine) == []


def test_the_comparison_sees_a_missing_table(empty_engine):
    # Otherwise "no differences" above could just mean the comparison looks at nothing.
    upgrade(empty_engine)
    downgrade(empty_engine, "0003")  # before link checks (and the columns added since)
    changes = [c for c in differences(empty_engine) if c[0] in ("add_table", "add_index")]
    assert {(change[0], change[1].name) for change in changes} == {
        ("add_table", "link_check"),
        ("add_index", "ix_link_check_checked_at"),
        ("add_table", "rate_limit"),
        ("add_index", "ix_rate_limit_free_at"),
    }
