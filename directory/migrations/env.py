"""Alembic environment: runs migrations on the engine the directory's settings describe."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import directory.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        raise RuntimeError("run migrations through `directory migrate`")
    context.configure(
        connection=connectable,
        target_metadata=target_metadata,
        render_as_batch=connectable.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
