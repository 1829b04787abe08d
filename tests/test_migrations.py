"""Migrations: they go up, down and up again, and what they build is what the models say."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from directory.database import make_engine
from directory.migrate import alembic_config, upgrade
from directory.models import Organisation, OutboxEvent
from directory.settings import Settings
from tests import factories

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
        ("add_table", "activity"),
        ("add_index", "ix_activity_public_id"),
        ("add_index", "ix_activity_organisation_slug"),
        ("add_table", "mail_message"),
        ("add_index", "ix_mail_message_status"),
        ("add_index", "ix_mail_message_next_attempt_at"),
        ("add_index", "ix_mail_message_created_at"),
        ("add_table", "password_reset"),
        ("add_index", "ix_password_reset_moderator_id"),
    }


def test_listings_stored_before_the_text_rules_are_rewritten_as_the_rules_store_them(
    empty_engine,
):
    # A browser's "\r\n" and decomposed accents were stored as sent before issue 12.
    upgrade(empty_engine)
    as_sent = factories.organisation(
        slug="as-sent", name="Poznan\u0301 Letters", city="Poznan\u0301"
    )
    as_sent.description = "Skrytka 1\r\n60-001 Poznan\u0301\r\nwrite to us"
    as_sent.postal_address = "Skrytka 1\r\n60-001 Poznan\u0301"
    tidy = factories.organisation(slug="tidy", postal_address="PO Box 1\nLeeds")
    with Session(empty_engine) as session:
        session.add_all([as_sent, tidy])
        session.commit()
    downgrade(empty_engine, "0006")
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        rewritten = session.exec(select(Organisation).where(Organisation.slug == "as-sent")).one()
        events = session.exec(select(OutboxEvent.slug)).all()
    assert rewritten.postal_address == "Skrytka 1\n60-001 Pozna\u0144"
    assert rewritten.description == "Skrytka 1\n60-001 Pozna\u0144\nwrite to us"
    assert (rewritten.name, rewritten.city) == ("Pozna\u0144 Letters", "Pozna\u0144")
    assert events == ["as-sent"]  # search follows the one row that changed
